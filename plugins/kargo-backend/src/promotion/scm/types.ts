/**
 * A pull request (GitHub) or merge request (GitLab), in the terms Kargo's `gitprovider.PullRequest` uses.
 */
export interface PullRequest {
  /** The number users see: GitHub's `number`, GitLab's `iid`. */
  number: number;
  /** The web page of the pull request. */
  url: string;
  open: boolean;
  merged: boolean;
  /** The commit the merge produced on the target branch, once merged and when the provider reports one. */
  mergeCommitSha?: string;
  /** The commit at the head of the source branch. */
  headSha: string;
  sourceBranch: string;
  targetBranch: string;
  createdAt?: string;
}

/** The commit at the head of a branch. */
export interface BranchHead {
  sha: string;
  /** The full commit message. */
  message: string;
}

/** What to open. */
export interface OpenPullRequestOptions {
  sourceBranch: string;
  targetBranch: string;
  title: string;
  description: string;
  labels?: string[];
}

/**
 * The outcome of a merge attempt. A pull request that cannot be merged yet but may become mergeable on its own
 * (checks pending, mergeability still being computed, a draft) is `merged: false`; one that never will
 * (closed, conflicting, a refused merge method) is a thrown {@link ScmApiError} or `Error`.
 */
export type MergeResult =
  | { merged: true; pullRequest: PullRequest }
  | { merged: false; reason: string };

/**
 * The few pull request operations the promotion steps need, over a Git hosting provider's REST API. One
 * instance serves one repository, with the credentials of the Backstage integration that matches its host.
 */
export interface PullRequestProvider {
  /** The provider's name as Kargo spells it in step config (`github`, `gitlab`). */
  readonly name: string;
  openPullRequest(options: OpenPullRequestOptions): Promise<PullRequest>;
  /** Throws {@link ScmApiError} with status 404 when there is no such pull request. */
  getPullRequest(number: number): Promise<PullRequest>;
  mergePullRequest(
    number: number,
    options?: { mergeMethod?: string },
  ): Promise<MergeResult>;
  /** The newest open pull request from `sourceBranch` into `targetBranch`, if any. */
  findOpenPullRequest(
    sourceBranch: string,
    targetBranch: string,
  ): Promise<PullRequest | undefined>;
  /**
   * A merged pull request from `sourceBranch` into `targetBranch` whose head was `headSha`: the one a
   * previous run of `git-open-pr` opened if it was merged before that run's output was saved.
   */
  findMergedPullRequest(
    sourceBranch: string,
    targetBranch: string,
    headSha: string,
  ): Promise<PullRequest | undefined>;
  /** The head commit of a branch, or undefined when the branch does not exist. */
  getBranchHead(branch: string): Promise<BranchHead | undefined>;
  /** Whether merging `sourceBranch` into `targetBranch` would change any file. */
  hasChanges(sourceBranch: string, targetBranch: string): Promise<boolean>;
}

/**
 * An error answer from a provider's API. The message carries the provider's own explanation, never the
 * request's credentials.
 */
export class ScmApiError extends Error {
  override name = 'ScmApiError';
  readonly status: number;
  /**
   * Whether asking again later could give a different answer: rate limits, server errors and network
   * failures may clear, a refusal (bad credentials, not found, invalid request) will not.
   */
  readonly retryable: boolean;

  constructor(options: {
    status: number;
    message: string;
    /** Defaults to true for 429 and 5xx. */
    retryable?: boolean;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.status = options.status;
    this.retryable =
      options.retryable ?? (options.status === 429 || options.status >= 500);
  }
}

/**
 * Refuses a merge method the provider does not have, naming the ones it has; no method (the provider's default)
 * is fine.
 */
export function checkMergeMethod(
  method: string | undefined,
  supported: readonly string[],
  provider: string,
): void {
  if (method && !supported.includes(method)) {
    throw new Error(
      `unsupported merge method "${method}" (${provider} supports ${supported.join(
        ', ',
      )})`,
    );
  }
}
