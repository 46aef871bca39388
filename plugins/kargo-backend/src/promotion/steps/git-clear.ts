import { z } from 'zod';
import {
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { GitStepsDeps, messageOf, WorkTree } from '../stepHelpers/gitWorkTree';

/** Kargo's `GitClearConfig` (schemas/git-clear-config.json). */
const gitClearConfigSchema = z
  .object({
    path: z.string().min(1),
  })
  .strict();

/** The checked config of `git-clear`. */
export type GitClearConfig = z.infer<typeof gitClearConfigSchema>;

/**
 * `git-clear`: deletes the entire contents of the working tree at `path`, tracked or not, except its `.git`
 * file (Kargo: `git add . && git rm -rf --ignore-unmatch .`). Useful before rendering a branch's whole content.
 */
export function createGitClearStep(
  deps: GitStepsDeps,
): PromotionStepRunner<GitClearConfig> {
  return createPromotionStep({
    name: 'git-clear',
    schema: gitClearConfigSchema,
    run: async (context, config) => {
      const tree = await WorkTree.open(deps.git, context, config.path);
      try {
        // `git rm` only removes what the index knows: stage untracked files first.
        await tree.run(['add', '--all']);
        await tree.run([
          'rm',
          '-r',
          '-f',
          '--quiet',
          '--ignore-unmatch',
          '--',
          '.',
        ]);
      } catch (error) {
        throw new Error(
          `error clearing working tree at ${config.path}: ${messageOf(error)}`,
        );
      }
      return { status: 'Succeeded' };
    },
  });
}
