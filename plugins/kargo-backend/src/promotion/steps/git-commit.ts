import { z } from 'zod';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { GitClient } from '../../git/GitClient';
import {
  authorSchema,
  importSigningKey,
  GitStepsDeps,
  messageOf,
  WorkTree,
} from '../stepHelpers/gitWorkTree';

/** Kargo's `GitCommitConfig` (schemas/git-commit-config.json). */
const gitCommitConfigSchema = z
  .object({
    path: z.string().min(1),
    message: z.string().min(1),
    /** Deprecated in Kargo (configure the author in git-clone); still honoured. */
    author: authorSchema.optional(),
  })
  .strict();

/** The checked config of `git-commit`. */
export type GitCommitConfig = z.infer<typeof gitCommitConfigSchema>;

/**
 * `git-commit`: stages every change in the working tree at `path` and commits it with `message`. When nothing
 * changed the step is `Skipped` and no commit is made, as in Kargo. Output: `commit`, the new commit or, when
 * skipped, the commit at HEAD — which also makes a re-run after a crash harmless.
 */
export function createGitCommitStep(
  deps: GitStepsDeps,
): PromotionStepRunner<GitCommitConfig> {
  return createPromotionStep({
    name: 'git-commit',
    schema: gitCommitConfigSchema,
    run: (context, config) => commit(deps.git, context, config),
  });
}

async function commit(
  git: GitClient,
  context: PromotionStepContext,
  config: GitCommitConfig,
): Promise<PromotionStepResult> {
  const tree = await WorkTree.open(git, context, config.path);
  // The step's own author.signingKey signs this commit; else the key git-clone configured, if any.
  let sign = tree.gnupgHome ? [] : ['--no-gpg-sign'];
  const signingEnv: Record<string, string> = {};
  if (config.author?.signingKey) {
    const key = await importSigningKey({
      git,
      signingKey: config.author.signingKey,
      field: 'author',
      signal: context.signal,
    });
    signingEnv.GNUPGHOME = key.gnupgHome;
    sign = [`--gpg-sign=${key.fingerprint}`];
  }
  const env: Record<string, string> = config.author
    ? {
        GIT_AUTHOR_NAME: config.author.name,
        GIT_AUTHOR_EMAIL: config.author.email,
        GIT_COMMITTER_NAME: config.author.name,
        GIT_COMMITTER_EMAIL: config.author.email,
      }
    : {};
  try {
    await tree.run(['add', '--all']);
    // Committing at once saves a `git status` in the usual case; git refuses an empty commit with exit code 1,
    // and only then does the status tell "nothing to commit" from another refusal.
    const committed = await tree.run(
      ['commit', '--quiet', '--no-verify', ...sign, '-F', '-'],
      {
        input: config.message,
        env: { ...env, ...signingEnv },
        okExitCodes: [1],
      },
    );
    if (committed.exitCode !== 0) {
      const status = await tree.run(['status', '--porcelain']);
      if (status.stdout.trim() === '') {
        const head = await tree.head();
        context.logger.info(`nothing to commit; HEAD is ${head}`);
        return {
          status: 'Skipped',
          message: 'no changes to commit',
          output: { commit: head },
        };
      }
      const detail = committed.stderr.trim() || committed.stdout.trim();
      throw new Error(
        `git commit failed with exit code 1${detail ? `: ${detail}` : ''}`,
      );
    }
    const head = await tree.head();
    context.logger.info(`committed ${head}`);
    return { status: 'Succeeded', output: { commit: head } };
  } catch (error) {
    throw new Error(
      `error committing to working tree ${config.path}: ${messageOf(error)}`,
    );
  }
}
