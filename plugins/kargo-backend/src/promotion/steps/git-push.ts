import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { GitCommandError } from '../../git/GitClient';
import { commitUrl, GIT_PROVIDERS } from '../stepHelpers/commitUrl';
import {
  branchLocks,
  checkRefName,
  GitStepsDeps,
  messageOf,
  WorkTree,
} from '../stepHelpers/gitWorkTree';

/** Kargo's `GitPushConfig` (schemas/git-push-config.json). */
const gitPushConfigSchema = z
  .object({
    path: z.string().min(1),
    targetBranch: z.string().optional(),
    generateTargetBranch: z.boolean().optional(),
    tag: z.string().optional(),
    force: z.boolean().optional(),
    maxAttempts: z.number().int().min(1).max(2147483647).optional(),
    provider: z.enum(GIT_PROVIDERS).optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const exclusive = [
      config.generateTargetBranch ? 'generateTargetBranch' : undefined,
      config.targetBranch ? 'targetBranch' : undefined,
      config.tag ? 'tag' : undefined,
    ].filter(Boolean);
    if (exclusive.length > 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `Must validate one and only one schema (oneOf): ${exclusive.join(
          ', ',
        )} are mutually exclusive`,
      });
    }
    if (config.tag && config.force) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message:
          'Must validate one and only one schema (oneOf): tag and force: true are mutually exclusive',
      });
    }
  });

/** The checked config of `git-push`. */
export type GitPushConfig = z.infer<typeof gitPushConfigSchema>;

export const DEFAULT_MAX_ATTEMPTS = 10;

/** Kargo's backoff between attempts: 1s, growing 1.5x, ±50% jitter, at most 30s. */
export function kargoBackoff(attempt: number): number {
  const base = Math.min(1000 * 1.5 ** (attempt - 2), 30_000);
  return Math.min(base * (1 + Math.random() * 0.5), 30_000);
}

/** Why a `git push --porcelain` refused a ref, or undefined when it was accepted. */
function rejection(output: string): string | undefined {
  const line = output.split('\n').find(l => l.startsWith('!\t'));
  return line?.split('\t')[2]?.trim();
}

/** Refusals that mean "the remote branch moved": integrate and try again. */
function remoteMoved(reason: string): boolean {
  return /non-fast-forward|fetch first|stale info|cannot lock ref|failed to update ref|incorrect old value/.test(
    reason,
  );
}

class RemoteMovedError extends Error {}

/** Remote changes that do not rebase cleanly: retrying cannot help. */
export class MergeConflictError extends Error {}

/**
 * `git-push`: pushes HEAD of the working tree at `path` to `targetBranch` (default: the checked out branch), to a
 * generated `kargo/promotion/<promotion>` branch with `generateTargetBranch` (force-pushed, as in Kargo), or
 * pushes `tag`. HEAD is pushed at once; when git refuses because the remote branch has commits the working tree
 * lacks, the branch is fetched, the local commits are rebased onto it and pushed, up to `maxAttempts` (default
 * 10) times; a rebase conflict fails the step.
 * Output: `branch`, `commit` and, when the provider is known or given, `commitURL`.
 *
 * Safe to repeat: when the remote branch already contains HEAD (an earlier run pushed it before a crash), the
 * step succeeds without pushing, so a promotion never adds a second commit.
 */
export function createGitPushStep(
  deps: GitStepsDeps,
): PromotionStepRunner<GitPushConfig> {
  return createPromotionStep({
    name: 'git-push',
    schema: gitPushConfigSchema,
    validate: config => {
      if (config.targetBranch)
        checkRefName(config.targetBranch, 'targetBranch');
      if (config.tag) checkRefName(config.tag, 'tag');
    },
    run: (context, config) => push(deps, context, config),
  });
}

async function push(
  deps: GitStepsDeps,
  context: PromotionStepContext,
  config: GitPushConfig,
): Promise<PromotionStepResult> {
  const tree = await WorkTree.open(deps.git, context, config.path);
  const { head, branch: current } = await tree.headAndBranch();
  let branch: string | undefined;
  let force = !!config.force;
  if (config.generateTargetBranch) {
    // The name includes the promotion's id, so the branch is this promotion's own: force-pushing it makes a
    // re-run after a crash succeed, as in Kargo.
    branch = `kargo/promotion/${context.promotion}`;
    force = true;
  } else {
    branch = config.targetBranch || current;
  }

  let commit = head;
  if (config.tag) {
    await pushTag(tree, config.tag);
  } else {
    if (!branch) {
      throw new TerminalStepError(
        `the working tree at ${config.path} is not on a branch (detached HEAD); set targetBranch`,
      );
    }
    try {
      commit = await pushWithRetries(tree, context, {
        head,
        branch,
        force,
        maxAttempts: config.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        backoff: deps.pushBackoffMs ?? kargoBackoff,
      });
    } catch (error) {
      if (error instanceof MergeConflictError) {
        return { status: 'Failed', message: error.message };
      }
      throw error;
    }
  }

  const output: Record<string, unknown> = { commit };
  if (branch) output.branch = branch;
  const url = commitUrl(tree.repoURL, commit, config.provider);
  if (url) output.commitURL = url;
  return { status: 'Succeeded', output };
}

/**
 * Pushes while holding this process's lock on the branch, integrating remote changes and trying again, up to
 * `maxAttempts` times, when the branch moved in between.
 */
async function pushWithRetries(
  tree: WorkTree,
  context: PromotionStepContext,
  options: {
    /** HEAD's commit before the push. */
    head: string;
    branch: string;
    force: boolean;
    maxAttempts: number;
    backoff: (attempt: number) => number;
  },
): Promise<string> {
  const { branch, force, maxAttempts, backoff } = options;
  return branchLocks.run(`${tree.repoURL}\n${branch}`, async () => {
    // HEAD is pushed at once: a push git accepts without a fetch is one that a fetch would have let through
    // unchanged (the remote branch is missing, at HEAD, or behind it; or the push forces). Only when git refuses
    // because the remote has commits HEAD lacks is the branch fetched, to integrate them or to find HEAD
    // already there (an earlier run pushed it before a crash).
    try {
      await pushHead(tree, branch, force);
      context.logger.info(`pushed ${options.head} to ${branch}`);
      return options.head;
    } catch (error) {
      if (!(error instanceof RemoteMovedError)) throw error;
    }
    // A failed attempt may have rebased the local commits: HEAD is read again after one.
    let head: string | undefined = options.head;
    for (let attempt = 1; ; attempt++) {
      try {
        return await pushBranch(tree, context, {
          head: head ?? (await tree.head()),
          branch,
          force,
        });
      } catch (error) {
        head = undefined;
        if (!(error instanceof RemoteMovedError)) throw error;
        if (attempt >= maxAttempts) {
          throw new Error(
            `error pushing commits to remote: branch ${branch} kept moving (${error.message}) after ${maxAttempts} attempts`,
          );
        }
        context.logger.info(
          `remote branch ${branch} moved while pushing (${
            error.message
          }); attempt ${attempt + 1} of ${maxAttempts}`,
        );
        await delay(backoff(attempt + 1), undefined, {
          signal: context.signal,
        });
      }
    }
  });
}

/**
 * Fetches the remote branch into a private ref; resolves with that ref, or undefined when the remote has no such
 * branch. The fetch is tried first (one round trip when the branch exists, as it nearly always does); only when it
 * fails does `ls-remote` tell a missing branch from another failure.
 */
export async function fetchRemoteBranch(
  tree: WorkTree,
  branch: string,
): Promise<string | undefined> {
  const tracking = `refs/kargo-portal/remote/${branch}`;
  try {
    await tree.run([
      'fetch',
      '--quiet',
      '--no-tags',
      'origin',
      `+refs/heads/${branch}:${tracking}`,
    ]);
    return tracking;
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    const listed = await tree.run([
      'ls-remote',
      '--',
      'origin',
      `refs/heads/${branch}`,
    ]);
    const exists = listed.stdout
      .split('\n')
      .some(l => l.endsWith(`\trefs/heads/${branch}`));
    if (exists) throw error;
    return undefined;
  }
}

/** Pushes HEAD (commit `head`) to `branch`; resolves with the commit the remote branch then holds. */
async function pushBranch(
  tree: WorkTree,
  context: PromotionStepContext,
  options: { head: string; branch: string; force: boolean },
): Promise<string> {
  const { branch, force } = options;
  let head = options.head;
  const remote = await fetchRemoteBranch(tree, branch);
  let rebase = false;
  if (remote) {
    let alreadyThere: boolean;
    if (force) {
      // A force push must leave the remote exactly at HEAD.
      const remoteCommit = (
        await tree.run(['rev-parse', '--verify', `${remote}^{commit}`])
      ).stdout.trim();
      alreadyThere = remoteCommit === head;
    } else {
      // A normal push only needs HEAD in the remote's history. One git process counts the commits on each
      // side: none of HEAD's missing from the remote means it is there; some of the remote's missing from HEAD
      // means the local commits are rebased first.
      const [ahead, behind] = (
        await tree.run([
          'rev-list',
          '--left-right',
          '--count',
          `HEAD...${remote}`,
        ])
      ).stdout
        .trim()
        .split(/\s+/)
        .map(Number);
      alreadyThere = ahead === 0;
      rebase = behind > 0;
    }
    if (alreadyThere) {
      // Already there: pushed by an earlier run of this step (or nothing new was committed).
      context.logger.info(`remote branch ${branch} already contains ${head}`);
      return head;
    }
  }
  if (rebase) {
    await rebaseOnto(tree, remote!, branch);
    head = await tree.head();
  }
  await pushHead(tree, branch, force);
  context.logger.info(`pushed ${head} to ${branch}`);
  return head;
}

/** Pushes HEAD to `branch`; a refusal because the remote branch moved is a {@link RemoteMovedError}. */
async function pushHead(
  tree: WorkTree,
  branch: string,
  force: boolean,
): Promise<void> {
  const args = ['push', '--porcelain', 'origin', `HEAD:refs/heads/${branch}`];
  if (force) args.push('--force');
  let output: string;
  try {
    output = (await tree.run(args)).stdout;
  } catch (error) {
    if (error instanceof GitCommandError) {
      const reason = rejection(error.stdout);
      if (reason && remoteMoved(reason)) throw new RemoteMovedError(reason);
      throw new Error(
        `error pushing branch ${branch}: ${reason ?? error.message}`,
      );
    }
    throw error;
  }
  const reason = rejection(output);
  if (reason) {
    if (remoteMoved(reason)) throw new RemoteMovedError(reason);
    throw new Error(`error pushing branch ${branch}: ${reason}`);
  }
}

/** Replays the local commits onto the remote branch; a conflict is a terminal failure, as in Kargo. */
export async function rebaseOnto(
  tree: WorkTree,
  remote: string,
  branch: string,
) {
  try {
    await tree.run(['rebase', '--quiet', '--no-autostash', remote]);
  } catch (error) {
    await tree
      .run(['rebase', '--abort'], { okExitCodes: [128] })
      .catch(() => undefined);
    throw new MergeConflictError(
      `merge conflict integrating remote changes of branch ${branch}: ${messageOf(
        error,
      )}`,
    );
  }
}

/** Pushes a tag; an identical tag already on the remote is a success (a re-run after a crash). */
async function pushTag(tree: WorkTree, tag: string): Promise<void> {
  const ref = `refs/tags/${tag}`;
  const local = (await tree.run(['rev-parse', '--verify', ref])).stdout.trim();
  const listed = await tree.run(['ls-remote', '--', 'origin', ref]);
  const remote = listed.stdout.split('\n').find(l => l.endsWith(`\t${ref}`));
  if (remote?.startsWith(`${local}\t`)) return;
  try {
    const { stdout } = await tree.run([
      'push',
      '--porcelain',
      'origin',
      `${ref}:${ref}`,
    ]);
    const reason = rejection(stdout);
    if (reason) throw new Error(reason);
  } catch (error) {
    const reason =
      error instanceof GitCommandError ? rejection(error.stdout) : undefined;
    throw new Error(`error pushing tag ${tag}: ${reason ?? messageOf(error)}`);
  }
}
