import { z } from 'zod';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { GitClient } from '../../git/GitClient';
import {
  checkRefName,
  GitStepsDeps,
  messageOf,
  WorkTree,
} from '../stepHelpers/gitWorkTree';

/** Kargo's `GitTagConfig` (schemas/git-tag-config.json). */
const gitTagConfigSchema = z
  .object({
    path: z.string().min(1),
    tag: z.string().min(1),
    message: z.string().min(1),
    force: z.boolean().optional(),
  })
  .strict();

/** The checked config of `git-tag`. */
export type GitTagConfig = z.infer<typeof gitTagConfigSchema>;

/**
 * `git-tag`: creates the annotated tag `tag` with `message` at HEAD of the working tree at `path` (replacing an
 * existing one with `force`). Output: `commit`, the tagged commit. Re-running it after a crash finds the tag it
 * made at HEAD and succeeds.
 */
export function createGitTagStep(
  deps: GitStepsDeps,
): PromotionStepRunner<GitTagConfig> {
  return createPromotionStep({
    name: 'git-tag',
    schema: gitTagConfigSchema,
    validate: config => {
      checkRefName(config.tag, 'tag');
    },
    run: (context, config) => tag(deps.git, context, config),
  });
}

async function tag(
  git: GitClient,
  context: PromotionStepContext,
  config: GitTagConfig,
): Promise<PromotionStepResult> {
  const tree = await WorkTree.open(git, context, config.path);
  const head = await tree.head();
  const ref = `refs/tags/${config.tag}`;
  const existing = await tree.run(
    ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`],
    {
      okExitCodes: [1],
    },
  );
  const existingCommit = existing.stdout.trim();
  if (existingCommit && !config.force) {
    if (existingCommit === head) {
      context.logger.info(`tag ${config.tag} already points at ${head}`);
      return { status: 'Succeeded', output: { commit: head } };
    }
    throw new TerminalStepError(
      `error creating tag ${config.tag}: the tag already exists at ${existingCommit}; set force: true to move it`,
    );
  }
  try {
    // A repository git-clone made sign its commits signs its tags too, as Kargo sets tag.gpgSign.
    const args = [
      'tag',
      '--annotate',
      tree.gnupgHome ? '--sign' : '--no-sign',
      '--file=-',
    ];
    if (config.force) args.push('--force');
    await tree.run([...args, '--', config.tag, head], {
      input: config.message,
    });
  } catch (error) {
    throw new Error(`error creating tag ${config.tag}: ${messageOf(error)}`);
  }
  context.logger.info(`tagged ${head} as ${config.tag}`);
  return { status: 'Succeeded', output: { commit: head } };
}
