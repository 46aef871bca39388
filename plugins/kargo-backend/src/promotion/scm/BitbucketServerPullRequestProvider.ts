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

const refSchema = z.object({
  id: z.string(),
  displayId: z.string(),
  latestCommit: z.string().nullish(),
});

const serverPullSchema = z.object({
  id: z.number().int(),
  version: z.number().int(),
  state: z.string(),
  draft: z.boolean().nullish(),
  fromRef: refSchema,
  toRef: refSchema,
  createdDate: z.number().nullish(),
  properties: z
    .object({
      mergeCommit: z.object({ id: z.string() }).nullish(),
    })
    .passthrough()
    .nullish(),
  links: z.object({ self: z.array(z.object({ href: z.string() })).min(1) }),
});
type ServerPull = z.infer<typeof serverPullSchema>;

const duplicateSchema = z.object({
  errors: z.array(z.object({ existingPullRequest: serverPullSchema })).min(1),
});

const pageSchema = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    values: z.array(item),
    isLastPage: z.boolean(),
    nextPageStart: z.number().int().nullish(),
  });

const mergeStatusSchema = z.object({
  canMerge: z.boolean(),
  conflicted: z.boolean().nullish(),
  outcome: z.string().nullish(),
  vetoes: z
    .array(
      z.object({
        summaryMessage: z.string().nullish(),
        detailedMessage: z.string().nullish(),
      }),
    )
    .nullish(),
});

const branchSchema = z.object({
  id: z.string(),
  displayId: z.string(),
  latestCommit: z.string(),
});

const commitSchema = z.object({ id: z.string(), message: z.string() });

const serverErrorSchema = z.object({
  errors: z.array(z.object({ message: z.string().nullish() })).min(1),
});

/**
 * Bitbucket Data Center's merge strategy ids (`strategyId` of the merge request). Which of them a repository
 * allows is its administrators' choice; Bitbucket refuses the others.
 */
const SERVER_MERGE_STRATEGIES = [
  'no-ff',
  'ff',
  'ff-only',
  'squash',
  'squash-ff-only',
  'rebase-no-ff',
  'rebase-ff-only',
];

/** Options of {@link BitbucketServerPullRequestProvider}. */
export interface BitbucketServerPullRequestProviderOptions {
  /** API root, `https://<host>/rest/api/1.0` (Backstage's `integrations.bitbucketServer[].apiBaseUrl`). */
  apiBaseUrl: string;
  projectKey: string;
  repoSlug: string;
  /** Headers from the Backstage Bitbucket Server integration (a bearer token, or basic auth). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Skips TLS certificate verification of this provider's API (the step's `insecureSkipTLSVerify`). */
  insecureSkipTLSVerify?: boolean;
}

/**
 * Pull requests on Bitbucket Server and Data Center, through the REST API 1.0
 * (`/projects/{key}/repos/{slug}/pull-requests`). Kargo's `bitbucket` provider speaks to Bitbucket Cloud only;
 * this one serves the `bitbucket` provider on hosts configured in `integrations.bitbucketServer`. A merge names
 * the version of the pull request it read (Bitbucket refuses it when the pull request changed meanwhile, and
 * the step tries again); unmet merge checks (vetoes) make the step wait, a conflict fails it. Bitbucket pull
 * requests have no labels: asking for labels is refused.
 */
export class BitbucketServerPullRequestProvider implements PullRequestProvider {
  readonly name = 'bitbucket';
  private readonly client: ScmApiClient;
  private readonly repoPath: string;

  constructor(
    private readonly options: BitbucketServerPullRequestProviderOptions,
  ) {
    this.repoPath = `/projects/${encodeURIComponent(
      options.projectKey,
    )}/repos/${encodeURIComponent(options.repoSlug)}`;
    const headers = options.headers ?? {};
    this.client = new ScmApiClient({
      baseUrl: options.apiBaseUrl.replace(/\/+$/, ''),
      headers,
      secrets: Object.values(headers),
      label: 'Bitbucket Server',
      describeError: describeServerError,
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
    const repository = {
      slug: this.options.repoSlug,
      project: { key: this.options.projectKey },
    };
    const response = await this.client.request(
      'POST',
      `${this.repoPath}/pull-requests`,
      {
        body: {
          title: options.title,
          description: options.description,
          fromRef: { id: `refs/heads/${options.sourceBranch}`, repository },
          toRef: { id: `refs/heads/${options.targetBranch}`, repository },
        },
        accept: [409],
      },
    );
    if (response.status === 409) {
      // DuplicatePullRequestException names the open pull request of the same branches: it is the one.
      const existing = duplicateSchema.safeParse(response.body);
      if (existing.success) {
        return toPullRequest(existing.data.errors[0].existingPullRequest);
      }
      throw new ScmApiError({
        status: 409,
        message: `Bitbucket Server refused the pull request: ${
          describeServerError(response.body) ?? 'Conflict'
        }`,
      });
    }
    return toPullRequest(
      decodeBody(
        serverPullSchema,
        response.body,
        'Bitbucket Server pull request',
      ),
    );
  }

  async getPullRequest(number: number): Promise<PullRequest> {
    return toPullRequest(await this.getPull(number));
  }

  async mergePullRequest(
    number: number,
    options: { mergeMethod?: string } = {},
  ): Promise<MergeResult> {
    checkMergeMethod(
      options.mergeMethod,
      SERVER_MERGE_STRATEGIES,
      'Bitbucket Server',
    );
    const pull = await this.getPull(number);
    if (pull.state === 'MERGED') {
      return { merged: true, pullRequest: toPullRequest(pull) };
    }
    if (pull.state !== 'OPEN') {
      throw new Error(
        `pull request ${number} is closed but not merged (state: ${pull.state})`,
      );
    }
    if (pull.draft) {
      return { merged: false, reason: 'the pull request is a draft' };
    }
    const status = decodeBody(
      mergeStatusSchema,
      (
        await this.client.request(
          'GET',
          `${this.repoPath}/pull-requests/${number}/merge`,
        )
      ).body,
      'Bitbucket Server merge status',
    );
    if (status.conflicted || status.outcome === 'CONFLICTED') {
      throw new ScmApiError({
        status: 409,
        message: `pull request ${number} cannot be merged: it has conflicts`,
      });
    }
    if (!status.canMerge) {
      const vetoes = (status.vetoes ?? [])
        .map(veto => veto.detailedMessage || veto.summaryMessage)
        .filter(Boolean);
      return {
        merged: false,
        reason:
          vetoes.length > 0
            ? vetoes.join('; ')
            : 'Bitbucket cannot merge the pull request yet',
      };
    }
    const response = await this.client.request(
      'POST',
      `${this.repoPath}/pull-requests/${number}/merge`,
      {
        query: { version: pull.version },
        body: options.mergeMethod ? { strategyId: options.mergeMethod } : {},
        // 409: the pull request changed since it was read (a new version), a veto appeared or a conflict.
        accept: [409],
      },
    );
    if (response.status === 409) {
      const explanation = describeServerError(response.body) ?? 'Conflict';
      if (/conflict/i.test(explanation)) {
        throw new ScmApiError({
          status: 409,
          message: `pull request ${number} cannot be merged: ${explanation}`,
        });
      }
      return { merged: false, reason: explanation };
    }
    return {
      merged: true,
      pullRequest: toPullRequest(
        decodeBody(
          serverPullSchema,
          response.body,
          'Bitbucket Server pull request',
        ),
      ),
    };
  }

  async findOpenPullRequest(
    sourceBranch: string,
    targetBranch: string,
  ): Promise<PullRequest | undefined> {
    const pulls = await this.listPulls('OPEN', sourceBranch, targetBranch);
    return newestPullRequest(pulls.map(toPullRequest));
  }

  async findMergedPullRequest(
    sourceBranch: string,
    targetBranch: string,
    headSha: string,
  ): Promise<PullRequest | undefined> {
    const pulls = await this.listPulls('MERGED', sourceBranch, targetBranch);
    return newestPullRequest(
      pulls
        .filter(pull => pull.fromRef.latestCommit === headSha)
        .map(toPullRequest),
    );
  }

  async getBranchHead(branch: string): Promise<BranchHead | undefined> {
    const branches = await this.pages(
      `${this.repoPath}/branches`,
      { filterText: branch, boostMatches: 'true' },
      branchSchema,
      'Bitbucket Server branches',
      // The exact match comes first with boostMatches; one page is enough.
      true,
    );
    const found = branches.find(b => b.id === `refs/heads/${branch}`);
    if (!found) return undefined;
    const commit = decodeBody(
      commitSchema,
      (
        await this.client.request(
          'GET',
          `${this.repoPath}/commits/${encodeURIComponent(found.latestCommit)}`,
        )
      ).body,
      'Bitbucket Server commit',
    );
    return { sha: commit.id, message: commit.message };
  }

  async hasChanges(
    sourceBranch: string,
    targetBranch: string,
  ): Promise<boolean> {
    // The changes `from` the source has that `to`, the target, does not.
    const { body } = await this.client.request(
      'GET',
      `${this.repoPath}/compare/changes`,
      {
        query: {
          from: `refs/heads/${sourceBranch}`,
          to: `refs/heads/${targetBranch}`,
          limit: 1,
        },
      },
    );
    return (
      decodeBody(pageSchema(z.unknown()), body, 'Bitbucket Server changes')
        .values.length > 0
    );
  }

  private async getPull(number: number): Promise<ServerPull> {
    const { body } = await this.client.request(
      'GET',
      `${this.repoPath}/pull-requests/${number}`,
    );
    return decodeBody(serverPullSchema, body, 'Bitbucket Server pull request');
  }

  /** Pull requests from `sourceBranch` (`at` with `direction=OUTGOING`), filtered by target here. */
  private async listPulls(
    state: 'OPEN' | 'MERGED',
    sourceBranch: string,
    targetBranch: string,
  ): Promise<ServerPull[]> {
    const pulls = await this.pages(
      `${this.repoPath}/pull-requests`,
      {
        state,
        at: `refs/heads/${sourceBranch}`,
        direction: 'OUTGOING',
        order: 'NEWEST',
      },
      serverPullSchema,
      'Bitbucket Server pull requests',
    );
    return pulls.filter(
      pull =>
        pull.fromRef.id === `refs/heads/${sourceBranch}` &&
        pull.toRef.id === `refs/heads/${targetBranch}`,
    );
  }

  /** Every item of a paged resource (`start`, `limit`, `isLastPage`, `nextPageStart`). */
  private async pages<T extends z.ZodTypeAny>(
    path: string,
    query: Record<string, string>,
    item: T,
    description: string,
    firstPageOnly = false,
  ): Promise<Array<z.infer<T>>> {
    const found: Array<z.infer<T>> = [];
    let start = 0;
    for (;;) {
      const { body } = await this.client.request('GET', path, {
        query: { ...query, start, limit: 50 },
      });
      const page = decodeBody(pageSchema(item), body, description);
      found.push(...page.values);
      if (
        firstPageOnly ||
        page.isLastPage ||
        page.nextPageStart === undefined ||
        page.nextPageStart === null ||
        page.nextPageStart <= start
      ) {
        return found;
      }
      start = page.nextPageStart;
    }
  }
}

function toPullRequest(pull: ServerPull): PullRequest {
  const merged = pull.state === 'MERGED';
  return {
    number: pull.id,
    url: pull.links.self[0].href,
    open: pull.state === 'OPEN',
    merged,
    mergeCommitSha: merged
      ? pull.properties?.mergeCommit?.id ?? undefined
      : undefined,
    headSha: pull.fromRef.latestCommit ?? '',
    sourceBranch: pull.fromRef.displayId,
    targetBranch: pull.toRef.displayId,
    createdAt:
      pull.createdDate === undefined || pull.createdDate === null
        ? undefined
        : new Date(pull.createdDate).toISOString(),
  };
}

function describeServerError(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 200);
  const parsed = serverErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  return parsed.data.errors
    .map(error => error.message)
    .filter(Boolean)
    .join('; ');
}
