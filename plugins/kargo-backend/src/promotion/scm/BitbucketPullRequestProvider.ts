import { z } from 'zod';
import { decodeBody, newestPullRequest, ScmApiClient } from './apiClient';
import {
  BranchHead,
  checkMergeMethod,
  MergeResult,
  OpenPullRequestOptions,
  PullRequest,
  PullRequestProvider,
  ScmApiError,
} from './types';

const bitbucketPullSchema = z.object({
  id: z.number().int(),
  state: z.string(),
  draft: z.boolean().nullish(),
  source: z.object({
    branch: z.object({ name: z.string() }),
    commit: z.object({ hash: z.string() }).nullish(),
  }),
  destination: z.object({ branch: z.object({ name: z.string() }) }),
  merge_commit: z.object({ hash: z.string() }).nullish(),
  links: z.object({ html: z.object({ href: z.string() }) }),
  created_on: z.string().nullish(),
});
type BitbucketPull = z.infer<typeof bitbucketPullSchema>;

const bitbucketPageSchema = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ values: z.array(item), next: z.string().optional() });

const bitbucketBranchSchema = z.object({
  target: z.object({ hash: z.string(), message: z.string() }),
});

const bitbucketCommitSchema = z.object({ hash: z.string() });

const bitbucketErrorSchema = z.object({
  error: z.object({ message: z.string().optional() }).optional(),
});

/** Bitbucket Cloud's `merge_strategy` values. */
const BITBUCKET_MERGE_STRATEGIES = [
  'merge_commit',
  'squash',
  'fast_forward',
  'squash_fast_forward',
  'rebase_fast_forward',
  'rebase_merge',
];

/** Options of {@link BitbucketPullRequestProvider}. */
export interface BitbucketPullRequestProviderOptions {
  /** API root, `https://api.bitbucket.org/2.0`. */
  apiBaseUrl: string;
  workspace: string;
  repoSlug: string;
  /** Headers from the Backstage Bitbucket Cloud integration (basic auth with an API token, or OAuth). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Skips TLS certificate verification of this provider's API (the step's `insecureSkipTLSVerify`). */
  insecureSkipTLSVerify?: boolean;
}

/**
 * Pull requests on Bitbucket Cloud, through the REST API 2.0
 * (`/repositories/{workspace}/{repo_slug}/pullrequests`), as Kargo's `bitbucket` provider. Bitbucket reports
 * commits of a pull request by abbreviated hash; they are resolved to full hashes so that they compare with
 * what Git gives. Bitbucket has no pull request labels: asking for labels is refused.
 */
export class BitbucketPullRequestProvider implements PullRequestProvider {
  readonly name = 'bitbucket';
  private readonly client: ScmApiClient;
  private readonly repoPath: string;

  constructor(options: BitbucketPullRequestProviderOptions) {
    this.repoPath = `/repositories/${encodeURIComponent(
      options.workspace,
    )}/${encodeURIComponent(options.repoSlug)}`;
    const headers = options.headers ?? {};
    this.client = new ScmApiClient({
      baseUrl: options.apiBaseUrl.replace(/\/+$/, ''),
      headers,
      secrets: Object.values(headers),
      label: 'Bitbucket',
      describeError: describeBitbucketError,
      signal: options.signal,
      insecureSkipTLSVerify: options.insecureSkipTLSVerify,
    });
  }

  async openPullRequest(options: OpenPullRequestOptions): Promise<PullRequest> {
    if (options.labels && options.labels.length > 0) {
      throw new Error(
        'Bitbucket pull requests have no labels: remove "labels"',
      );
    }
    const { body } = await this.client.request(
      'POST',
      `${this.repoPath}/pullrequests`,
      {
        body: {
          type: 'pullrequest',
          title: options.title,
          description: options.description,
          source: { branch: { name: options.sourceBranch } },
          destination: { branch: { name: options.targetBranch } },
        },
      },
    );
    return this.toPullRequest(
      decodeBody(bitbucketPullSchema, body, 'Bitbucket pull request'),
    );
  }

  async getPullRequest(number: number): Promise<PullRequest> {
    return this.toPullRequest(await this.getPull(number));
  }

  async mergePullRequest(
    number: number,
    options: { mergeMethod?: string } = {},
  ): Promise<MergeResult> {
    checkMergeMethod(
      options.mergeMethod,
      BITBUCKET_MERGE_STRATEGIES,
      'Bitbucket',
    );
    const pull = await this.getPull(number);
    if (pull.state === 'MERGED') {
      return { merged: true, pullRequest: await this.toPullRequest(pull) };
    }
    if (pull.state !== 'OPEN') {
      throw new Error(
        `pull request ${number} is closed but not merged (state: ${pull.state})`,
      );
    }
    if (pull.draft) {
      return { merged: false, reason: 'the pull request is a draft' };
    }
    const response = await this.client.request(
      'POST',
      `${this.repoPath}/pullrequests/${number}/merge`,
      {
        body: {
          type: 'pullrequest_merge_parameters',
          ...(options.mergeMethod
            ? { merge_strategy: options.mergeMethod }
            : {}),
        },
        // Bitbucket has no mergeability field: unmet merge checks (builds, approvals) are a 400 that may
        // clear; 202 means the merge continues in the background and is seen on the next attempt.
        accept: [400, 202],
      },
    );
    if (response.status === 202) {
      return {
        merged: false,
        reason: 'Bitbucket is merging in the background',
      };
    }
    if (response.status === 400) {
      const explanation =
        describeBitbucketError(response.body) ?? 'Bad Request';
      if (/conflict/i.test(explanation)) {
        throw new ScmApiError({
          status: 400,
          message: `pull request ${number} cannot be merged: ${explanation}`,
        });
      }
      return { merged: false, reason: explanation };
    }
    return {
      merged: true,
      pullRequest: await this.toPullRequest(
        decodeBody(
          bitbucketPullSchema,
          response.body,
          'Bitbucket pull request',
        ),
      ),
    };
  }

  async findOpenPullRequest(
    sourceBranch: string,
    targetBranch: string,
  ): Promise<PullRequest | undefined> {
    const pulls = await this.listPulls('OPEN', sourceBranch, targetBranch);
    return newestPullRequest(
      await Promise.all(pulls.map(pull => this.toPullRequest(pull))),
    );
  }

  async findMergedPullRequest(
    sourceBranch: string,
    targetBranch: string,
    headSha: string,
  ): Promise<PullRequest | undefined> {
    const pulls = await this.listPulls('MERGED', sourceBranch, targetBranch);
    const candidates = pulls.filter(pull =>
      headSha.startsWith(pull.source.commit?.hash ?? '\0'),
    );
    return newestPullRequest(
      await Promise.all(candidates.map(pull => this.toPullRequest(pull))),
    );
  }

  async getBranchHead(branch: string): Promise<BranchHead | undefined> {
    const response = await this.client.request(
      'GET',
      `${this.repoPath}/refs/branches/${encodeURIComponent(branch)}`,
      { accept: [404] },
    );
    if (response.status === 404) return undefined;
    const { target } = decodeBody(
      bitbucketBranchSchema,
      response.body,
      'Bitbucket branch',
    );
    return { sha: target.hash, message: target.message };
  }

  async hasChanges(
    sourceBranch: string,
    targetBranch: string,
  ): Promise<boolean> {
    // `source..destination`: what the source changed since it left the destination.
    const { body } = await this.client.request(
      'GET',
      `${this.repoPath}/diffstat/${encodeURIComponent(
        sourceBranch,
      )}..${encodeURIComponent(targetBranch)}`,
      { query: { pagelen: 1 } },
    );
    return (
      decodeBody(bitbucketPageSchema(z.unknown()), body, 'Bitbucket diffstat')
        .values.length > 0
    );
  }

  private async getPull(number: number): Promise<BitbucketPull> {
    const { body } = await this.client.request(
      'GET',
      `${this.repoPath}/pullrequests/${number}`,
    );
    return decodeBody(bitbucketPullSchema, body, 'Bitbucket pull request');
  }

  private async listPulls(
    state: 'OPEN' | 'MERGED',
    sourceBranch: string,
    targetBranch: string,
  ): Promise<BitbucketPull[]> {
    const found: BitbucketPull[] = [];
    let response = await this.client.request(
      'GET',
      `${this.repoPath}/pullrequests`,
      {
        query: {
          state,
          q: `source.branch.name = ${quote(
            sourceBranch,
          )} AND destination.branch.name = ${quote(targetBranch)}`,
          pagelen: 50,
        },
      },
    );
    for (;;) {
      const page = decodeBody(
        bitbucketPageSchema(bitbucketPullSchema),
        response.body,
        'Bitbucket pull requests',
      );
      // The query language is the filter; checked again so that a server ignoring `q` cannot mislead.
      found.push(
        ...page.values.filter(
          pull =>
            pull.source.branch.name === sourceBranch &&
            pull.destination.branch.name === targetBranch,
        ),
      );
      if (!page.next) return found;
      response = await this.client.requestUrl(page.next);
    }
  }

  /** A full commit hash from the abbreviated one Bitbucket puts in pull requests. */
  private async fullHash(
    hash: string | undefined,
  ): Promise<string | undefined> {
    if (!hash || hash.length === 40) return hash;
    const { body } = await this.client.request(
      'GET',
      `${this.repoPath}/commit/${encodeURIComponent(hash)}`,
    );
    return decodeBody(bitbucketCommitSchema, body, 'Bitbucket commit').hash;
  }

  private async toPullRequest(pull: BitbucketPull): Promise<PullRequest> {
    const merged = pull.state === 'MERGED';
    return {
      number: pull.id,
      url: pull.links.html.href,
      open: pull.state === 'OPEN',
      merged,
      mergeCommitSha: merged
        ? await this.fullHash(pull.merge_commit?.hash)
        : undefined,
      headSha: (await this.fullHash(pull.source.commit?.hash)) ?? '',
      sourceBranch: pull.source.branch.name,
      targetBranch: pull.destination.branch.name,
      createdAt: pull.created_on ?? undefined,
    };
  }
}

/** A string literal of Bitbucket's query language. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function describeBitbucketError(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 200);
  const parsed = bitbucketErrorSchema.safeParse(body);
  return parsed.success ? parsed.data.error?.message : undefined;
}
