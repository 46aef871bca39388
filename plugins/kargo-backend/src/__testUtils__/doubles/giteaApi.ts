/*
 * TEST DOUBLE of the Gitea REST API v1 (https://gitea.com/api/swagger), for tests only.
 *
 * A node HTTP server on 127.0.0.1 that speaks the part of the API the pull request steps use, with Gitea's
 * status codes and JSON shapes:
 *   GET  /api/v1/repos/:owner/:repo/branches/:branch          200 | 404
 *   GET  /api/v1/repos/:owner/:repo/compare/:base...:head     200 (commits, total_commits, files) | 404
 *   GET  /api/v1/repos/:owner/:repo/labels?page&limit         200
 *   GET  /api/v1/repos/:owner/:repo/pulls?state&page&limit    200, newest first, `X-Total-Count`
 *   POST /api/v1/repos/:owner/:repo/pulls                     201 | 404 (unknown branch) | 409 (already exists) |
 *                                                             422 (missing title, same branches, unknown label id)
 *   GET  /api/v1/repos/:owner/:repo/pulls/:index              200 | 404
 *   POST /api/v1/repos/:owner/:repo/pulls/:index/merge        200 | 405 (not mergeable, draft, closed) |
 *                                                             409 (head_commit_id is not the head) | 422 (bad Do)
 * Every request needs basic auth with the double's user and password, or `Authorization: token <password>`:
 * 401 otherwise. Unknown repositories answer 404.
 *
 * State is in memory and public: tests add repositories, labels and commits (`RepositoryModel`), read the pull
 * requests the code under test opened, and act as a user would (`merge`, `close`, `blocked` for failing checks).
 */
import {
  DoubleRequest,
  DoubleResponse,
  LoopbackServer,
  startLoopbackServer,
} from './loopbackServer';
import { RepositoryModel } from './repositoryModel';

/** A pull request as the double stores it. */
export interface GiteaPullDouble {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  merged: boolean;
  frozenSha?: string;
  mergeCommitSha?: string;
  createdAt: string;
  draft: boolean;
  labelIds: number[];
  /** Set by a test: checks or approvals missing, so Gitea refuses the merge with 405. */
  blocked?: boolean;
}

/** A repository of the double. */
export class GiteaRepositoryDouble {
  readonly pulls: GiteaPullDouble[] = [];
  readonly labels: { id: number; name: string }[] = [];

  constructor(readonly fullName: string, readonly git: RepositoryModel) {}

  pull(number: number): GiteaPullDouble | undefined {
    return this.pulls.find(pull => pull.number === number);
  }

  addLabel(name: string): number {
    const id = 100 + this.labels.length;
    this.labels.push({ id, name });
    return id;
  }

  mergeable(pull: GiteaPullDouble): boolean {
    return (
      pull.state === 'open' &&
      !pull.blocked &&
      !this.git.conflicts(pull.head, pull.base)
    );
  }

  /** Merges a pull request as a user would in Gitea's UI. */
  merge(number: number, style = 'merge'): void {
    const pull = this.pull(number);
    if (!pull || pull.state !== 'open')
      throw new Error(`#${number} is not open`);
    const headSha = this.git.head(pull.head)!.sha;
    if (style === 'fast-forward-only') {
      pull.mergeCommitSha = this.git.fastForward(pull.head, pull.base).sha;
    } else {
      let method: 'merge' | 'squash' | 'rebase' = 'merge';
      if (style === 'squash') method = 'squash';
      else if (style === 'rebase') method = 'rebase';
      pull.mergeCommitSha = this.git.merge(
        pull.head,
        pull.base,
        method,
        `Merge pull request '${pull.title}' (#${number}) from ${pull.head} into ${pull.base}`,
      ).sha;
    }
    pull.frozenSha = headSha;
    pull.merged = true;
    pull.state = 'closed';
  }

  close(number: number): void {
    const pull = this.pull(number);
    if (!pull) throw new Error(`no pull request #${number}`);
    pull.frozenSha = this.git.head(pull.head)?.sha;
    pull.state = 'closed';
  }

  headSha(pull: GiteaPullDouble): string {
    return pull.frozenSha ?? this.git.head(pull.head)?.sha ?? '';
  }
}

/** A running Gitea API double. */
export interface GiteaApiDouble {
  /** The server root: what to configure as `integrations.gitea[].baseUrl`. */
  baseUrl: string;
  username: string;
  password: string;
  /** Base of `html_url`s, e.g. `https://gitea.acme.test`. */
  webBaseUrl: string;
  requests: DoubleRequest[];
  addRepository(fullName: string): GiteaRepositoryDouble;
  repository(fullName: string): GiteaRepositoryDouble | undefined;
  close(): Promise<void>;
}

/** Starts a Gitea API double on a loopback port. */
export async function startGiteaApiDouble(
  options: { username?: string; password?: string; webBaseUrl?: string } = {},
): Promise<GiteaApiDouble> {
  const username = options.username ?? 'kargo-bot';
  const password = options.password ?? 'gitea-double-password';
  const webBaseUrl = options.webBaseUrl ?? 'https://gitea.acme.test';
  const repositories: GiteaRepositoryDouble[] = [];
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString(
    'base64',
  )}`;

  const handle = (request: DoubleRequest): DoubleResponse => {
    const authorization = request.headers.authorization;
    if (authorization !== basic && authorization !== `token ${password}`) {
      return message(401, 'user does not exist');
    }
    const [api, version, repos, owner, name, collection, ...rest] =
      request.segments.map(decodeURIComponent);
    if (api !== 'api' || version !== 'v1' || repos !== 'repos' || !name) {
      return message(404, 'not found');
    }
    const repo = repositories.find(
      candidate =>
        candidate.fullName.toLowerCase() === `${owner}/${name}`.toLowerCase(),
    );
    if (!repo) return message(404, "The target couldn't be found.");
    const html = `${webBaseUrl}/${repo.fullName}`;
    const context = { repo, request, html };
    const method = request.method;

    if (collection === 'branches' && method === 'GET' && rest.length > 0) {
      const head = repo.git.head(rest.join('/'));
      if (!head) return message(404, 'branch does not exist');
      return {
        status: 200,
        body: {
          name: rest.join('/'),
          commit: { id: head.sha, message: head.message, timestamp: head.date },
          protected: false,
        },
      };
    }
    if (collection === 'compare' && method === 'GET' && rest.length > 0) {
      const [base, head] = rest.join('/').split('...');
      const comparison = head ? repo.git.compare(base, head) : undefined;
      if (!comparison) return message(404, "target couldn't be found");
      return {
        status: 200,
        body: {
          total_commits: comparison.ahead.length,
          commits: comparison.ahead.map(commit => ({
            sha: commit.sha,
            commit: { message: commit.message },
          })),
          files: comparison.changedFiles.map(filename => ({
            filename,
            status: 'changed',
          })),
        },
      };
    }
    if (collection === 'labels' && method === 'GET' && rest.length === 0) {
      return { status: 200, body: paginate(request, repo.labels).page };
    }
    if (collection === 'pulls') {
      if (rest.length === 0 && method === 'GET') return list(context);
      if (rest.length === 0 && method === 'POST') return create(context);
      const pull = /^\d+$/.test(rest[0])
        ? repo.pull(Number(rest[0]))
        : undefined;
      if (!pull) return message(404, 'pull request does not exist');
      if (rest.length === 1 && method === 'GET') {
        return { status: 200, body: pullJson(context, pull) };
      }
      if (rest.length === 2 && rest[1] === 'merge' && method === 'POST') {
        return merge(context, pull);
      }
    }
    return message(404, 'not found');
  };

  const server: LoopbackServer = await startLoopbackServer(handle);
  return {
    baseUrl: server.url,
    username,
    password,
    webBaseUrl,
    requests: server.requests,
    addRepository(fullName) {
      const repo = new GiteaRepositoryDouble(fullName, new RepositoryModel());
      repositories.push(repo);
      return repo;
    },
    repository: fullName =>
      repositories.find(
        repo => repo.fullName.toLowerCase() === fullName.toLowerCase(),
      ),
    close: () => server.close(),
  };
}

interface Context {
  repo: GiteaRepositoryDouble;
  request: DoubleRequest;
  html: string;
}

function message(status: number, text: string): DoubleResponse {
  return {
    status,
    body: { message: text, url: 'https://gitea.com/api/swagger' },
  };
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null
    ? Reflect.get(body, name)
    : undefined;
}

function paginate<T>(request: DoubleRequest, items: T[]) {
  const limit = Math.min(Number(request.query.get('limit') ?? 30), 50);
  const page = Number(request.query.get('page') ?? 1);
  return {
    page: items.slice((page - 1) * limit, page * limit),
    total: items.length,
  };
}

function pullJson({ repo, html }: Context, pull: GiteaPullDouble) {
  const headSha = repo.headSha(pull);
  return {
    id: 9000 + pull.number,
    number: pull.number,
    title: pull.title,
    body: pull.body,
    state: pull.state,
    draft: pull.draft,
    merged: pull.merged,
    mergeable: repo.mergeable(pull),
    merge_commit_sha: pull.mergeCommitSha ?? null,
    html_url: `${html}/pulls/${pull.number}`,
    labels: repo.labels.filter(label => pull.labelIds.includes(label.id)),
    head: { ref: pull.head, label: pull.head, sha: headSha },
    base: {
      ref: pull.base,
      label: pull.base,
      sha: repo.git.head(pull.base)?.sha,
    },
    created_at: pull.createdAt,
  };
}

function list(context: Context): DoubleResponse {
  const state = context.request.query.get('state') ?? 'open';
  const matching = context.repo.pulls
    .filter(pull => state === 'all' || pull.state === state)
    .sort((a, b) => b.number - a.number);
  const { page, total } = paginate(context.request, matching);
  return {
    status: 200,
    body: page.map(pull => pullJson(context, pull)),
    headers: { 'X-Total-Count': String(total) },
  };
}

function create(context: Context): DoubleResponse {
  const { repo, request } = context;
  const head = field(request.body, 'head');
  const base = field(request.body, 'base');
  const title = field(request.body, 'title');
  if (typeof title !== 'string' || title === '') {
    return message(422, '[Title]: Required');
  }
  if (typeof head !== 'string' || typeof base !== 'string' || head === base) {
    return message(
      422,
      'Invalid PullRequest: There are no changes between the head and the base',
    );
  }
  if (!repo.git.head(head) || !repo.git.head(base)) {
    return message(404, "The target couldn't be found.");
  }
  const existing = repo.pulls.find(
    pull => pull.state === 'open' && pull.head === head && pull.base === base,
  );
  if (existing) {
    return message(
      409,
      `pull request already exists for these targets [id: ${existing.number}, issue_id: ${existing.number}, head_repo_id: 1, base_repo_id: 1, head_branch: ${head}, base_branch: ${base}]`,
    );
  }
  const rawLabels = field(request.body, 'labels');
  const labelIds = Array.isArray(rawLabels) ? rawLabels.map(Number) : [];
  if (labelIds.some(id => !repo.labels.some(label => label.id === id))) {
    return message(422, 'label does not exist');
  }
  const pull: GiteaPullDouble = {
    number: repo.pulls.length + 1,
    title,
    body:
      typeof field(request.body, 'body') === 'string'
        ? String(field(request.body, 'body'))
        : '',
    head,
    base,
    state: 'open',
    merged: false,
    createdAt: new Date(
      Date.UTC(2026, 0, 1) + repo.pulls.length * 1000,
    ).toISOString(),
    draft: /^(wip:|\[wip\]|draft:)/i.test(title),
    labelIds,
  };
  repo.pulls.push(pull);
  return { status: 201, body: pullJson(context, pull) };
}

function merge(context: Context, pull: GiteaPullDouble): DoubleResponse {
  const { repo, request } = context;
  const style = field(request.body, 'Do');
  if (
    typeof style !== 'string' ||
    ![
      'merge',
      'rebase',
      'rebase-merge',
      'squash',
      'fast-forward-only',
    ].includes(style)
  ) {
    return message(422, '[Do]: Required');
  }
  if (
    pull.merged ||
    pull.state !== 'open' ||
    pull.draft ||
    !repo.mergeable(pull)
  ) {
    return message(405, 'Please try again later');
  }
  const expected = field(request.body, 'head_commit_id');
  if (
    typeof expected === 'string' &&
    expected !== '' &&
    expected !== repo.headSha(pull)
  ) {
    return message(409, 'head out of date');
  }
  repo.merge(pull.number, style);
  return { status: 200 };
}
