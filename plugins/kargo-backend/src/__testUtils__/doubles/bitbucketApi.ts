/*
 * TEST DOUBLE of the Bitbucket Cloud REST API 2.0 (https://developer.atlassian.com/cloud/bitbucket/rest/), for
 * tests only.
 *
 * A node HTTP server on 127.0.0.1 that speaks the part of the API the pull request steps use, with Bitbucket's
 * status codes and JSON shapes (errors as `{"type":"error","error":{"message":...}}`, pages as
 * `{"values":[...],"next":<absolute URL>}`, commits of pull requests by 12-character hash):
 *   GET  /2.0/repositories/:workspace/:slug/refs/branches/:name          200 | 404
 *   GET  /2.0/repositories/:workspace/:slug/commit/:hash                  200 (full hash) | 404
 *   GET  /2.0/repositories/:workspace/:slug/diffstat/:source..:dest       200 | 404
 *   GET  /2.0/repositories/:workspace/:slug/pullrequests?state&q&pagelen&page   200, paged
 *   POST /2.0/repositories/:workspace/:slug/pullrequests                  201 | 400 (missing title, unknown
 *                                                                         branch, same branches)
 *   GET  /2.0/repositories/:workspace/:slug/pullrequests/:id              200 | 404
 *   POST /2.0/repositories/:workspace/:slug/pullrequests/:id/merge        200 | 400 (merge checks, conflicts,
 *                                                                         bad strategy) | 404
 * `q` understands the form `source.branch.name = "a" AND destination.branch.name = "b"`; anything else is 400.
 * Every request needs basic auth with the double's user and API token: 401 otherwise.
 */
import {
  DoubleRequest,
  DoubleResponse,
  LoopbackServer,
  startLoopbackServer,
} from './loopbackServer';
import { RepositoryModel } from './repositoryModel';

/** A pull request as the double stores it. */
export interface BitbucketPullDouble {
  id: number;
  title: string;
  description: string;
  source: string;
  destination: string;
  state: 'OPEN' | 'MERGED' | 'DECLINED';
  frozenSha?: string;
  mergeCommitSha?: string;
  createdOn: string;
  draft: boolean;
  /** Set by a test: a merge check (builds, approvals) is not met yet. */
  unmetMergeCheck?: string;
}

/** A repository of the double. */
export class BitbucketRepositoryDouble {
  readonly pulls: BitbucketPullDouble[] = [];

  constructor(readonly fullName: string, readonly git: RepositoryModel) {}

  pull(id: number): BitbucketPullDouble | undefined {
    return this.pulls.find(pull => pull.id === id);
  }

  merge(id: number, strategy = 'merge_commit'): void {
    const pull = this.pull(id);
    if (!pull || pull.state !== 'OPEN') throw new Error(`#${id} is not open`);
    const headSha = this.git.head(pull.source)!.sha;
    if (strategy === 'fast_forward') {
      pull.mergeCommitSha = this.git.fastForward(
        pull.source,
        pull.destination,
      ).sha;
    } else {
      pull.mergeCommitSha = this.git.merge(
        pull.source,
        pull.destination,
        strategy.startsWith('squash') ? 'squash' : 'merge',
        `Merged in ${pull.source} (pull request #${id})\n\n${pull.title}`,
      ).sha;
    }
    pull.frozenSha = headSha;
    pull.state = 'MERGED';
  }

  decline(id: number): void {
    const pull = this.pull(id);
    if (!pull) throw new Error(`no pull request #${id}`);
    pull.frozenSha = this.git.head(pull.source)?.sha;
    pull.state = 'DECLINED';
  }

  headSha(pull: BitbucketPullDouble): string {
    return pull.frozenSha ?? this.git.head(pull.source)?.sha ?? '';
  }
}

/** A running Bitbucket Cloud API double. */
export interface BitbucketApiDouble {
  /** `<server>/2.0`, in place of `https://api.bitbucket.org/2.0`. */
  apiBaseUrl: string;
  username: string;
  token: string;
  requests: DoubleRequest[];
  addRepository(fullName: string): BitbucketRepositoryDouble;
  repository(fullName: string): BitbucketRepositoryDouble | undefined;
  close(): Promise<void>;
}

const QUERY =
  /^source\.branch\.name = "((?:[^"\\]|\\.)*)" AND destination\.branch\.name = "((?:[^"\\]|\\.)*)"$/;

/** Starts a Bitbucket Cloud API double on a loopback port. */
export async function startBitbucketApiDouble(
  options: { username?: string; token?: string } = {},
): Promise<BitbucketApiDouble> {
  const username = options.username ?? 'kargo-bot';
  const token = options.token ?? 'ATBB-bitbucket-double-token';
  const basic = `Basic ${Buffer.from(`${username}:${token}`).toString(
    'base64',
  )}`;
  const repositories: BitbucketRepositoryDouble[] = [];
  let baseUrl = '';

  const handle = (request: DoubleRequest): DoubleResponse => {
    if (request.headers.authorization !== basic) {
      return error(401, 'Unauthorized');
    }
    const [version, root, workspace, slug, collection, ...rest] =
      request.segments.map(decodeURIComponent);
    if (version !== '2.0' || root !== 'repositories' || !slug) {
      return error(404, 'Resource not found');
    }
    const repo = repositories.find(
      candidate => candidate.fullName === `${workspace}/${slug}`,
    );
    if (!repo) return error(404, 'Repository not found');
    const context: Context = {
      repo,
      request,
      apiBase: `${baseUrl}/2.0/repositories/${repo.fullName}`,
    };
    const method = request.method;

    if (collection === 'refs' && rest[0] === 'branches' && method === 'GET') {
      const name = rest.slice(1).join('/');
      const head = repo.git.head(name);
      if (!head) return error(404, `Branch "${name}" not found`);
      return {
        status: 200,
        body: {
          type: 'branch',
          name,
          target: {
            type: 'commit',
            hash: head.sha,
            message: head.message,
            date: head.date,
          },
        },
      };
    }
    if (collection === 'commit' && method === 'GET' && rest.length === 1) {
      const matches = [...repo.git.commits.keys()].filter(sha =>
        sha.startsWith(rest[0]),
      );
      if (matches.length !== 1) return error(404, `Commit not found`);
      const commit = repo.git.commits.get(matches[0])!;
      return {
        status: 200,
        body: { type: 'commit', hash: commit.sha, message: commit.message },
      };
    }
    if (collection === 'diffstat' && method === 'GET' && rest.length > 0) {
      const [source, destination] = rest.join('/').split('..');
      const comparison = destination
        ? repo.git.compare(destination, source)
        : undefined;
      if (!comparison) return error(404, 'Ref not found');
      return {
        status: 200,
        body: {
          pagelen: 500,
          values: comparison.changedFiles.map(path => ({
            type: 'diffstat',
            status: 'modified',
            new: { path },
            old: { path },
          })),
          page: 1,
          size: comparison.changedFiles.length,
        },
      };
    }
    if (collection === 'pullrequests') {
      if (rest.length === 0 && method === 'GET') return list(context);
      if (rest.length === 0 && method === 'POST') return create(context);
      const pull = /^\d+$/.test(rest[0])
        ? repo.pull(Number(rest[0]))
        : undefined;
      if (!pull) return error(404, 'Pull request not found');
      if (rest.length === 1 && method === 'GET') {
        return { status: 200, body: pullJson(context, pull) };
      }
      if (rest.length === 2 && rest[1] === 'merge' && method === 'POST') {
        return merge(context, pull);
      }
    }
    return error(404, 'Resource not found');
  };

  const server: LoopbackServer = await startLoopbackServer(handle);
  baseUrl = server.url;
  return {
    apiBaseUrl: `${server.url}/2.0`,
    username,
    token,
    requests: server.requests,
    addRepository(fullName) {
      const repo = new BitbucketRepositoryDouble(
        fullName,
        new RepositoryModel(),
      );
      repositories.push(repo);
      return repo;
    },
    repository: fullName =>
      repositories.find(repo => repo.fullName === fullName),
    close: () => server.close(),
  };
}

interface Context {
  repo: BitbucketRepositoryDouble;
  request: DoubleRequest;
  apiBase: string;
}

function error(status: number, message: string): DoubleResponse {
  return { status, body: { type: 'error', error: { message } } };
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

function pullJson({ repo, apiBase }: Context, pull: BitbucketPullDouble) {
  return {
    type: 'pullrequest',
    id: pull.id,
    title: pull.title,
    description: pull.description,
    state: pull.state,
    draft: pull.draft,
    source: {
      branch: { name: pull.source },
      commit: { type: 'commit', hash: repo.headSha(pull).slice(0, 12) },
      repository: { full_name: repo.fullName },
    },
    destination: {
      branch: { name: pull.destination },
      commit: {
        type: 'commit',
        hash: repo.git.head(pull.destination)?.sha.slice(0, 12),
      },
      repository: { full_name: repo.fullName },
    },
    merge_commit: pull.mergeCommitSha
      ? { hash: pull.mergeCommitSha.slice(0, 12) }
      : null,
    created_on: pull.createdOn,
    links: {
      self: { href: `${apiBase}/pullrequests/${pull.id}` },
      html: {
        href: `https://bitbucket.org/${repo.fullName}/pull-requests/${pull.id}`,
      },
    },
  };
}

function list(context: Context): DoubleResponse {
  const { repo, request } = context;
  const state = request.query.get('state') ?? 'OPEN';
  const q = request.query.get('q');
  let filter = (_: BitbucketPullDouble) => true;
  if (q) {
    const match = QUERY.exec(q);
    if (!match) return error(400, `Invalid query: ${q}`);
    const unquote = (value: string) => value.replace(/\\(.)/g, '$1');
    filter = pull =>
      pull.source === unquote(match[1]) &&
      pull.destination === unquote(match[2]);
  }
  const matching = repo.pulls
    .filter(pull => pull.state === state)
    .filter(filter)
    .sort((a, b) => b.id - a.id);
  const pagelen = Math.min(Number(request.query.get('pagelen') ?? 10), 50);
  const page = Number(request.query.get('page') ?? 1);
  const next = new URL(`${context.apiBase}/pullrequests`);
  request.query.forEach((value, key) => next.searchParams.set(key, value));
  next.searchParams.set('page', String(page + 1));
  return {
    status: 200,
    body: {
      pagelen,
      size: matching.length,
      page,
      values: matching
        .slice((page - 1) * pagelen, page * pagelen)
        .map(pull => pullJson(context, pull)),
      ...(page * pagelen < matching.length ? { next: next.toString() } : {}),
    },
  };
}

function create(context: Context): DoubleResponse {
  const { repo, request } = context;
  const title = field(request.body, 'title');
  const source = field(request.body, 'source', 'branch', 'name');
  const destination =
    field(request.body, 'destination', 'branch', 'name') ??
    repo.git.defaultBranch;
  if (typeof title !== 'string' || title === '') {
    return error(400, 'title: This field is required.');
  }
  if (typeof source !== 'string' || !repo.git.head(source)) {
    return error(400, 'source: Branch not found');
  }
  if (typeof destination !== 'string' || !repo.git.head(destination)) {
    return error(400, 'destination: Branch not found');
  }
  if (source === destination) {
    return error(
      400,
      "You can't create a pull request from a branch to itself.",
    );
  }
  // Bitbucket answers an existing open pull request for the same branches with that pull request.
  const existing = repo.pulls.find(
    pull =>
      pull.state === 'OPEN' &&
      pull.source === source &&
      pull.destination === destination,
  );
  if (existing) return { status: 200, body: pullJson(context, existing) };
  const description = field(request.body, 'description');
  const pull: BitbucketPullDouble = {
    id: repo.pulls.length + 1,
    title,
    description: typeof description === 'string' ? description : '',
    source,
    destination,
    state: 'OPEN',
    createdOn: new Date(
      Date.UTC(2026, 0, 1) + repo.pulls.length * 1000,
    ).toISOString(),
    draft: field(request.body, 'draft') === true,
  };
  repo.pulls.push(pull);
  return { status: 201, body: pullJson(context, pull) };
}

function merge(context: Context, pull: BitbucketPullDouble): DoubleResponse {
  const { repo, request } = context;
  const strategy = field(request.body, 'merge_strategy') ?? 'merge_commit';
  if (
    typeof strategy !== 'string' ||
    !['merge_commit', 'squash', 'fast_forward'].includes(strategy)
  ) {
    return error(
      400,
      `merge_strategy: "${String(strategy)}" is not a valid choice.`,
    );
  }
  if (pull.state !== 'OPEN')
    return error(400, "You can't merge a pull request that is not open.");
  if (pull.unmetMergeCheck) return error(400, pull.unmetMergeCheck);
  if (repo.git.conflicts(pull.source, pull.destination)) {
    return error(400, 'There are merge conflicts in this pull request.');
  }
  repo.merge(pull.id, strategy);
  return { status: 200, body: pullJson(context, pull) };
}
