/*
 * TEST DOUBLE of the GitHub REST API (https://docs.github.com/rest), for tests only.
 *
 * A node HTTP server on 127.0.0.1 that speaks the part of the API the pull request steps use, with GitHub's
 * status codes and JSON shapes:
 *   GET  /repos/{owner}/{repo}/branches/{branch}            200 | 404 "Branch not found"
 *   GET  /repos/{owner}/{repo}/compare/{base}...{head}       200 | 404
 *   GET  /repos/{owner}/{repo}/pulls?state&head&base&per_page&page   200, `Link: <...>; rel="next"`
 *   POST /repos/{owner}/{repo}/pulls                         201 | 422 (missing field, unknown branch,
 *                                                            "A pull request already exists", "No commits between")
 *   GET  /repos/{owner}/{repo}/pulls/{number}                200 (with mergeable, mergeable_state) | 404
 *   PUT  /repos/{owner}/{repo}/pulls/{number}/merge          200 | 405 (not mergeable, method not allowed) |
 *                                                            409 (head moved) | 422 (bad merge_method) | 404
 *   POST /repos/{owner}/{repo}/issues/{number}/labels        200 | 404
 * Every request needs `Authorization: Bearer <token>` (or `token <token>`): 401 "Requires authentication"
 * without one, 401 "Bad credentials" with another; with `rateLimitExhausted`, 403 "API rate limit exceeded"
 * and `x-ratelimit-remaining: 0`. Unknown repositories answer 404 "Not Found".
 * With `enterprise: true` the API lives under `/api/v3`, as on GitHub Enterprise Server.
 *
 * State is in memory and public: tests add repositories and commits (`RepositoryModel`), read the pull
 * requests the code under test opened, and act as a user on github.com would (`mergePull`, `closePull`, a
 * `mergeableState` such as `blocked`, a `mergeRefusal` message for the merge endpoint).
 */
import { createHash } from 'node:crypto';
import {
  DoubleRequest,
  DoubleResponse,
  LoopbackServer,
  startLoopbackServer,
} from './loopbackServer';
import { RepositoryModel } from './repositoryModel';

const DOCS = 'https://docs.github.com/rest';

/** A pull request as the double stores it. */
export interface GithubPullDouble {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  /** Head commit when the pull request was merged or closed; open ones follow their branch. */
  frozenHeadSha?: string;
  mergedAt?: string;
  mergeCommitSha?: string;
  createdAt: string;
  draft: boolean;
  labels: string[];
  /** Reported instead of the computed `clean` / `dirty` / `draft`, e.g. `blocked`, `unknown`, `unstable`. */
  mergeableState?: string;
  /** When set, the merge endpoint answers 405 with this message. */
  mergeRefusal?: string;
}

/** A repository of the double. */
export class GithubRepositoryDouble {
  readonly pulls: GithubPullDouble[] = [];
  /** Merge methods the repository settings allow. */
  allowedMergeMethods = new Set(['merge', 'squash', 'rebase']);

  constructor(
    readonly owner: string,
    readonly name: string,
    readonly git: RepositoryModel,
  ) {}

  pull(number: number): GithubPullDouble | undefined {
    return this.pulls.find(pull => pull.number === number);
  }

  /** Merges a pull request as a user would on GitHub; returns the commit now at the head of the base branch. */
  mergePull(number: number, method: 'merge' | 'squash' | 'rebase' = 'merge') {
    const pull = this.pull(number);
    if (!pull || pull.state !== 'open') {
      throw new Error(`pull request ${number} is not open`);
    }
    const headSha = this.git.head(pull.head)!.sha;
    const commit = this.git.merge(
      pull.head,
      pull.base,
      method,
      method === 'merge'
        ? `Merge pull request #${number} from ${this.owner}/${pull.head}\n\n${pull.title}`
        : `${pull.title} (#${number})`,
    );
    Object.assign(pull, {
      state: 'closed',
      frozenHeadSha: headSha,
      mergedAt: commit.date,
      mergeCommitSha: commit.sha,
    });
    return commit;
  }

  /** Closes a pull request without merging it. */
  closePull(number: number): void {
    const pull = this.pull(number);
    if (!pull) throw new Error(`no pull request ${number}`);
    pull.frozenHeadSha = this.git.head(pull.head)?.sha;
    pull.state = 'closed';
  }

  headSha(pull: GithubPullDouble): string {
    return pull.frozenHeadSha ?? this.git.head(pull.head)?.sha ?? '';
  }

  mergeableState(pull: GithubPullDouble): string {
    if (pull.mergeableState) return pull.mergeableState;
    if (pull.draft) return 'draft';
    return this.git.conflicts(pull.head, pull.base) ? 'dirty' : 'clean';
  }
}

/** A running GitHub API double. */
export interface GithubApiDouble {
  /** What to configure as `integrations.github[].apiBaseUrl`. */
  apiBaseUrl: string;
  /** The only token the double accepts. */
  token: string;
  /** Host used in `html_url`s. */
  webHost: string;
  requests: DoubleRequest[];
  /** Called with each authenticated request before it is answered: lets a test change state mid-flow. */
  onRequest?: (request: DoubleRequest) => void;
  /** While true, every authenticated request is refused as GitHub does when the rate limit is used up. */
  rateLimitExhausted: boolean;
  /** Creates a repository with one commit on its default branch. */
  addRepository(
    fullName: string,
    options?: { defaultBranch?: string },
  ): GithubRepositoryDouble;
  repository(fullName: string): GithubRepositoryDouble | undefined;
  close(): Promise<void>;
}

/** Starts a GitHub API double on a loopback port. */
export async function startGithubApiDouble(
  options: { token?: string; webHost?: string; enterprise?: boolean } = {},
): Promise<GithubApiDouble> {
  const token = options.token ?? 'ghp_doubletoken0000000000000000000000';
  const webHost = options.webHost ?? 'github.com';
  const prefix = options.enterprise ? ['api', 'v3'] : [];
  const repositories = new Map<string, GithubRepositoryDouble>();
  let server: LoopbackServer | undefined = undefined;
  const apiBaseUrl = () => `${server!.url}${prefix.map(p => `/${p}`).join('')}`;

  let api: GithubApiDouble | undefined = undefined;

  const handle = (request: DoubleRequest): DoubleResponse => {
    const authorization = request.headers.authorization;
    if (!authorization) {
      return error(401, 'Requires authentication');
    }
    const match = /^(?:Bearer|token) (.+)$/.exec(authorization);
    if (!match || match[1] !== token) return error(401, 'Bad credentials');
    api?.onRequest?.(request);
    if (api?.rateLimitExhausted) {
      return {
        ...error(403, 'API rate limit exceeded for user ID 1.'),
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '5000' },
      };
    }

    const segments = request.segments.map(decodeURIComponent);
    if (prefix.some((part, i) => segments[i] !== part)) return notFound();
    const [root, owner, repo, collection, ...rest] = segments.slice(
      prefix.length,
    );
    if (root !== 'repos' || !owner || !repo) return notFound();
    const repository = repositories.get(`${owner}/${repo}`.toLowerCase());
    if (!repository) return notFound();
    const context: Context = {
      repository,
      request,
      apiBaseUrl: apiBaseUrl(),
      webHost,
    };

    switch (`${request.method} ${collection}`) {
      case 'GET branches':
        return getBranch(context, rest.join('/'));
      case 'GET compare':
        return compare(context, rest.join('/'));
      case 'GET pulls':
        if (rest.length === 0) return listPulls(context);
        if (rest.length === 1) return getPull(context, rest[0]);
        return notFound();
      case 'POST pulls':
        return rest.length === 0 ? createPull(context) : notFound();
      case 'PUT pulls':
        return rest.length === 2 && rest[1] === 'merge'
          ? mergePull(context, rest[0])
          : notFound();
      case 'POST issues':
        return rest.length === 2 && rest[1] === 'labels'
          ? addLabels(context, rest[0])
          : notFound();
      default:
        return notFound();
    }
  };

  server = await startLoopbackServer(handle);
  const started = server;
  api = {
    apiBaseUrl: apiBaseUrl(),
    token,
    webHost,
    requests: started.requests,
    rateLimitExhausted: false,
    addRepository(fullName, repositoryOptions = {}) {
      const [owner, name] = fullName.split('/');
      const repository = new GithubRepositoryDouble(
        owner,
        name,
        new RepositoryModel(repositoryOptions.defaultBranch ?? 'main'),
      );
      repositories.set(fullName.toLowerCase(), repository);
      return repository;
    },
    repository: fullName => repositories.get(fullName.toLowerCase()),
    close: () => started.close(),
  };
  return api;
}

interface Context {
  repository: GithubRepositoryDouble;
  request: DoubleRequest;
  apiBaseUrl: string;
  webHost: string;
}

function error(
  status: number,
  message: string,
  errors?: unknown[],
): DoubleResponse {
  return {
    status,
    body: {
      message,
      ...(errors ? { errors } : {}),
      documentation_url: DOCS,
      status: String(status),
    },
  };
}

function notFound(): DoubleResponse {
  return error(404, 'Not Found');
}

function validationFailed(errors: unknown[]): DoubleResponse {
  return error(422, 'Validation Failed', errors);
}

function getBranch({ repository }: Context, branch: string): DoubleResponse {
  const head = repository.git.head(branch);
  if (!head) return error(404, 'Branch not found');
  return {
    status: 200,
    body: {
      name: branch,
      commit: {
        sha: head.sha,
        commit: { message: head.message, author: { date: head.date } },
        parents: head.parents.map(sha => ({ sha })),
      },
      protected: false,
    },
  };
}

function compare({ repository }: Context, basehead: string): DoubleResponse {
  const [base, head] = basehead.split('...');
  if (head === undefined) return notFound();
  const comparison = repository.git.compare(base, head);
  if (!comparison) return notFound();
  const aheadBy = comparison.ahead.length;
  let status = 'identical';
  if (aheadBy > 0 && comparison.behindBy > 0) status = 'diverged';
  else if (aheadBy > 0) status = 'ahead';
  else if (comparison.behindBy > 0) status = 'behind';
  return {
    status: 200,
    body: {
      status,
      ahead_by: aheadBy,
      behind_by: comparison.behindBy,
      total_commits: aheadBy,
      merge_base_commit: { sha: comparison.mergeBase },
      commits: comparison.ahead.map(commit => ({
        sha: commit.sha,
        commit: { message: commit.message },
      })),
      files: comparison.changedFiles.map(filename => ({
        filename,
        status: 'modified',
      })),
    },
  };
}

function pullJson(
  { repository, apiBaseUrl, webHost }: Context,
  pull: GithubPullDouble,
  detailed: boolean,
) {
  const { owner, name, git } = repository;
  const headSha = repository.headSha(pull);
  const fullName = `${owner}/${name}`;
  const json: Record<string, unknown> = {
    url: `${apiBaseUrl}/repos/${fullName}/pulls/${pull.number}`,
    id: 1_000_000 + pull.number,
    html_url: `https://${webHost}/${fullName}/pull/${pull.number}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    body: pull.body,
    user: { login: 'double-user' },
    labels: pull.labels.map((label, i) => ({ id: i + 1, name: label })),
    created_at: pull.createdAt,
    updated_at: pull.mergedAt ?? pull.createdAt,
    closed_at: pull.state === 'closed' ? pull.mergedAt ?? pull.createdAt : null,
    merged_at: pull.mergedAt ?? null,
    // Like GitHub: before the merge, the commit of a test merge.
    merge_commit_sha:
      pull.mergeCommitSha ??
      createHash('sha1').update(`test-merge ${headSha}`).digest('hex'),
    draft: pull.draft,
    head: {
      label: `${owner}:${pull.head}`,
      ref: pull.head,
      sha: headSha,
      repo: { full_name: fullName },
    },
    base: {
      label: `${owner}:${pull.base}`,
      ref: pull.base,
      sha: git.head(pull.base)?.sha ?? '',
      repo: { full_name: fullName },
    },
  };
  if (detailed) {
    const state =
      pull.state === 'open' ? repository.mergeableState(pull) : 'unknown';
    json.merged = pull.mergedAt !== undefined;
    json.mergeable = mergeableFlag(state);
    json.mergeable_state = state;
  }
  return json;
}

function mergeableFlag(state: string): boolean | null {
  if (state === 'unknown') return null;
  return state !== 'dirty';
}

function listPulls(context: Context): DoubleResponse {
  const { repository, request, apiBaseUrl } = context;
  const state = request.query.get('state') ?? 'open';
  const head = request.query.get('head');
  const base = request.query.get('base');
  const perPage = Math.min(Number(request.query.get('per_page') ?? 30), 100);
  const page = Number(request.query.get('page') ?? 1);
  const matching = repository.pulls
    .filter(pull => state === 'all' || pull.state === state)
    .filter(pull => !head || `${repository.owner}:${pull.head}` === head)
    .filter(pull => !base || pull.base === base)
    .sort((a, b) => b.number - a.number);
  const slice = matching.slice((page - 1) * perPage, page * perPage);
  const headers: Record<string, string> = {};
  if (page * perPage < matching.length) {
    const next = new URLSearchParams(request.query);
    next.set('page', String(page + 1));
    const origin = new URL(apiBaseUrl).origin;
    headers.Link = `<${origin}${request.rawPath}?${next}>; rel="next"`;
  }
  return {
    status: 200,
    body: slice.map(pull => pullJson(context, pull, false)),
    headers,
  };
}

function findPull(context: Context, number: string) {
  return /^\d+$/.test(number)
    ? context.repository.pull(Number(number))
    : undefined;
}

function getPull(context: Context, number: string): DoubleResponse {
  const pull = findPull(context, number);
  if (!pull) return notFound();
  return { status: 200, body: pullJson(context, pull, true) };
}

function stringField(body: unknown, field: string): string | undefined {
  if (typeof body !== 'object' || body === null || !(field in body)) {
    return undefined;
  }
  const value: unknown = Reflect.get(body, field);
  return typeof value === 'string' ? value : undefined;
}

function createPull(context: Context): DoubleResponse {
  const { repository, request } = context;
  const missing = ['title', 'head', 'base'].filter(
    field => !stringField(request.body, field),
  );
  if (missing.length > 0) {
    return validationFailed(
      missing.map(field => ({
        resource: 'PullRequest',
        field,
        code: 'missing_field',
      })),
    );
  }
  let head = stringField(request.body, 'head')!;
  const base = stringField(request.body, 'base')!;
  const ownerPrefix = `${repository.owner}:`;
  if (head.startsWith(ownerPrefix)) head = head.slice(ownerPrefix.length);
  const { git } = repository;
  const invalid = [
    ...(git.head(head) ? [] : ['head']),
    ...(git.head(base) ? [] : ['base']),
  ];
  if (invalid.length > 0) {
    return validationFailed(
      invalid.map(field => ({
        resource: 'PullRequest',
        field,
        code: 'invalid',
      })),
    );
  }
  if (
    repository.pulls.some(
      pull => pull.state === 'open' && pull.head === head && pull.base === base,
    )
  ) {
    return validationFailed([
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `A pull request already exists for ${repository.owner}:${head}.`,
      },
    ]);
  }
  if (git.compare(base, head)!.ahead.length === 0) {
    return validationFailed([
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `No commits between ${base} and ${head}`,
      },
    ]);
  }
  const pull: GithubPullDouble = {
    number: repository.pulls.length + 1,
    title: stringField(request.body, 'title')!,
    body: stringField(request.body, 'body') ?? '',
    head,
    base,
    state: 'open',
    createdAt: new Date().toISOString(),
    draft: Reflect.get(Object(request.body), 'draft') === true,
    labels: [],
  };
  repository.pulls.push(pull);
  return { status: 201, body: pullJson(context, pull, true) };
}

const MERGE_METHOD_REFUSALS: Record<string, string> = {
  merge: 'Merge commits are not allowed on this repository.',
  squash: 'Squash merges are not allowed on this repository.',
  rebase: 'Rebase merges are not allowed on this repository.',
};

const STATE_REFUSALS: Record<string, string> = {
  dirty: 'Pull Request is not mergeable',
  draft: 'Pull Request is still a draft',
  blocked:
    'At least 1 approving review is required by reviewers with write access.',
  behind: 'Head branch is out of date. Review and try the merge again.',
};

function isMergeMethod(
  method: string,
): method is 'merge' | 'squash' | 'rebase' {
  return method === 'merge' || method === 'squash' || method === 'rebase';
}

function mergePull(context: Context, number: string): DoubleResponse {
  const { repository, request } = context;
  const pull = findPull(context, number);
  if (!pull) return notFound();
  const method = stringField(request.body, 'merge_method') ?? 'merge';
  if (!isMergeMethod(method)) {
    return validationFailed([
      { resource: 'PullRequest', field: 'merge_method', code: 'invalid' },
    ]);
  }
  if (pull.state !== 'open') return error(405, 'Pull Request is not mergeable');
  if (!repository.allowedMergeMethods.has(method)) {
    return error(405, MERGE_METHOD_REFUSALS[method]);
  }
  if (pull.mergeRefusal) return error(405, pull.mergeRefusal);
  const refusal = STATE_REFUSALS[repository.mergeableState(pull)];
  if (refusal) return error(405, refusal);
  const expectedSha = stringField(request.body, 'sha');
  if (expectedSha && expectedSha !== repository.headSha(pull)) {
    return error(
      409,
      'Head branch was modified. Review and try the merge again.',
    );
  }
  const commit = repository.mergePull(pull.number, method);
  return {
    status: 200,
    body: {
      sha: commit.sha,
      merged: true,
      message: 'Pull Request successfully merged',
    },
  };
}

function addLabels(context: Context, number: string): DoubleResponse {
  const pull = findPull(context, number);
  if (!pull) return notFound();
  const body = context.request.body;
  const labels: unknown = Array.isArray(body)
    ? body
    : Reflect.get(Object(body), 'labels');
  if (
    !Array.isArray(labels) ||
    labels.some(label => typeof label !== 'string')
  ) {
    return validationFailed([
      { resource: 'Label', field: 'labels', code: 'invalid' },
    ]);
  }
  for (const label of labels) {
    if (!pull.labels.includes(label)) pull.labels.push(label);
  }
  return {
    status: 200,
    body: pull.labels.map((name, i) => ({
      id: i + 1,
      name,
      color: 'ededed',
      default: false,
    })),
  };
}
