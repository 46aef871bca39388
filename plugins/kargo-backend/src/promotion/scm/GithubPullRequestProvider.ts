import { z } from 'zod';
import { decodeBody, newestPullRequest, ScmApiClient } from './apiClient';
import {
  BranchHead,
  MergeResult,
  OpenPullRequestOptions,
  PullRequest,
  PullRequestProvider,
  ScmApiError,
} from './types';

const githubPullSchema = z.object({
  number: z.number().int(),
  html_url: z.string(),
  state: z.string(),
  merged_at: z.string().nullish(),
  merge_commit_sha: z.string().nullish(),
  created_at: z.string().optional(),
  draft: z.boolean().optional(),
  // Only on a single pull request, not in lists; `null` while GitHub computes it.
  mergeable: z.boolean().nullish(),
  mergeable_state: z.string().optional(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string() }),
});
type GithubPull = z.infer<typeof githubPullSchema>;

const githubBranchSchema = z.object({
  commit: z.object({
    sha: z.string(),
    commit: z.object({ message: z.string() }),
  }),
});

const githubCompareSchema = z.object({
  files: z.array(z.unknown()).optional(),
});

const githubMergeSchema = z.object({ merged: z.boolean() });

const githubErrorSchema = z.object({
  message: z.string().optional(),
  errors: z
    .array(
      z.union([
        z.object({ message: z.string() }),
        z.object({ resource: z.string(), field: z.string(), code: z.string() }),
        z.unknown(),
      ]),
    )
    .optional(),
});

/** Options of {@link GithubPullRequestProvider}. */
export interface GithubPullRequestProviderOptions {
  /** API root: `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server. */
  apiBaseUrl: string;
  owner: string;
  repo: string;
  /** Token of the Backstage GitHub integration (a personal access token or a GitHub App installation token). */
  token?: string;
  signal?: AbortSignal;
  /** Skips TLS certificate verification of this provider's API (the step's `insecureSkipTLSVerify`). */
  insecureSkipTLSVerify?: boolean;
}

/**
 * Pull requests on GitHub and GitHub Enterprise Server, through the REST API (`/repos/{owner}/{repo}/pulls`).
 * Mergeability follows Kargo's GitHub provider: what GitHub's `mergeable_state` says may clear on its own
 * (pending checks, unknown, draft, a moved base) is "not merged yet", a conflict or a refused merge method
 * is an error.
 */
export class GithubPullRequestProvider implements PullRequestProvider {
  readonly name = 'github';
  private readonly client: ScmApiClient;
  private readonly repoPath: string;

  constructor(private readonly options: GithubPullRequestProviderOptions) {
    this.repoPath = `/repos/${encodeURIComponent(
      options.owner,
    )}/${encodeURIComponent(options.repo)}`;
    const headers: Record<string, string> = {
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
    };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    this.client = new ScmApiClient({
      baseUrl: options.apiBaseUrl.replace(/\/+$/, ''),
      headers,
      secrets: options.token ? [options.token] : [],
      label: 'GitHub',
      describeError: describeGithubError,
      signal: options.signal,
      insecureSkipTLSVerify: options.insecureSkipTLSVerify,
    });
  }

  async openPullRequest(options: OpenPullRequestOptions): Promise<PullRequest> {
    const { body } = await this.client.request(
      'POST',
      `${this.repoPath}/pulls`,
      {
        body: {
          title: options.title,
          head: options.sourceBranch,
          base: options.targetBranch,
          body: options.description,
          maintainer_can_modify: false,
        },
      },
    );
    const pull = toPullRequest(
      decodeBody(githubPullSchema, body, 'GitHub pull request'),
    );
    if (options.labels && options.labels.length > 0) {
      // Labels live on the issue that backs every pull request.
      await this.client.request(
        'POST',
        `${this.repoPath}/issues/${pull.number}/labels`,
        { body: { labels: options.labels } },
      );
    }
    return pull;
  }

  async getPullRequest(number: number): Promise<PullRequest> {
    return toPullRequest(await this.getPull(number));
  }

  async mergePullRequest(
    number: number,
    options: { mergeMethod?: string } = {},
  ): Promise<MergeResult> {
    const pull = await this.getPull(number);
    if (pull.merged_at)
      return { merged: true, pullRequest: toPullRequest(pull) };
    if (pull.state !== 'open') {
      throw new Error(`pull request ${number} is closed but not merged`);
    }

    // Whether repository policy blocks the merge changes how a refusal is read below: GitHub's
    // mergeable_state describes the rules, not whether the token in hand may bypass them.
    let policyBlocked = false;
    const state = pull.mergeable_state;
    if (state === 'dirty') {
      throw new Error(
        `pull request ${number} has conflicts and cannot be merged`,
      );
    } else if (state === 'blocked' || state === 'behind') {
      policyBlocked = true;
    } else if (state === 'draft' || state === 'unknown') {
      return { merged: false, reason: `mergeable_state is ${state}` };
    } else if (
      state !== 'clean' &&
      state !== 'unstable' &&
      state !== 'has_hooks'
    ) {
      if (pull.draft || pull.mergeable !== true) {
        return {
          merged: false,
          reason: 'GitHub does not report it mergeable yet',
        };
      }
    }

    const response = await this.client.request(
      'PUT',
      `${this.repoPath}/pulls/${number}/merge`,
      {
        body: {
          ...(options.mergeMethod ? { merge_method: options.mergeMethod } : {}),
          // Only merge the head whose mergeability was just read.
          sha: pull.head.sha,
        },
        accept: [405, 409],
      },
    );
    if (response.status === 409) {
      return {
        merged: false,
        reason: 'the head branch moved; it is checked again next time',
      };
    }
    if (response.status === 405) {
      const message =
        describeGithubError(response.body) ?? 'Method Not Allowed';
      if (isTransientMergeRefusal(message, policyBlocked)) {
        return { merged: false, reason: message };
      }
      throw new ScmApiError({
        status: 405,
        message: `GitHub refused to merge pull request ${number}: ${message}`,
      });
    }
    if (
      !decodeBody(githubMergeSchema, response.body, 'GitHub merge result')
        .merged
    ) {
      throw new Error(`GitHub rejected the merge of pull request ${number}`);
    }
    return {
      merged: true,
      pullRequest: toPullRequest(await this.getPull(number)),
    };
  }

  async findOpenPullRequest(
    sourceBranch: string,
    targetBranch: string,
  ): Promise<PullRequest | undefined> {
    const pulls = await this.listPulls('open', sourceBranch, targetBranch);
    return newestPullRequest(pulls.map(toPullRequest));
  }

  async findMergedPullRequest(
    sourceBranch: string,
    targetBranch: string,
    headSha: string,
  ): Promise<PullRequest | undefined> {
    const pulls = await this.listPulls('closed', sourceBranch, targetBranch);
    return newestPullRequest(
      pulls
        .map(toPullRequest)
        .filter(pull => pull.merged && pull.headSha === headSha),
    );
  }

  async getBranchHead(branch: string): Promise<BranchHead | undefined> {
    const response = await this.client.request(
      'GET',
      `${this.repoPath}/branches/${encodeURIComponent(branch)}`,
      { accept: [404] },
    );
    if (response.status === 404) return undefined;
    const { commit } = decodeBody(
      githubBranchSchema,
      response.body,
      'GitHub branch',
    );
    return { sha: commit.sha, message: commit.commit.message };
  }

  async hasChanges(
    sourceBranch: string,
    targetBranch: string,
  ): Promise<boolean> {
    const { body } = await this.client.request(
      'GET',
      `${this.repoPath}/compare/${encodeURIComponent(
        targetBranch,
      )}...${encodeURIComponent(sourceBranch)}`,
    );
    return (
      (decodeBody(githubCompareSchema, body, 'GitHub comparison').files ?? [])
        .length > 0
    );
  }

  private async getPull(number: number): Promise<GithubPull> {
    const { body } = await this.client.request(
      'GET',
      `${this.repoPath}/pulls/${number}`,
    );
    return decodeBody(githubPullSchema, body, 'GitHub pull request');
  }

  private async listPulls(
    state: 'open' | 'closed',
    sourceBranch: string,
    targetBranch: string,
  ): Promise<GithubPull[]> {
    const pulls: GithubPull[] = [];
    let response = await this.client.request('GET', `${this.repoPath}/pulls`, {
      query: {
        state,
        // GitHub filters on `owner:branch`; a bare branch name is not a filter.
        head: `${this.options.owner}:${sourceBranch}`,
        base: targetBranch,
        per_page: 100,
      },
    });
    for (;;) {
      pulls.push(
        ...decodeBody(
          z.array(githubPullSchema),
          response.body,
          'GitHub pull requests',
        ),
      );
      const next = nextLink(response.headers.get('link'));
      if (!next) return pulls;
      response = await this.client.requestUrl(next);
    }
  }
}

function toPullRequest(pull: GithubPull): PullRequest {
  const merged = Boolean(pull.merged_at);
  return {
    number: pull.number,
    url: pull.html_url,
    open: pull.state === 'open',
    merged,
    // Before the merge GitHub reports the commit of a test merge here, which is not on the target branch.
    mergeCommitSha: merged ? pull.merge_commit_sha ?? undefined : undefined,
    headSha: pull.head.sha,
    sourceBranch: pull.head.ref,
    targetBranch: pull.base.ref,
    createdAt: pull.created_at,
  };
}

/**
 * GitHub answers 405 to every merge it will not perform now. Only some of its messages describe a
 * condition that clears on its own; retrying the others would wait forever.
 */
function isTransientMergeRefusal(
  message: string,
  policyBlocked: boolean,
): boolean {
  // The merge method is disabled for the repository or branch: a configuration problem.
  if (message.includes('not allowed')) return false;
  // The base moved between the mergeability check and the merge.
  if (message.includes('Base branch was modified')) return true;
  // GitHub's view changed since it reported the pull request mergeable; a fresh read decides next time.
  if (message.includes('Pull Request is not mergeable')) return true;
  // Otherwise a refusal is only "not yet" if required reviews or checks were already known to be missing.
  return policyBlocked;
}

/** The URL of the `rel="next"` page in a `Link` header. */
function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match) return match[1];
  }
  return undefined;
}

function describeGithubError(body: unknown): string | undefined {
  const parsed = githubErrorSchema.safeParse(body);
  if (!parsed.success)
    return typeof body === 'string' ? body.slice(0, 200) : undefined;
  const details = (parsed.data.errors ?? []).flatMap(error => {
    if (typeof error !== 'object' || error === null) return [];
    if ('message' in error && typeof error.message === 'string')
      return [error.message];
    if ('field' in error && 'code' in error) {
      return [`${String(error.field)} is ${String(error.code)}`];
    }
    return [];
  });
  return (
    [parsed.data.message, ...details].filter(Boolean).join(': ') || undefined
  );
}
