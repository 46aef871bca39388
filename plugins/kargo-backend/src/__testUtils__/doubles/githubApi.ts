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
 * and, for repositories added with `addGitRepository` (a real bare repository), the Git database endpoints
 * (`git/ref`, `git/commits`, `git/refs`) and `compare` on real Git history: see githubGitData.ts.
 * Every request needs `Authorization: Bearer <token>` (or `token <token>`): 401 "Requires authentication"
 * without one, 401 "Bad credentials" with another; with `rateLimitExhausted`, 403 "API rate limit exceeded"
 * and `x-ratelimit-remaining: 0`. Unknown repositories answer 404 "Not Found".
 * With `enterprise: true` the API lives under `/api/v3`, as on GitHub Enterprise Server.
 *
 * State is in memory and public: tests add repositories and commits (`RepositoryModel`), read the pull
 * requests the code under test opened, and act as a user on github.com would (`mergePull`, `closePull`, a
 * `mergeableState` such as `blocked`, a `mergeRefusal` message for the merge endpoint).
 */
import {
  DoubleRequest,
  DoubleResponse,
  LoopbackServer,
  startLoopbackServer,
} from './loopbackServer';
import { RepositoryModel } from './repositoryModel';
import {
  addLabels,
  compare,
  Context,
  createPull,
  error,
  getBranch,
  getPull,
  listPulls,
  mergePull,
  notFound,
} from './githubHandlers';
import { GithubRepositoryDouble } from './githubRepository';
import {
  GithubGitRepositoryDouble,
  handleGitRepository,
} from './githubGitData';

export { GithubRepositoryDouble } from './githubRepository';
export { GithubGitRepositoryDouble } from './githubGitData';
export type { GithubPullDouble } from './githubRepository';

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
  onRequest?: (request: DoubleRequest) => void | Promise<void>;
  /** While true, every authenticated request is refused as GitHub does when the rate limit is used up. */
  rateLimitExhausted: boolean;
  /** Creates a repository with one commit on its default branch. */
  addRepository(
    fullName: string,
    options?: { defaultBranch?: string },
  ): GithubRepositoryDouble;
  repository(fullName: string): GithubRepositoryDouble | undefined;
  /**
   * Serves the bare repository at `gitDir` (a test Git server's) as `fullName` through the Git database and
   * comparison endpoints (githubGitData.ts), for clients that push over Git and then work through the API.
   */
  addGitRepository(fullName: string, gitDir: string): GithubGitRepositoryDouble;
  /** Who commits GitHub makes for the token's identity are attributed to. */
  appIdentity: { name: string; email: string };
  close(): Promise<void>;
}

/** Starts a GitHub API double on a loopback port. */
export async function startGithubApiDouble(
  options: {
    token?: string;
    webHost?: string;
    enterprise?: boolean;
    /** Serves HTTPS with this key and certificate (a self-signed one, as a GitHub Enterprise Server may have). */
    tls?: { key: string; cert: string };
  } = {},
): Promise<GithubApiDouble> {
  const token = options.token ?? 'ghp_doubletoken0000000000000000000000';
  const webHost = options.webHost ?? 'github.com';
  const prefix = options.enterprise ? ['api', 'v3'] : [];
  const repositories = new Map<string, GithubRepositoryDouble>();
  const gitRepositories = new Map<string, GithubGitRepositoryDouble>();
  const appIdentity = {
    name: 'kargo-portal[bot]',
    email: '1+kargo-portal[bot]@users.noreply.github.com',
  };
  let server: LoopbackServer | undefined = undefined;
  const apiBaseUrl = () => `${server!.url}${prefix.map(p => `/${p}`).join('')}`;

  let api: GithubApiDouble | undefined = undefined;

  const handle = async (request: DoubleRequest): Promise<DoubleResponse> => {
    const authorization = request.headers.authorization;
    if (!authorization) {
      return error(401, 'Requires authentication');
    }
    const match = /^(?:Bearer|token) (.+)$/.exec(authorization);
    if (!match || match[1] !== token) return error(401, 'Bad credentials');
    await api?.onRequest?.(request);
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
    const gitRepository = gitRepositories.get(`${owner}/${repo}`.toLowerCase());
    if (gitRepository) {
      return handleGitRepository(
        { repository: gitRepository, request, apiBaseUrl: apiBaseUrl() },
        collection,
        rest,
      );
    }
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

  server = await startLoopbackServer(handle, { tls: options.tls });
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
    appIdentity,
    addGitRepository(fullName, gitDir) {
      const [owner, name] = fullName.split('/');
      const repository = new GithubGitRepositoryDouble(
        owner,
        name,
        gitDir,
        appIdentity,
      );
      gitRepositories.set(fullName.toLowerCase(), repository);
      return repository;
    },
    close: () => started.close(),
  };
  return api;
}
