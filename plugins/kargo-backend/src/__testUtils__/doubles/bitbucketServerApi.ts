/*
 * TEST DOUBLE of the Bitbucket Server / Data Center REST API 1.0
 * (https://developer.atlassian.com/server/bitbucket/rest/), for tests only.
 *
 * A node HTTP server on 127.0.0.1 that speaks the part of the API the pull request steps use, with Bitbucket's
 * status codes and JSON shapes (errors as `{"errors":[{"message":...,"exceptionName":...}]}`, pages as
 * `{"values":[...],"start","limit","size","isLastPage","nextPageStart"}`, dates in epoch milliseconds), under
 * `/rest/api/1.0`:
 *   GET  /projects/:key/repos/:slug/branches?filterText&boostMatches&start&limit       200, paged
 *   GET  /projects/:key/repos/:slug/commits/:id                                        200 | 404
 *   GET  /projects/:key/repos/:slug/compare/changes?from&to&limit                      200 | 404
 *   GET  /projects/:key/repos/:slug/pull-requests?state&at&direction&order&start&limit 200, paged
 *   POST /projects/:key/repos/:slug/pull-requests                                      201 | 400 (missing title) |
 *                                                                                      404 (unknown branch) |
 *                                                                                      409 (duplicate, same branch)
 *   GET  /projects/:key/repos/:slug/pull-requests/:id                                  200 | 404
 *   GET  /projects/:key/repos/:slug/pull-requests/:id/merge                            200 (canMerge, conflicted,
 *                                                                                      outcome, vetoes)
 *   POST /projects/:key/repos/:slug/pull-requests/:id/merge?version                    200 | 400 (no version,
 *                                                                                      bad strategyId) | 409 (out of
 *                                                                                      date, vetoed, conflicted)
 * Every request needs `Authorization: Bearer <token>` (an HTTP access token): 401 otherwise.
 */
import {
  DoubleRequest,
  DoubleResponse,
  LoopbackServer,
  startLoopbackServer,
} from './loopbackServer';
import { RepositoryModel } from './repositoryModel';

/** A pull request as the double stores it. */
export interface BitbucketServerPullDouble {
  id: number;
  /** Raised by every change; a merge must name the current one. */
  version: number;
  title: string;
  description: string;
  source: string;
  destination: string;
  state: 'OPEN' | 'MERGED' | 'DECLINED';
  frozenSha?: string;
  mergeCommitSha?: string;
  createdDate: number;
  /** Set by a test: a merge check (builds, approvals) vetoes the merge. */
  veto?: string;
}

/** A repository of the double: `<PROJECT KEY>/<slug>`. */
export class BitbucketServerRepositoryDouble {
  readonly pulls: BitbucketServerPullDouble[] = [];

  constructor(
    readonly projectKey: string,
    readonly slug: string,
    readonly git: RepositoryModel,
  ) {}

  pull(id: number): BitbucketServerPullDouble | undefined {
    return this.pulls.find(pull => pull.id === id);
  }

  /** Merges as a user would in Bitbucket (a merge commit, or `squash`, or `ff-only`). */
  merge(id: number, strategy = 'no-ff'): void {
    const pull = this.pull(id);
    if (!pull || pull.state !== 'OPEN') throw new Error(`#${id} is not open`);
    const headSha = this.git.head(pull.source)!.sha;
    if (strategy === 'ff-only' || strategy === 'ff') {
      pull.mergeCommitSha = this.git.fastForward(
        pull.source,
        pull.destination,
      ).sha;
    } else {
      pull.mergeCommitSha = this.git.merge(
        pull.source,
        pull.destination,
        strategy.startsWith('squash') ? 'squash' : 'merge',
        `Pull request #${id}: ${pull.title}\n\nMerge in ${this.projectKey}/${this.slug} from ${pull.source} to ${pull.destination}`,
      ).sha;
    }
    pull.frozenSha = headSha;
    pull.state = 'MERGED';
    pull.version += 1;
  }

  decline(id: number): void {
    const pull = this.pull(id);
    if (!pull) throw new Error(`no pull request #${id}`);
    pull.frozenSha = this.git.head(pull.source)?.sha;
    pull.state = 'DECLINED';
    pull.version += 1;
  }

  headSha(pull: BitbucketServerPullDouble): string {
    return pull.frozenSha ?? this.git.head(pull.source)?.sha ?? '';
  }
}

/** A running Bitbucket Server API double. */
export interface BitbucketServerApiDouble {
  /** `http://<host>`: what Bitbucket's web pages and clone URLs start with. */
  baseUrl: string;
  /** `<baseUrl>/rest/api/1.0`, for `integrations.bitbucketServer[].apiBaseUrl`. */
  apiBaseUrl: string;
  /** Host (with port) of the double, for `integrations.bitbucketServer[].host`. */
  host: string;
  token: string;
  requests: DoubleRequest[];
  /** Called with each authenticated request before it is answered: lets a test change state mid-flow. */
  onRequest?: (request: DoubleRequest) => void;
  /** `PROJ/slug`. */
  addRepository(fullName: string): BitbucketServerRepositoryDouble;
  repository(fullName: string): BitbucketServerRepositoryDouble | undefined;
  close(): Promise<void>;
}

const STRATEGIES = ['no-ff', 'ff', 'ff-only', 'squash', 'squash-ff-only'];

/** Starts a Bitbucket Server API double on a loopback port. */
export async function startBitbucketServerApiDouble(
  options: { token?: string } = {},
): Promise<BitbucketServerApiDouble> {
  const token = options.token ?? 'BBDC-double-http-access-token';
  const repositories: BitbucketServerRepositoryDouble[] = [];
  let baseUrl = '';
  let clock = Date.UTC(2026, 0, 1);
  // eslint-disable-next-line prefer-const
  let double: BitbucketServerApiDouble | undefined;

  const handle = (request: DoubleRequest): DoubleResponse => {
    if (request.headers.authorization !== `Bearer ${token}`) {
      return error(
        401,
        'Authentication failed. Please check your credentials and try again.',
        'com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException',
      );
    }
    double?.onRequest?.(request);
    const [rest1, api, version, projects, key, repos, slug, ...rest] =
      request.segments.map(decodeURIComponent);
    if (
      rest1 !== 'rest' ||
      api !== 'api' ||
      version !== '1.0' ||
      projects !== 'projects' ||
      repos !== 'repos' ||
      !slug
    ) {
      return error(404, 'Not found');
    }
    const repo = repositories.find(
      candidate => candidate.projectKey === key && candidate.slug === slug,
    );
    if (!repo) {
      return error(
        404,
        `Repository ${key}/${slug} does not exist.`,
        'com.atlassian.bitbucket.repository.NoSuchRepositoryException',
      );
    }
    const context: Context = { repo, request, baseUrl };
    const [collection, ...more] = rest;
    const method = request.method;

    if (collection === 'branches' && method === 'GET' && more.length === 0) {
      const filter = request.query.get('filterText') ?? '';
      const branches = [...repo.git.branches.keys()]
        .filter(name => name.includes(filter))
        // boostMatches: the exact match first.
        .sort(
          (a, b) =>
            Number(b === filter) - Number(a === filter) || a.localeCompare(b),
        )
        .map(name => ({
          id: `refs/heads/${name}`,
          displayId: name,
          type: 'BRANCH',
          latestCommit: repo.git.branches.get(name),
          isDefault: name === repo.git.defaultBranch,
        }));
      return page(request, branches);
    }
    if (collection === 'commits' && method === 'GET' && more.length === 1) {
      const commit = repo.git.commits.get(more[0]);
      if (!commit) {
        return error(
          404,
          `Commit '${more[0]}' does not exist in repository '${slug}'.`,
          'com.atlassian.bitbucket.commit.NoSuchCommitException',
        );
      }
      return {
        status: 200,
        body: {
          id: commit.sha,
          displayId: commit.sha.slice(0, 11),
          message: commit.message,
          authorTimestamp: Date.parse(commit.date),
          parents: commit.parents.map(id => ({ id })),
        },
      };
    }
    if (collection === 'compare' && more[0] === 'changes' && method === 'GET') {
      const from = branchOf(request.query.get('from'));
      const to = branchOf(request.query.get('to'));
      const comparison = from && to ? repo.git.compare(to, from) : undefined;
      if (!comparison) return error(404, 'Ref not found');
      return page(
        request,
        comparison.changedFiles.map(path => ({
          path: { toString: path },
          type: 'MODIFY',
        })),
      );
    }
    if (collection === 'pull-requests') {
      if (more.length === 0 && method === 'GET') return list(context);
      if (more.length === 0 && method === 'POST') {
        return create(context, () => (clock += 1000));
      }
      const pull = /^\d+$/.test(more[0])
        ? repo.pull(Number(more[0]))
        : undefined;
      if (!pull) {
        return error(
          404,
          `Pull request ${more[0]} does not exist in ${key}/${slug}.`,
          'com.atlassian.bitbucket.pull.NoSuchPullRequestException',
        );
      }
      if (more.length === 1 && method === 'GET') {
        return { status: 200, body: pullJson(context, pull) };
      }
      if (more.length === 2 && more[1] === 'merge' && method === 'GET') {
        return { status: 200, body: mergeStatus(repo, pull) };
      }
      if (more.length === 2 && more[1] === 'merge' && method === 'POST') {
        return merge(context, pull);
      }
    }
    return error(404, 'Not found');
  };

  const server: LoopbackServer = await startLoopbackServer(handle);
  baseUrl = server.url;
  double = {
    baseUrl: server.url,
    apiBaseUrl: `${server.url}/rest/api/1.0`,
    host: new URL(server.url).host,
    token,
    requests: server.requests,
    addRepository(fullName) {
      const [key, slug] = fullName.split('/');
      const repo = new BitbucketServerRepositoryDouble(
        key,
        slug,
        new RepositoryModel(),
      );
      repositories.push(repo);
      return repo;
    },
    repository: fullName =>
      repositories.find(repo => `${repo.projectKey}/${repo.slug}` === fullName),
    close: () => server.close(),
  };
  return double;
}

interface Context {
  repo: BitbucketServerRepositoryDouble;
  request: DoubleRequest;
  baseUrl: string;
}

function error(
  status: number,
  message: string,
  exceptionName?: string,
): DoubleResponse {
  return {
    status,
    body: { errors: [{ context: null, message, exceptionName }] },
  };
}

function branchOf(ref: string | null): string | undefined {
  return ref?.startsWith('refs/heads/')
    ? ref.slice('refs/heads/'.length)
    : ref ?? undefined;
}

function page(request: DoubleRequest, values: unknown[]): DoubleResponse {
  const start = Number(request.query.get('start') ?? 0);
  const limit = Math.min(Number(request.query.get('limit') ?? 25), 1000);
  const slice = values.slice(start, start + limit);
  const isLastPage = start + limit >= values.length;
  return {
    status: 200,
    body: {
      size: slice.length,
      limit,
      start,
      isLastPage,
      values: slice,
      ...(isLastPage ? {} : { nextPageStart: start + limit }),
    },
  };
}

function field(body: unknown, ...path: string[]): unknown {
  let value: unknown = body;
  for (const name of path) {
    value =
      typeof value === 'object' && value !== null
        ? Reflect.get(value, name)
        : undefined;
  }
  return value;
}

function pullJson({ repo, baseUrl }: Context, pull: BitbucketServerPullDouble) {
  const repository = {
    slug: repo.slug,
    project: { key: repo.projectKey },
  };
  return {
    id: pull.id,
    version: pull.version,
    title: pull.title,
    description: pull.description,
    state: pull.state,
    open: pull.state === 'OPEN',
    closed: pull.state !== 'OPEN',
    createdDate: pull.createdDate,
    updatedDate: pull.createdDate,
    fromRef: {
      id: `refs/heads/${pull.source}`,
      displayId: pull.source,
      latestCommit: repo.headSha(pull),
      repository,
    },
    toRef: {
      id: `refs/heads/${pull.destination}`,
      displayId: pull.destination,
      latestCommit: repo.git.head(pull.destination)?.sha,
      repository,
    },
    ...(pull.mergeCommitSha
      ? {
          properties: {
            mergeCommit: {
              id: pull.mergeCommitSha,
              displayId: pull.mergeCommitSha.slice(0, 11),
            },
          },
        }
      : {}),
    links: {
      self: [
        {
          href: `${baseUrl}/projects/${repo.projectKey}/repos/${repo.slug}/pull-requests/${pull.id}`,
        },
      ],
    },
  };
}

function list(context: Context): DoubleResponse {
  const { repo, request } = context;
  const state = request.query.get('state') ?? 'OPEN';
  const at = branchOf(request.query.get('at'));
  const direction = request.query.get('direction') ?? 'INCOMING';
  const matching = repo.pulls
    .filter(pull => state === 'ALL' || pull.state === state)
    .filter(
      pull =>
        !at ||
        (direction === 'OUTGOING' ? pull.source : pull.destination) === at,
    )
    .sort((a, b) =>
      request.query.get('order') === 'OLDEST' ? a.id - b.id : b.id - a.id,
    );
  return page(
    request,
    matching.map(pull => pullJson(context, pull)),
  );
}

function create(context: Context, now: () => number): DoubleResponse {
  const { repo, request } = context;
  const title = field(request.body, 'title');
  const source = branchOf(field(request.body, 'fromRef', 'id') as string);
  const destination = branchOf(field(request.body, 'toRef', 'id') as string);
  if (typeof title !== 'string' || title === '') {
    return error(400, 'A title is required.');
  }
  for (const branch of [source, destination]) {
    if (!branch || !repo.git.head(branch)) {
      return error(
        404,
        `Repository "${repo.slug}" of project with key "${repo.projectKey}" has no branch "${branch}"`,
        'com.atlassian.bitbucket.repository.NoSuchBranchException',
      );
    }
  }
  if (source === destination) {
    return error(
      409,
      'The source and target refs are the same.',
      'com.atlassian.bitbucket.pull.InvalidPullRequestTargetException',
    );
  }
  const existing = repo.pulls.find(
    pull =>
      pull.state === 'OPEN' &&
      pull.source === source &&
      pull.destination === destination,
  );
  if (existing) {
    return {
      status: 409,
      body: {
        errors: [
          {
            message: `Only one pull request may be open for a given source and target branch`,
            exceptionName:
              'com.atlassian.bitbucket.pull.DuplicatePullRequestException',
            existingPullRequest: pullJson(context, existing),
          },
        ],
      },
    };
  }
  const description = field(request.body, 'description');
  const pull: BitbucketServerPullDouble = {
    id: repo.pulls.length + 1,
    version: 0,
    title,
    description: typeof description === 'string' ? description : '',
    source: source!,
    destination: destination!,
    state: 'OPEN',
    createdDate: now(),
  };
  repo.pulls.push(pull);
  return { status: 201, body: pullJson(context, pull) };
}

function mergeStatus(
  repo: BitbucketServerRepositoryDouble,
  pull: BitbucketServerPullDouble,
) {
  if (pull.state !== 'OPEN') {
    return {
      canMerge: false,
      conflicted: false,
      outcome: 'UNKNOWN',
      vetoes: [],
    };
  }
  const conflicted = repo.git.conflicts(pull.source, pull.destination);
  const vetoes = pull.veto
    ? [{ summaryMessage: 'Merge check', detailedMessage: pull.veto }]
    : [];
  return {
    canMerge: !conflicted && vetoes.length === 0,
    conflicted,
    outcome: conflicted ? 'CONFLICTED' : 'CLEAN',
    vetoes,
  };
}

function merge(
  context: Context,
  pull: BitbucketServerPullDouble,
): DoubleResponse {
  const { repo, request } = context;
  const version = request.query.get('version');
  if (version === null) {
    return error(400, 'You must specify a version for the pull request.');
  }
  if (Number(version) !== pull.version) {
    return error(
      409,
      'You are attempting to modify a pull request based on out-of-date information.',
      'com.atlassian.bitbucket.pull.PullRequestOutOfDateException',
    );
  }
  const strategy = field(request.body, 'strategyId') ?? 'no-ff';
  if (typeof strategy !== 'string' || !STRATEGIES.includes(strategy)) {
    return error(
      400,
      `The merge strategy "${String(strategy)}" is not enabled.`,
    );
  }
  if (pull.state !== 'OPEN') {
    return error(409, 'The pull request is not open.');
  }
  const status = mergeStatus(repo, pull);
  if (status.conflicted) {
    return error(
      409,
      'The pull request has conflicts and cannot be merged.',
      'com.atlassian.bitbucket.pull.PullRequestMergeVetoedException',
    );
  }
  if (pull.veto) {
    return error(
      409,
      pull.veto,
      'com.atlassian.bitbucket.pull.PullRequestMergeVetoedException',
    );
  }
  repo.merge(pull.id, strategy);
  return { status: 200, body: pullJson(context, pull) };
}
