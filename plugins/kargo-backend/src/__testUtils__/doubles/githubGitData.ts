/*
 * TEST DOUBLE of GitHub's Git database and comparison API (https://docs.github.com/rest/git), for tests only,
 * part of the GitHub API double (githubApi.ts). Unlike the pull request endpoints, which work on an in-memory
 * model, these act on a real bare repository on disk (the one a test Git server serves), with the git CLI, so
 * that what a client pushes over Git and what it does through the API meet, as on github.com:
 *   GET    /repos/{owner}/{repo}/git/ref/{ref}                 200 | 404 "Not Found"
 *   GET    /repos/{owner}/{repo}/git/commits/{sha}             200 (with `verification`) | 404
 *   POST   /repos/{owner}/{repo}/git/commits                   201 | 422 (missing or unknown tree or parent)
 *   POST   /repos/{owner}/{repo}/git/refs                      201 | 422 "Reference already exists"
 *   PATCH  /repos/{owner}/{repo}/git/refs/{ref}                200 | 422 "Update is not a fast forward" |
 *                                                              422 "Reference does not exist"
 *   DELETE /repos/{owner}/{repo}/git/refs/{ref}                204 | 422 "Reference does not exist"
 *   GET    /repos/{owner}/{repo}/compare/{base}...{head}       200 (status, ahead_by, behind_by, merge_base_commit,
 *                                                              commits oldest first, at most 250) | 404
 * A commit created without `author` and `committer` is GitHub's: attributed to the authenticated identity (the
 * double's `appIdentity`) and marked `verification.verified: true`, as GitHub does when it signs a commit with
 * its own key (the double records the mark; it does not sign). A commit created with them is kept as given and
 * unverified.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { DoubleRequest, DoubleResponse } from './loopbackServer';

const execFileAsync = promisify(execFile);

/** An identity as the Git database API takes and returns it. */
interface ApiIdentity {
  name?: string;
  email?: string;
  date?: string;
}

/** A repository of the double backed by a bare repository on disk. */
export class GithubGitRepositoryDouble {
  /** Commits GitHub would have signed (created through the API without author and committer). */
  readonly verified = new Set<string>();

  constructor(
    readonly owner: string,
    readonly name: string,
    /** The bare repository. */
    readonly gitDir: string,
    /** Who a commit created without author and committer is attributed to. */
    readonly appIdentity: { name: string; email: string },
  ) {}

  /** Runs git in the bare repository; resolves with stdout, or undefined when git exits with `okExitCode`. */
  async git(
    args: string[],
    options: { env?: Record<string, string>; okExitCode?: number } = {},
  ): Promise<string | undefined> {
    try {
      const { stdout } = await execFileAsync('git', args, {
        cwd: this.gitDir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: os.tmpdir(),
          GIT_CONFIG_NOSYSTEM: '1',
          LANG: 'C',
          ...options.env,
        },
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      if ((error as { code?: number }).code === options.okExitCode) {
        return undefined;
      }
      throw error;
    }
  }

  /** The commit a ref (`heads/main`, `refs/heads/main`) points at, or undefined. */
  async refSha(ref: string): Promise<string | undefined> {
    const full = ref.startsWith('refs/') ? ref : `refs/${ref}`;
    const out = await this.git(['rev-parse', '--verify', '--quiet', full], {
      okExitCode: 1,
    });
    return out?.trim() || undefined;
  }

  /** Whether `sha` names an object of `type`. */
  async isObject(sha: string, type: 'commit' | 'tree'): Promise<boolean> {
    if (!/^[0-9a-f]{40}$/.test(sha)) return false;
    const out = await this.git(['cat-file', '-t', sha], { okExitCode: 128 });
    return out?.trim() === type;
  }

  /** A commit as the API returns it. */
  async commit(sha: string, apiBaseUrl: string) {
    const format = ['%H', '%T', '%P', '%an', '%ae', '%aI', '%cn', '%ce', '%cI'];
    const out = await this.git([
      'show',
      '-s',
      `--format=${format.join('%x00')}%x00%B`,
      sha,
    ]);
    const [
      id,
      tree,
      parents,
      authorName,
      authorEmail,
      authorDate,
      committerName,
      committerEmail,
      committerDate,
      ...message
    ] = out!.split('\0');
    const url = `${apiBaseUrl}/repos/${this.owner}/${this.name}/git/commits/${id}`;
    return {
      sha: id,
      url,
      message: message.join('\0').replace(/\n+$/, ''),
      tree: { sha: tree },
      author: { name: authorName, email: authorEmail, date: authorDate },
      committer: {
        name: committerName,
        email: committerEmail,
        date: committerDate,
      },
      parents: parents
        .split(' ')
        .filter(Boolean)
        .map(p => ({ sha: p })),
      verification: this.verified.has(id)
        ? { verified: true, reason: 'valid' }
        : { verified: false, reason: 'unsigned' },
    };
  }
}

interface GitContext {
  repository: GithubGitRepositoryDouble;
  request: DoubleRequest;
  apiBaseUrl: string;
}

function failure(status: number, message: string): DoubleResponse {
  return {
    status,
    body: { message, documentation_url: 'https://docs.github.com/rest' },
  };
}

/** Routes a request of a Git-backed repository; `collection` and `rest` follow `/repos/{owner}/{repo}/`. */
export async function handleGitRepository(
  context: GitContext,
  collection: string | undefined,
  rest: string[],
): Promise<DoubleResponse> {
  const { method } = context.request;
  if (collection === 'compare' && method === 'GET') {
    return compare(context, rest.join('/'));
  }
  if (collection !== 'git') return failure(404, 'Not Found');
  const [kind, ...refParts] = rest;
  const ref = refParts.join('/');
  switch (`${method} ${kind}`) {
    case 'GET ref':
      return getRef(context, ref);
    case 'GET commits':
      return getCommit(context, ref);
    case 'POST commits':
      return refParts.length === 0
        ? createCommit(context)
        : failure(404, 'Not Found');
    case 'POST refs':
      return refParts.length === 0
        ? createRef(context)
        : failure(404, 'Not Found');
    case 'PATCH refs':
      return updateRef(context, ref);
    case 'DELETE refs':
      return deleteRef(context, ref);
    default:
      return failure(404, 'Not Found');
  }
}

function refBody(context: GitContext, ref: string, sha: string) {
  const { repository, apiBaseUrl } = context;
  const full = ref.startsWith('refs/') ? ref : `refs/${ref}`;
  return {
    ref: full,
    url: `${apiBaseUrl}/repos/${repository.owner}/${repository.name}/git/${full}`,
    object: {
      sha,
      type: 'commit',
      url: `${apiBaseUrl}/repos/${repository.owner}/${repository.name}/git/commits/${sha}`,
    },
  };
}

async function getRef(
  context: GitContext,
  ref: string,
): Promise<DoubleResponse> {
  const sha = await context.repository.refSha(ref);
  if (!sha) return failure(404, 'Not Found');
  return { status: 200, body: refBody(context, ref, sha) };
}

async function getCommit(
  context: GitContext,
  sha: string,
): Promise<DoubleResponse> {
  if (!(await context.repository.isObject(sha, 'commit'))) {
    return failure(404, 'Not Found');
  }
  return {
    status: 200,
    body: await context.repository.commit(sha, context.apiBaseUrl),
  };
}

function identityEnv(
  role: 'AUTHOR' | 'COMMITTER',
  identity: ApiIdentity,
): Record<string, string> {
  return {
    [`GIT_${role}_NAME`]: identity.name ?? '',
    [`GIT_${role}_EMAIL`]: identity.email ?? '',
    ...(identity.date ? { [`GIT_${role}_DATE`]: identity.date } : {}),
  };
}

async function createCommit(context: GitContext): Promise<DoubleResponse> {
  const { repository } = context;
  const body = (context.request.body ?? {}) as {
    message?: unknown;
    tree?: unknown;
    parents?: unknown;
    author?: ApiIdentity;
    committer?: ApiIdentity;
  };
  if (typeof body.message !== 'string' || typeof body.tree !== 'string') {
    return failure(422, 'Invalid request.\n\n"message", "tree" are required.');
  }
  if (!(await repository.isObject(body.tree, 'tree'))) {
    return failure(422, 'Tree SHA does not exist');
  }
  const parents = Array.isArray(body.parents) ? body.parents : [];
  for (const parent of parents) {
    if (
      typeof parent !== 'string' ||
      !(await repository.isObject(parent, 'commit'))
    ) {
      return failure(
        422,
        'Parent SHA does not exist or is not a commit object',
      );
    }
  }
  const githubSigns = !body.author && !body.committer;
  const author = body.author ?? body.committer ?? repository.appIdentity;
  const committer = body.committer ?? body.author ?? repository.appIdentity;
  const out = await repository.git(
    [
      'commit-tree',
      body.tree,
      ...parents.flatMap(parent => ['-p', parent as string]),
      '-m',
      body.message,
    ],
    {
      env: {
        ...identityEnv('AUTHOR', author),
        ...identityEnv('COMMITTER', committer),
      },
    },
  );
  const sha = out!.trim();
  if (githubSigns) repository.verified.add(sha);
  return {
    status: 201,
    body: await repository.commit(sha, context.apiBaseUrl),
  };
}

async function createRef(context: GitContext): Promise<DoubleResponse> {
  const { repository } = context;
  const body = (context.request.body ?? {}) as { ref?: unknown; sha?: unknown };
  if (
    typeof body.ref !== 'string' ||
    !body.ref.startsWith('refs/') ||
    body.ref.split('/').length < 3 ||
    typeof body.sha !== 'string'
  ) {
    return failure(
      422,
      "Reference name must start with 'refs/' and have at least two slashes.",
    );
  }
  if (!(await repository.isObject(body.sha, 'commit'))) {
    return failure(422, 'Object does not exist');
  }
  if (await repository.refSha(body.ref)) {
    return failure(422, 'Reference already exists');
  }
  await repository.git(['update-ref', body.ref, body.sha]);
  return { status: 201, body: refBody(context, body.ref, body.sha) };
}

async function updateRef(
  context: GitContext,
  ref: string,
): Promise<DoubleResponse> {
  const { repository } = context;
  const body = (context.request.body ?? {}) as {
    sha?: unknown;
    force?: unknown;
  };
  if (typeof body.sha !== 'string') {
    return failure(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
  }
  const current = await repository.refSha(ref);
  if (!current) return failure(422, 'Reference does not exist');
  if (!(await repository.isObject(body.sha, 'commit'))) {
    return failure(422, 'Object does not exist');
  }
  if (body.force !== true) {
    const fastForward =
      (await repository.git(
        ['merge-base', '--is-ancestor', current, body.sha],
        { okExitCode: 1 },
      )) !== undefined;
    if (!fastForward) return failure(422, 'Update is not a fast forward');
  }
  await repository.git(['update-ref', `refs/${ref}`, body.sha, current]);
  return { status: 200, body: refBody(context, ref, body.sha) };
}

async function deleteRef(
  context: GitContext,
  ref: string,
): Promise<DoubleResponse> {
  const { repository } = context;
  if (!(await repository.refSha(ref))) {
    return failure(422, 'Reference does not exist');
  }
  await repository.git(['update-ref', '-d', `refs/${ref}`]);
  return { status: 204 };
}

/** `base...head`, each a SHA or a branch name. */
async function compare(
  context: GitContext,
  spec: string,
): Promise<DoubleResponse> {
  const { repository, apiBaseUrl } = context;
  const match = /^(.+?)\.\.\.(.+)$/.exec(spec);
  if (!match) return failure(404, 'Not Found');
  const resolve = async (name: string) =>
    (await repository.isObject(name, 'commit'))
      ? name
      : repository.refSha(`heads/${name}`);
  const base = await resolve(match[1]);
  const head = await resolve(match[2]);
  if (!base || !head) return failure(404, 'Not Found');
  const mergeBase = (
    await repository.git(['merge-base', base, head], { okExitCode: 1 })
  )?.trim();
  if (!mergeBase) {
    return failure(
      404,
      `No common ancestor between ${match[1]} and ${match[2]}.`,
    );
  }
  const list = async (range: string) =>
    (
      (await repository.git([
        'rev-list',
        '--reverse',
        '--topo-order',
        range,
      ])) ?? ''
    )
      .split('\n')
      .filter(Boolean);
  const ahead = await list(`${base}..${head}`);
  const behind = await list(`${head}..${base}`);
  let status = 'identical';
  if (ahead.length > 0 && behind.length > 0) status = 'diverged';
  else if (ahead.length > 0) status = 'ahead';
  else if (behind.length > 0) status = 'behind';
  const commits = await Promise.all(
    ahead.slice(0, 250).map(async sha => {
      const commit = await repository.commit(sha, apiBaseUrl);
      const { sha: id, parents, ...rest } = commit;
      return { sha: id, commit: rest, parents };
    }),
  );
  return {
    status: 200,
    body: {
      status,
      ahead_by: ahead.length,
      behind_by: behind.length,
      total_commits: ahead.length,
      merge_base_commit: { sha: mergeBase },
      base_commit: { sha: base },
      commits,
    },
  };
}
