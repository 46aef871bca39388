import { setTimeout as sleep } from 'node:timers/promises';
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

const API_VERSION = '7.1';

const azurePullSchema = z.object({
  pullRequestId: z.number().int(),
  status: z.string(),
  isDraft: z.boolean().nullish(),
  mergeStatus: z.string().nullish(),
  sourceRefName: z.string(),
  targetRefName: z.string(),
  lastMergeSourceCommit: z.object({ commitId: z.string() }).nullish(),
  lastMergeCommit: z.object({ commitId: z.string() }).nullish(),
  creationDate: z.string().nullish(),
  repository: z.object({ webUrl: z.string().nullish() }).nullish(),
});
type AzurePull = z.infer<typeof azurePullSchema>;

const azureListSchema = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ value: z.array(item) });

const azureRefSchema = z.object({ name: z.string(), objectId: z.string() });
const azureCommitSchema = z.object({
  commitId: z.string(),
  comment: z.string().nullish(),
});
const azureDiffSchema = z.object({ changes: z.array(z.unknown()).nullish() });
const azureErrorSchema = z.object({ message: z.string().optional() });

/** The merge strategies Azure DevOps accepts in `completionOptions.mergeStrategy`, as Kargo validates them. */
const AZURE_MERGE_STRATEGIES = [
  'noFastForward',
  'rebase',
  'rebaseMerge',
  'squash',
];

/** How often and how long a completed merge is awaited: Azure DevOps merges asynchronously. */
const COMPLETION_POLLS = 5;
const COMPLETION_POLL_MS = 500;

/** Options of {@link AzurePullRequestProvider}. */
export interface AzurePullRequestProviderOptions {
  /** Collection root: `https://dev.azure.com/{org}`, `https://{org}.visualstudio.com` or a server's collection. */
  collectionUrl: string;
  project: string;
  repository: string;
  /** Headers from the Backstage Azure integration's credentials. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Skips TLS certificate verification of this provider's API (the step's `insecureSkipTLSVerify`). */
  insecureSkipTLSVerify?: boolean;
  /** Time between checks for a merge Azure DevOps is still completing; tests shorten it. */
  completionPollMs?: number;
}

/**
 * Pull requests on Azure DevOps (Services and Server), through the Git REST API
 * (`{collection}/{project}/_apis/git/repositories/{repository}/pullrequests`, api-version 7.1), as Kargo's
 * `azure` provider: merged only when active, not a draft and `mergeStatus` is `succeeded`, completing with the
 * source commit that was checked so that a newer push is not merged unchecked.
 */
export class AzurePullRequestProvider implements PullRequestProvider {
  readonly name = 'azure';
  private readonly client: ScmApiClient;
  private readonly repoPath: string;
  private readonly completionPollMs: number;

  constructor(private readonly options: AzurePullRequestProviderOptions) {
    this.repoPath = `/${encodeURIComponent(
      options.project,
    )}/_apis/git/repositories/${encodeURIComponent(options.repository)}`;
    const headers = options.headers ?? {};
    this.client = new ScmApiClient({
      baseUrl: options.collectionUrl.replace(/\/+$/, ''),
      headers,
      secrets: Object.values(headers),
      label: 'Azure DevOps',
      describeError: body => {
        if (typeof body === 'string') return body.slice(0, 200);
        const parsed = azureErrorSchema.safeParse(body);
        return parsed.success ? parsed.data.message : undefined;
      },
      signal: options.signal,
      insecureSkipTLSVerify: options.insecureSkipTLSVerify,
    });
    this.completionPollMs = options.completionPollMs ?? COMPLETION_POLL_MS;
  }

  async openPullRequest(options: OpenPullRequestOptions): Promise<PullRequest> {
    const { body } = await this.request('POST', '/pullrequests', {
      body: {
        sourceRefName: `refs/heads/${options.sourceBranch}`,
        targetRefName: `refs/heads/${options.targetBranch}`,
        title: options.title,
        description: options.description,
        ...(options.labels && options.labels.length > 0
          ? { labels: options.labels.map(name => ({ name })) }
          : {}),
      },
    });
    return toPullRequest(
      decodeBody(azurePullSchema, body, 'Azure DevOps pull request'),
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
      AZURE_MERGE_STRATEGIES,
      'Azure DevOps',
    );
    const pull = await this.getPull(number);
    if (pull.status === 'completed') {
      return { merged: true, pullRequest: toPullRequest(pull) };
    }
    if (pull.status === 'abandoned') {
      throw new Error(`pull request ${number} is abandoned`);
    }
    if (pull.status !== 'active') {
      return { merged: false, reason: `status is ${pull.status}` };
    }
    if (pull.isDraft)
      return { merged: false, reason: 'the pull request is a draft' };
    if (pull.mergeStatus === 'conflicts') {
      throw new Error(
        `pull request ${number} has conflicts and cannot be merged`,
      );
    }
    if (pull.mergeStatus !== 'succeeded') {
      return {
        merged: false,
        reason: `mergeStatus is ${pull.mergeStatus ?? 'notSet'}`,
      };
    }
    await this.request('PATCH', `/pullrequests/${number}`, {
      body: {
        status: 'completed',
        lastMergeSourceCommit: pull.lastMergeSourceCommit,
        ...(options.mergeMethod
          ? { completionOptions: { mergeStrategy: options.mergeMethod } }
          : {}),
      },
    });
    for (let poll = 0; poll < COMPLETION_POLLS; poll++) {
      const current = await this.getPull(number);
      if (current.status === 'completed') {
        return { merged: true, pullRequest: toPullRequest(current) };
      }
      await sleep(this.completionPollMs, undefined, {
        signal: this.options.signal,
      });
    }
    return {
      merged: false,
      reason: 'Azure DevOps is still completing the merge',
    };
  }

  async findOpenPullRequest(
    sourceBranch: string,
    targetBranch: string,
  ): Promise<PullRequest | undefined> {
    const pulls = await this.listPulls('active', sourceBranch, targetBranch);
    return newestPullRequest(pulls.map(toPullRequest));
  }

  async findMergedPullRequest(
    sourceBranch: string,
    targetBranch: string,
    headSha: string,
  ): Promise<PullRequest | undefined> {
    const pulls = await this.listPulls('completed', sourceBranch, targetBranch);
    return newestPullRequest(
      pulls
        .filter(pull => pull.lastMergeSourceCommit?.commitId === headSha)
        .map(toPullRequest),
    );
  }

  async getBranchHead(branch: string): Promise<BranchHead | undefined> {
    const { body } = await this.request('GET', '/refs', {
      query: { filter: `heads/${branch}` },
    });
    // `filter` is a prefix: the exact name is picked out.
    const ref = decodeBody(
      azureListSchema(azureRefSchema),
      body,
      'Azure DevOps refs',
    ).value.find(candidate => candidate.name === `refs/heads/${branch}`);
    if (!ref) return undefined;
    const commit = await this.request(
      'GET',
      `/commits/${encodeURIComponent(ref.objectId)}`,
    );
    const { commitId, comment } = decodeBody(
      azureCommitSchema,
      commit.body,
      'Azure DevOps commit',
    );
    return { sha: commitId, message: comment ?? '' };
  }

  async hasChanges(
    sourceBranch: string,
    targetBranch: string,
  ): Promise<boolean> {
    const { body } = await this.request('GET', '/diffs/commits', {
      query: {
        baseVersion: targetBranch,
        baseVersionType: 'branch',
        targetVersion: sourceBranch,
        targetVersionType: 'branch',
        diffCommonCommit: 'true',
        $top: 1,
      },
    });
    return (
      (decodeBody(azureDiffSchema, body, 'Azure DevOps diff').changes ?? [])
        .length > 0
    );
  }

  private request(
    method: string,
    path: string,
    request: {
      query?: Record<string, string | number | undefined>;
      body?: unknown;
    } = {},
  ) {
    return this.client.request(method, `${this.repoPath}${path}`, {
      ...request,
      query: { ...request.query, 'api-version': API_VERSION },
    });
  }

  private async getPull(number: number): Promise<AzurePull> {
    const { body } = await this.request('GET', `/pullrequests/${number}`);
    return decodeBody(azurePullSchema, body, 'Azure DevOps pull request');
  }

  private async listPulls(
    status: 'active' | 'completed',
    sourceBranch: string,
    targetBranch: string,
  ): Promise<AzurePull[]> {
    const found: AzurePull[] = [];
    const top = 100;
    for (let skip = 0; ; skip += top) {
      const { body } = await this.request('GET', '/pullrequests', {
        query: {
          'searchCriteria.status': status,
          'searchCriteria.sourceRefName': `refs/heads/${sourceBranch}`,
          'searchCriteria.targetRefName': `refs/heads/${targetBranch}`,
          $top: top,
          $skip: skip,
        },
      });
      const page = decodeBody(
        azureListSchema(azurePullSchema),
        body,
        'Azure DevOps pull requests',
      ).value;
      found.push(...page);
      if (page.length < top) return found;
    }
  }
}

function toPullRequest(pull: AzurePull): PullRequest {
  if (!pull.lastMergeSourceCommit) {
    throw new ScmApiError({
      status: 502,
      message: `Azure DevOps pull request ${pull.pullRequestId} has no source commit`,
    });
  }
  const merged = pull.status === 'completed';
  return {
    number: pull.pullRequestId,
    url: `${pull.repository?.webUrl ?? ''}/pullrequest/${pull.pullRequestId}`,
    open: pull.status === 'active',
    merged,
    mergeCommitSha: merged ? pull.lastMergeCommit?.commitId : undefined,
    headSha: pull.lastMergeSourceCommit.commitId,
    sourceBranch: pull.sourceRefName.replace(/^refs\/heads\//, ''),
    targetBranch: pull.targetRefName.replace(/^refs\/heads\//, ''),
    createdAt: pull.creationDate ?? undefined,
  };
}
