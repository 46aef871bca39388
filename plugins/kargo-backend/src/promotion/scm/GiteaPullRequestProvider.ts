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

const giteaPullSchema = z.object({
  number: z.number().int(),
  html_url: z.string(),
  state: z.string(),
  merged: z.boolean().nullish(),
  merge_commit_sha: z.string().nullish(),
  mergeable: z.boolean().nullish(),
  draft: z.boolean().nullish(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string() }),
  created_at: z.string().nullish(),
});
type GiteaPull = z.infer<typeof giteaPullSchema>;

const giteaBranchSchema = z.object({
  commit: z.object({ id: z.string(), message: z.string() }),
});

const giteaLabelSchema = z.object({ id: z.number().int(), name: z.string() });

// Gitea 1.22+ lists the changed files of a comparison; older versions only the commits.
const giteaCompareSchema = z.object({
  total_commits: z.number().int().optional(),
  commits: z.array(z.unknown()).nullish(),
  files: z.array(z.unknown()).nullish(),
});

const giteaErrorSchema = z.object({ message: z.unknown().optional() });

/** The merge styles Gitea's merge endpoint accepts in `Do`. */
const GITEA_MERGE_STYLES = [
  'merge',
  'rebase',
  'rebase-merge',
  'squash',
  'fast-forward-only',
];

/** Options of {@link GiteaPullRequestProvider}. */
export interface GiteaPullRequestProviderOptions {
  /** API root, e.g. `https://gitea.example.com/api/v1`. */
  apiBaseUrl: string;
  owner: string;
  repo: string;
  /** `Authorization` header value built from the Backstage Gitea integration (basic auth), if any. */
  authorization?: string;
  /** Values to keep out of messages (the password). */
  secrets?: string[];
  signal?: AbortSignal;
  /** Skips TLS certificate verification of this provider's API (the step's `insecureSkipTLSVerify`). */
  insecureSkipTLSVerify?: boolean;
}

/**
 * Pull requests on Gitea (and Forgejo), through its REST API v1 (`/repos/{owner}/{repo}/pulls`). As in
 * Kargo's Gitea provider, labels are given by name and resolved to the repository's label ids (a missing
 * label is an error), and a pull request is merged only when Gitea reports it `mergeable` and not a draft.
 */
export class GiteaPullRequestProvider implements PullRequestProvider {
  readonly name = 'gitea';
  private readonly client: ScmApiClient;
  private readonly repoPath: string;

  constructor(options: GiteaPullRequestProviderOptions) {
    this.repoPath = `/repos/${encodeURIComponent(
      options.owner,
    )}/${encodeURIComponent(options.repo)}`;
    this.client = new ScmApiClient({
      baseUrl: options.apiBaseUrl.replace(/\/+$/, ''),
      headers: options.authorization
        ? { Authorization: options.authorization }
        : {},
      secrets: [
        ...(options.secrets ?? []),
        ...(options.authorization ? [options.authorization] : []),
      ],
      label: 'Gitea',
      describeError: describeGiteaError,
      signal: options.signal,
      insecureSkipTLSVerify: options.insecureSkipTLSVerify,
    });
  }

  async openPullRequest(options: OpenPullRequestOptions): Promise<PullRequest> {
    const labels = await this.labelIds(options.labels ?? []);
    const { body } = await this.client.request(
      'POST',
      `${this.repoPath}/pulls`,
      {
        body: {
          head: options.sourceBranch,
          base: options.targetBranch,
          title: options.title,
          body: options.description,
          ...(labels.length > 0 ? { labels } : {}),
        },
      },
    );
    return toPullRequest(
      decodeBody(giteaPullSchema, body, 'Gitea pull request'),
    );
  }

  async getPullRequest(number: number): Promise<PullRequest> {
    return toPullRequest(await this.getPull(number));
  }

  async mergePullRequest(
    number: number,
    options: { mergeMethod?: string } = {},
  ): Promise<MergeResult> {
    const style = options.mergeMethod || 'merge';
    if (!GITEA_MERGE_STYLES.includes(style)) {
      throw new Error(
        `unsupported merge method "${style}" (Gitea supports ${GITEA_MERGE_STYLES.join(
          ', ',
        )})`,
      );
    }
    const pull = await this.getPull(number);
    if (pull.merged) return { merged: true, pullRequest: toPullRequest(pull) };
    if (pull.state !== 'open') {
      throw new Error(`pull request ${number} is closed but not merged`);
    }
    if (pull.draft)
      return { merged: false, reason: 'the pull request is a draft' };
    if (pull.mergeable !== true) {
      return {
        merged: false,
        reason: 'Gitea does not report it mergeable yet',
      };
    }
    const response = await this.client.request(
      'POST',
      `${this.repoPath}/pulls/${number}/merge`,
      {
        // Only merge the head whose mergeability was just read.
        body: { Do: style, head_commit_id: pull.head.sha },
        accept: [405, 409],
      },
    );
    if (response.status !== 200 && response.status !== 204) {
      // 405: checks, approvals or protection not satisfied yet; 409: the head moved since it was read.
      return {
        merged: false,
        reason: `Gitea answered ${response.status}: ${
          describeGiteaError(response.body) ?? 'not mergeable yet'
        }`,
      };
    }
    const merged = await this.getPull(number);
    if (!merged.merged) {
      throw new ScmApiError({
        status: 502,
        message: `Gitea accepted the merge of pull request ${number} but does not report it merged`,
      });
    }
    return { merged: true, pullRequest: toPullRequest(merged) };
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
        .filter(pull => pull.merged && pull.head.sha === headSha)
        .map(toPullRequest),
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
      giteaBranchSchema,
      response.body,
      'Gitea branch',
    );
    return { sha: commit.id, message: commit.message };
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
    const comparison = decodeBody(giteaCompareSchema, body, 'Gitea comparison');
    if (comparison.files) return comparison.files.length > 0;
    return (comparison.total_commits ?? comparison.commits?.length ?? 0) > 0;
  }

  private async getPull(number: number): Promise<GiteaPull> {
    const { body } = await this.client.request(
      'GET',
      `${this.repoPath}/pulls/${number}`,
    );
    return decodeBody(giteaPullSchema, body, 'Gitea pull request');
  }

  /** Gitea's list has no branch filter: pages are read whole and filtered here, as Kargo does. */
  private async listPulls(
    state: 'open' | 'closed',
    sourceBranch: string,
    targetBranch: string,
  ): Promise<GiteaPull[]> {
    const found: GiteaPull[] = [];
    for (let page = 1; ; page++) {
      const { body } = await this.client.request(
        'GET',
        `${this.repoPath}/pulls`,
        {
          query: { state, page, limit: 50 },
        },
      );
      const pulls = decodeBody(
        z.array(giteaPullSchema),
        body,
        'Gitea pull requests',
      );
      found.push(
        ...pulls.filter(
          pull =>
            pull.head.ref === sourceBranch && pull.base.ref === targetBranch,
        ),
      );
      if (pulls.length < 50) return found;
    }
  }

  private async labelIds(names: string[]): Promise<number[]> {
    if (names.length === 0) return [];
    const byName = new Map<string, number>();
    for (let page = 1; ; page++) {
      const { body } = await this.client.request(
        'GET',
        `${this.repoPath}/labels`,
        {
          query: { page, limit: 50 },
        },
      );
      const labels = decodeBody(
        z.array(giteaLabelSchema),
        body,
        'Gitea labels',
      );
      for (const label of labels) byName.set(label.name, label.id);
      if (labels.length < 50) break;
    }
    const unique = [...new Set(names)];
    const missing = unique.filter(name => !byName.has(name));
    if (missing.length > 0) {
      throw new ScmApiError({
        status: 422,
        message: `labels not found in the Gitea repository: ${missing.join(
          ', ',
        )}`,
      });
    }
    return unique.map(name => byName.get(name)!);
  }
}

function toPullRequest(pull: GiteaPull): PullRequest {
  const merged = pull.merged === true;
  return {
    number: pull.number,
    url: pull.html_url,
    open: pull.state === 'open',
    merged,
    mergeCommitSha: merged ? pull.merge_commit_sha ?? undefined : undefined,
    headSha: pull.head.sha,
    sourceBranch: pull.head.ref,
    targetBranch: pull.base.ref,
    createdAt: pull.created_at ?? undefined,
  };
}

function describeGiteaError(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 200);
  const parsed = giteaErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const message = parsed.data.message;
  return typeof message === 'string' && message !== '' ? message : undefined;
}
