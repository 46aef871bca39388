import { z } from 'zod';
import { decodeBody, newestPullRequest, ScmApiClient } from './apiClient';
import {
  BranchHead,
  MergeResult,
  OpenPullRequestOptions,
  PullRequest,
  PullRequestProvider,
} from './types';

const gitlabMergeRequestSchema = z.object({
  iid: z.number().int(),
  web_url: z.string(),
  state: z.string(),
  sha: z.string().nullish(),
  merge_commit_sha: z.string().nullish(),
  squash_commit_sha: z.string().nullish(),
  source_branch: z.string(),
  target_branch: z.string(),
  created_at: z.string().optional(),
  draft: z.boolean().optional(),
  detailed_merge_status: z.string().optional(),
});
type GitlabMergeRequest = z.infer<typeof gitlabMergeRequestSchema>;

const gitlabBranchSchema = z.object({
  commit: z.object({ id: z.string(), message: z.string() }),
});

const gitlabCompareSchema = z.object({
  diffs: z.array(z.unknown()),
});

// GitLab puts its explanation in `message` (most errors) or `error` (OAuth and some 4xx answers).
const gitlabErrorSchema = z.object({
  message: z.unknown().optional(),
  error: z.unknown().optional(),
});

/** Options of {@link GitlabPullRequestProvider}. */
export interface GitlabPullRequestProviderOptions {
  /** API root, e.g. `https://gitlab.com/api/v4`. */
  apiBaseUrl: string;
  /** Full path of the project, e.g. `group/subgroup/project`. */
  projectPath: string;
  /** Token of the Backstage GitLab integration. */
  token?: string;
  signal?: AbortSignal;
  /** Skips TLS certificate verification of this provider's API (the step's `insecureSkipTLSVerify`). */
  insecureSkipTLSVerify?: boolean;
}

/**
 * Merge requests on GitLab, through the REST API (`/projects/{url-encoded path}/merge_requests`). As in
 * Kargo's GitLab provider, a merge request is merged only when GitLab reports it `mergeable`; any other
 * `detailed_merge_status` (checks running, approvals missing, draft...) is "not merged yet".
 */
export class GitlabPullRequestProvider implements PullRequestProvider {
  readonly name = 'gitlab';
  private readonly client: ScmApiClient;
  private readonly projectUrlPath: string;

  constructor(options: GitlabPullRequestProviderOptions) {
    this.projectUrlPath = `/projects/${encodeURIComponent(
      options.projectPath,
    )}`;
    this.client = new ScmApiClient({
      baseUrl: options.apiBaseUrl.replace(/\/+$/, ''),
      headers: options.token
        ? { Authorization: `Bearer ${options.token}` }
        : {},
      secrets: options.token ? [options.token] : [],
      label: 'GitLab',
      describeError: describeGitlabError,
      signal: options.signal,
      insecureSkipTLSVerify: options.insecureSkipTLSVerify,
    });
  }

  async openPullRequest(options: OpenPullRequestOptions): Promise<PullRequest> {
    const { body } = await this.client.request(
      'POST',
      `${this.projectUrlPath}/merge_requests`,
      {
        body: {
          source_branch: options.sourceBranch,
          target_branch: options.targetBranch,
          title: options.title,
          description: options.description,
          ...(options.labels && options.labels.length > 0
            ? { labels: options.labels.join(',') }
            : {}),
        },
      },
    );
    return toPullRequest(
      decodeBody(gitlabMergeRequestSchema, body, 'GitLab merge request'),
    );
  }

  async getPullRequest(number: number): Promise<PullRequest> {
    return toPullRequest(await this.getMergeRequest(number));
  }

  async mergePullRequest(
    number: number,
    options: { mergeMethod?: string } = {},
  ): Promise<MergeResult> {
    // Checked before asking GitLab anything, so a typo fails the same way whatever the MR's state.
    let squash: boolean | undefined;
    if (options.mergeMethod === 'squash') {
      squash = true;
    } else if (options.mergeMethod && options.mergeMethod !== 'merge') {
      throw new Error(
        `unsupported merge method "${options.mergeMethod}" (GitLab supports "merge" and "squash")`,
      );
    }

    const mergeRequest = await this.getMergeRequest(number);
    if (mergeRequest.state === 'merged') {
      return { merged: true, pullRequest: toPullRequest(mergeRequest) };
    }
    if (mergeRequest.state !== 'opened') {
      throw new Error(`merge request ${number} is closed but not merged`);
    }
    if (mergeRequest.draft) {
      return { merged: false, reason: 'the merge request is a draft' };
    }
    if (mergeRequest.detailed_merge_status !== 'mergeable') {
      return {
        merged: false,
        reason: `detailed_merge_status is ${
          mergeRequest.detailed_merge_status ?? 'unknown'
        }`,
      };
    }

    const response = await this.client.request(
      'PUT',
      `${this.projectUrlPath}/merge_requests/${number}/merge`,
      {
        // Only merge the head that was checked: a push since then must be checked again.
        body: {
          ...(squash === undefined ? {} : { squash }),
          sha: mergeRequest.sha ?? undefined,
        },
        accept: [405, 409, 422],
      },
    );
    if (response.status !== 200) {
      // GitLab answers 405 and 422 while it is still catching up with a fresh merge request (pipeline
      // pending, mergeability being rechecked) and 409 when the source moved since it was read: all clear
      // on their own. A conflict (406) and anything else is thrown.
      return {
        merged: false,
        reason: `GitLab answered ${response.status}: ${
          describeGitlabError(response.body) ?? 'not mergeable yet'
        }`,
      };
    }
    return {
      merged: true,
      pullRequest: toPullRequest(
        decodeBody(
          gitlabMergeRequestSchema,
          response.body,
          'GitLab merge request',
        ),
      ),
    };
  }

  async findOpenPullRequest(
    sourceBranch: string,
    targetBranch: string,
  ): Promise<PullRequest | undefined> {
    const found = await this.listMergeRequests(
      'opened',
      sourceBranch,
      targetBranch,
    );
    return newestPullRequest(found.map(toPullRequest));
  }

  async findMergedPullRequest(
    sourceBranch: string,
    targetBranch: string,
    headSha: string,
  ): Promise<PullRequest | undefined> {
    const found = await this.listMergeRequests(
      'merged',
      sourceBranch,
      targetBranch,
    );
    return newestPullRequest(
      found.map(toPullRequest).filter(pull => pull.headSha === headSha),
    );
  }

  async getBranchHead(branch: string): Promise<BranchHead | undefined> {
    const response = await this.client.request(
      'GET',
      `${this.projectUrlPath}/repository/branches/${encodeURIComponent(
        branch,
      )}`,
      { accept: [404] },
    );
    if (response.status === 404) return undefined;
    const { commit } = decodeBody(
      gitlabBranchSchema,
      response.body,
      'GitLab branch',
    );
    return { sha: commit.id, message: commit.message };
  }

  async hasChanges(
    sourceBranch: string,
    targetBranch: string,
  ): Promise<boolean> {
    const { body } = await this.client.request(
      'GET',
      `${this.projectUrlPath}/repository/compare`,
      { query: { from: targetBranch, to: sourceBranch, straight: 'false' } },
    );
    return (
      decodeBody(gitlabCompareSchema, body, 'GitLab comparison').diffs.length >
      0
    );
  }

  private async getMergeRequest(number: number): Promise<GitlabMergeRequest> {
    const { body } = await this.client.request(
      'GET',
      `${this.projectUrlPath}/merge_requests/${number}`,
    );
    return decodeBody(gitlabMergeRequestSchema, body, 'GitLab merge request');
  }

  private async listMergeRequests(
    state: 'opened' | 'merged',
    sourceBranch: string,
    targetBranch: string,
  ): Promise<GitlabMergeRequest[]> {
    const found: GitlabMergeRequest[] = [];
    let page: string | null = '1';
    while (page) {
      const response = await this.client.request(
        'GET',
        `${this.projectUrlPath}/merge_requests`,
        {
          query: {
            state,
            source_branch: sourceBranch,
            target_branch: targetBranch,
            per_page: 100,
            page,
          },
        },
      );
      found.push(
        ...decodeBody(
          z.array(gitlabMergeRequestSchema),
          response.body,
          'GitLab merge requests',
        ),
      );
      page = response.headers.get('x-next-page') || null;
    }
    return found;
  }
}

function toPullRequest(mergeRequest: GitlabMergeRequest): PullRequest {
  const merged = mergeRequest.state === 'merged';
  return {
    number: mergeRequest.iid,
    url: mergeRequest.web_url,
    // A locked merge request is one GitLab is merging right now: still open.
    open: mergeRequest.state === 'opened' || mergeRequest.state === 'locked',
    merged,
    // Projects that squash without a merge commit, or fast-forward, leave merge_commit_sha empty; the
    // commit on the target branch is then the squash commit or the source head.
    mergeCommitSha: merged
      ? mergeRequest.merge_commit_sha ??
        mergeRequest.squash_commit_sha ??
        mergeRequest.sha ??
        undefined
      : undefined,
    headSha: mergeRequest.sha ?? '',
    sourceBranch: mergeRequest.source_branch,
    targetBranch: mergeRequest.target_branch,
    createdAt: mergeRequest.created_at,
  };
}

function describeGitlabError(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 200);
  const parsed = gitlabErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  return (
    describeMessage(parsed.data.message) ?? describeMessage(parsed.data.error)
  );
}

/** GitLab's `message` is a string, a list of strings, or an object of field name to list of strings. */
function describeMessage(message: unknown): string | undefined {
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  if (typeof message === 'object' && message !== null) {
    return Object.entries(message)
      .map(
        ([field, problems]) =>
          `${field} ${
            Array.isArray(problems) ? problems.join(', ') : String(problems)
          }`,
      )
      .join('; ');
  }
  return undefined;
}
