import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { redactUrl } from '../../git/redact';
import { ScmApiClient, decodeBody } from '../scm/apiClient';
import { ScmApiError } from '../scm/types';
import { commitUrl } from '../stepHelpers/commitUrl';
import {
  branchLocks,
  checkRefName,
  GitStepsDeps,
  messageOf,
  WorkTree,
} from '../stepHelpers/gitWorkTree';
import {
  DEFAULT_MAX_ATTEMPTS,
  fetchRemoteBranch,
  kargoBackoff,
  MergeConflictError,
  rebaseOnto,
} from './git-push';

/** Kargo's `GitHubPushConfig` (schemas/github-push-config.json). */
const githubPushConfigSchema = z
  .object({
    path: z.string().min(1),
    targetBranch: z.string().optional(),
    generateTargetBranch: z.boolean().optional(),
    force: z.boolean().optional(),
    maxAttempts: z.number().int().min(1).max(2147483647).optional(),
    insecureSkipTLSVerify: z.boolean().optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.generateTargetBranch && config.targetBranch) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message:
          'Must validate one and only one schema (oneOf): generateTargetBranch: true and targetBranch are mutually exclusive',
      });
    }
  });

/** The checked config of `github-push`. */
export type GithubPushConfig = z.infer<typeof githubPushConfigSchema>;

/** Where the GitHub API of a repository is (`PullRequestProviders.githubRepository`). */
export type GithubRepositoryLookup = (repoURL: string) => {
  apiBaseUrl: string;
  owner: string;
  repo: string;
};

/** Operator settings of `github-push` (Kargo's `controller.githubPush` Helm values). */
export interface GithubPushSettings {
  /** Most commits replayed by one push (Kargo's `GITHUB_PUSH_MAX_REVISIONS`, default 10). */
  maxRevisions?: number;
  /**
   * Replay every commit without author and committer, so that GitHub signs (verifies) all of them, trusted or
   * not (Kargo's `GITHUB_PUSH_VERIFY_UNTRUSTED_COMMITS`, default false).
   */
  verifyUntrustedCommits?: boolean;
}

/** Dependencies of `github-push`. */
export interface GithubPushDeps extends GitStepsDeps {
  github: GithubRepositoryLookup;
  settings?: GithubPushSettings;
}

/** The ref namespace of Kargo's staging refs, which GitHub does not list as branches. */
const STAGING_REF_PREFIX = 'refs/kargo/staging';
const DEFAULT_MAX_REVISIONS = 10;

/** The remote branch moved or the comparison says the push must wait for integration: try again. */
class RetryableError extends Error {}

/**
 * `github-push`: Kargo's drop-in replacement of `git-push` that "replays" the local commits through the GitHub
 * REST API, so that GitHub attributes the commits signed by a trusted key (one `git-clone` imported) to the
 * token's identity (a GitHub App) and signs them with its own key: verified commits without a GPG key tied to
 * a user account. It integrates remote changes as `git-push` does (rebase), pushes HEAD to a hidden staging ref
 * (`refs/kargo/staging/<promotion>`), compares it to the target branch, creates each commit again through the
 * Git database API (trusted ones without author and committer, with a `Co-authored-by` trailer when the author
 * is not the signer; untrusted ones with their author and committer), moves the target branch to the last
 * one, deletes the staging ref and resets the working tree to the new remote head. The API token is the
 * password of the repository's Git credentials, as in Kargo. Output: `branch`, `commit`, `commitURL`.
 */
export function createGithubPushStep(
  deps: GithubPushDeps,
): PromotionStepRunner<GithubPushConfig> {
  return createPromotionStep({
    name: 'github-push',
    schema: githubPushConfigSchema,
    validate: config => {
      if (config.targetBranch) {
        checkRefName(config.targetBranch, 'targetBranch');
      }
    },
    run: (context, config) => githubPush(deps, context, config),
  });
}

/** What a push needs besides the working tree. */
interface PushPlan {
  api: ScmApiClient;
  repoPath: string;
  targetBranch: string;
  force: boolean;
  stagingRef: string;
  maxRevisions: number;
  verifyUntrustedCommits: boolean;
}

async function githubPush(
  deps: GithubPushDeps,
  context: PromotionStepContext,
  config: GithubPushConfig,
): Promise<PromotionStepResult> {
  const tree = await WorkTree.open(deps.git, context, config.path);
  const credentials = await context.credentials.git(tree.repoURL);
  if (!credentials) {
    const ssh =
      tree.repoURL.startsWith('ssh://') || !tree.repoURL.includes('://');
    return {
      status: 'Failed',
      message: ssh
        ? `no token for ${redactUrl(
            tree.repoURL,
          )}: an SSH key can be used for basic Git operations only and cannot authenticate to the GitHub API; clone the repository over HTTPS with a GitHub integration (a token or a GitHub App)`
        : `no credentials found for ${redactUrl(tree.repoURL)}`,
    };
  }
  if (!credentials.password) {
    return {
      status: 'Failed',
      message: `credentials for ${redactUrl(
        tree.repoURL,
      )} are missing a password/token`,
    };
  }
  let location;
  try {
    location = deps.github(tree.repoURL);
  } catch (error) {
    throw new TerminalStepError(messageOf(error));
  }
  const token = credentials.password;
  const api = new ScmApiClient({
    baseUrl: location.apiBaseUrl.replace(/\/+$/, ''),
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
    },
    secrets: [token],
    label: 'GitHub',
    describeError: body =>
      typeof (body as { message?: unknown })?.message === 'string'
        ? (body as { message: string }).message
        : undefined,
    signal: context.signal,
    insecureSkipTLSVerify: config.insecureSkipTLSVerify,
  });

  let targetBranch = config.targetBranch || undefined;
  let force = !!config.force;
  if (config.generateTargetBranch) {
    // The branch is this promotion's own: force-pushing makes a re-run after a crash succeed, as in Kargo.
    targetBranch = `kargo/promotion/${context.promotion}`;
    force = true;
  }
  targetBranch ??= await tree.currentBranch();
  if (!targetBranch) {
    throw new TerminalStepError(
      `the working tree at ${config.path} is not on a branch (detached HEAD); set targetBranch`,
    );
  }
  const plan: PushPlan = {
    api,
    repoPath: `/repos/${encodeURIComponent(
      location.owner,
    )}/${encodeURIComponent(location.repo)}`,
    targetBranch,
    force,
    stagingRef: `${STAGING_REF_PREFIX}/${context.promotion}`,
    maxRevisions: deps.settings?.maxRevisions ?? DEFAULT_MAX_REVISIONS,
    verifyUntrustedCommits: !!deps.settings?.verifyUntrustedCommits,
  };

  const maxAttempts = config.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const backoff = deps.pushBackoffMs ?? kargoBackoff;
  try {
    await branchLocks.run(`${tree.repoURL}\n${targetBranch}`, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await pushOnce(tree, context, plan);
          return;
        } catch (error) {
          if (!(error instanceof RetryableError)) throw error;
          if (attempt >= maxAttempts) {
            throw new Error(
              `error pushing commits to remote: ${error.message} after ${maxAttempts} attempts`,
            );
          }
          context.logger.info(
            `${error.message}; attempt ${attempt + 1} of ${maxAttempts}`,
          );
          await delay(backoff(attempt + 1), undefined, {
            signal: context.signal,
          });
        }
      }
    });
  } catch (error) {
    if (error instanceof MergeConflictError) {
      return { status: 'Failed', message: error.message };
    }
    if (error instanceof ScmApiError && !error.retryable) {
      throw new TerminalStepError(error.message);
    }
    throw error;
  } finally {
    await deleteStagingRef(plan, context);
  }

  // The replayed commits have new SHAs: the working tree follows the remote branch.
  const remote = await fetchRemoteBranch(tree, targetBranch);
  if (!remote) {
    throw new Error(`branch ${targetBranch} is missing after the push`);
  }
  await tree.run(['reset', '--quiet', '--hard', remote]);
  const commit = await tree.head();
  const output: Record<string, unknown> = { branch: targetBranch, commit };
  const url = commitUrl(tree.repoURL, commit, 'github');
  if (url) output.commitURL = url;
  return { status: 'Succeeded', output };
}

const identitySchema = z
  .object({ name: z.string(), email: z.string(), date: z.string() })
  .partial();

const comparisonSchema = z.object({
  status: z.string(),
  merge_base_commit: z.object({ sha: z.string() }),
  commits: z.array(
    z.object({
      sha: z.string(),
      commit: z.object({
        message: z.string(),
        tree: z.object({ sha: z.string() }),
        author: identitySchema.nullable().optional(),
        committer: identitySchema.nullable().optional(),
      }),
      parents: z.array(z.object({ sha: z.string() })),
    }),
  ),
});

/** One attempt: integrate, stage, compare, replay, move the branch. */
async function pushOnce(
  tree: WorkTree,
  context: PromotionStepContext,
  plan: PushPlan,
): Promise<void> {
  const { api, repoPath, targetBranch, force } = plan;
  const remoteTarget = await fetchRemoteBranch(tree, targetBranch);
  if (remoteTarget && !force) {
    const head = await tree.head();
    if (!(await tree.isAncestor(remoteTarget, head))) {
      await rebaseOnto(tree, remoteTarget, targetBranch);
    }
  }

  await tree.run([
    'push',
    '--quiet',
    '--force',
    'origin',
    `HEAD:${plan.stagingRef}`,
  ]);
  const sourceHead = await tree.head();

  // The comparison base: the target branch, or the branch the working tree tracks when the target is new.
  let baseBranch = targetBranch;
  if (!remoteTarget) {
    const current = await tree.currentBranch();
    if (!current) {
      throw new TerminalStepError(
        `branch ${targetBranch} does not exist on the remote and the working tree is not on a branch to start it from`,
      );
    }
    baseBranch = current;
  }
  const baseRef = decodeBody(
    z.object({ object: z.object({ sha: z.string() }) }),
    (
      await api.request(
        'GET',
        `${repoPath}/git/ref/heads/${encodeRef(baseBranch)}`,
      )
    ).body,
    'the GitHub ref',
  );
  const baseHead = baseRef.object.sha;

  const comparison = decodeBody(
    comparisonSchema,
    (
      await api.request(
        'GET',
        `${repoPath}/compare/${baseHead}...${sourceHead}`,
        { query: { per_page: 250 } },
      )
    ).body,
    'the GitHub comparison',
  );
  const { status } = comparison;
  if (status === 'identical') {
    context.logger.info(`${targetBranch} is already at ${sourceHead}`);
    return;
  }
  if ((status === 'behind' || status === 'diverged') && !force) {
    throw new RetryableError(
      status === 'behind'
        ? 'source branch is behind target branch and force pushing is not enabled'
        : 'source and target branches have diverged and force pushing is not enabled',
    );
  }
  if (!['ahead', 'behind', 'diverged'].includes(status)) {
    throw new TerminalStepError(
      `unexpected comparison status "${status}" for ${baseHead}..${sourceHead}`,
    );
  }
  const mergeBase = comparison.merge_base_commit.sha;
  if (comparison.commits.length > plan.maxRevisions) {
    throw new TerminalStepError(
      `commit range ${mergeBase}..${sourceHead} contains ${comparison.commits.length} commits, which exceeds the configured maximum of ${plan.maxRevisions}`,
    );
  }

  const newHead = await replay(
    tree,
    context,
    plan,
    comparison.commits,
    mergeBase,
  );

  if (!remoteTarget) {
    await api.request('POST', `${repoPath}/git/refs`, {
      body: { ref: `refs/heads/${targetBranch}`, sha: newHead },
    });
    context.logger.info(`created branch ${targetBranch} at ${newHead}`);
    return;
  }
  const updated = await api.request(
    'PATCH',
    `${repoPath}/git/refs/heads/${encodeRef(targetBranch)}`,
    { body: { sha: newHead, force }, accept: [422] },
  );
  if (updated.status === 422) {
    throw new RetryableError(
      `error updating branch ${targetBranch} to ${newHead} (not a fast forward)`,
    );
  }
  context.logger.info(`moved branch ${targetBranch} to ${newHead}`);
}

type ComparedCommit = z.infer<typeof comparisonSchema>['commits'][number];

/** Creates the compared commits again through the API, oldest first; resolves with the last one. */
async function replay(
  tree: WorkTree,
  context: PromotionStepContext,
  plan: PushPlan,
  commits: ComparedCommit[],
  mergeBase: string,
): Promise<string> {
  const replaced = new Map<string, string>([[mergeBase, mergeBase]]);
  let last = mergeBase;
  for (const [i, original] of commits.entries()) {
    const signer = await trustedSigner(tree, original.sha);
    const body: Record<string, unknown> = {
      message: original.commit.message,
      tree: original.commit.tree.sha,
      parents:
        original.parents.length <= 1
          ? [last]
          : original.parents.map(p => replaced.get(p.sha) ?? p.sha),
    };
    if (signer || plan.verifyUntrustedCommits) {
      // GitHub attributes the commit to the token's identity and signs it: a verified commit. The author is
      // kept as a trailer when the signer is someone else (or unknown).
      const author = original.commit.author;
      if (
        author?.name &&
        author.email &&
        (author.name !== signer?.name || author.email !== signer?.email)
      ) {
        body.message = `${original.commit.message}\n\nCo-authored-by: ${author.name} <${author.email}>`;
      }
    } else {
      body.author = original.commit.author;
      body.committer = original.commit.committer;
    }
    const created = decodeBody(
      z.object({ sha: z.string() }),
      (
        await plan.api.request('POST', `${plan.repoPath}/git/commits`, {
          body,
        })
      ).body,
      'the created GitHub commit',
    );
    replaced.set(original.sha, created.sha);
    last = created.sha;
    context.logger.info(
      `replayed commit ${i + 1}/${commits.length} ${original.sha} as ${
        created.sha
      } (${signer ? 'trusted' : 'untrusted'})`,
    );
  }
  return last;
}

/**
 * The signer of a commit signed by a key with ultimate trust in the repository's keyring (the one
 * `git-clone` imported its `signingKey` into), or undefined for an unsigned or otherwise signed commit.
 */
async function trustedSigner(
  tree: WorkTree,
  sha: string,
): Promise<{ name: string; email: string } | undefined> {
  if (!tree.gnupgHome) return undefined;
  const verified = await tree.run(['verify-commit', '--raw', sha], {
    okExitCodes: [1],
  });
  if (verified.exitCode !== 0) return undefined;
  const status = verified.stderr;
  if (!/^\[GNUPG:\] TRUST_ULTIMATE\b/m.test(status)) return undefined;
  const good = /^\[GNUPG:\] GOODSIG \S+ (.*) <([^>]*)>$/m.exec(status);
  return good ? { name: good[1], email: good[2] } : undefined;
}

/** Deletes this promotion's staging ref; a failure is logged, never the step's result. */
async function deleteStagingRef(
  plan: PushPlan,
  context: PromotionStepContext,
): Promise<void> {
  try {
    await plan.api.request(
      'DELETE',
      `${plan.repoPath}/git/refs/${plan.stagingRef
        .replace(/^refs\//, '')
        .split('/')
        .map(encodeURIComponent)
        .join('/')}`,
      { accept: [404, 422] },
    );
  } catch (error) {
    context.logger.warn(
      `error deleting staging ref ${plan.stagingRef} (non-fatal): ${messageOf(
        error,
      )}`,
    );
  }
}

function encodeRef(branch: string): string {
  return branch.split('/').map(encodeURIComponent).join('/');
}
