import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { normalizeGit } from '../../freight/normalize';
import type { BasicCredentials } from '../types';
import { GitClient } from '../../git/GitClient';
import { KeyedLock } from '../../git/KeyedLock';
import { redactUrl } from '../../git/redact';
import type { CommitMetadata, RemoteRef, TagMetadata } from './selectors';

/** How a mirror reaches its remote. */
export interface MirrorAccess {
  credentials?: BasicCredentials;
  insecureSkipTLSVerify?: boolean;
  /**
   * Fetches commits and trees but no file contents (`--filter=blob:none`), as Kargo's `blobless` subscriptions
   * do: discovery reads history, tags and changed paths, never files. The remote must allow partial fetches.
   */
  blobless?: boolean;
  signal?: AbortSignal;
}

/** Options of {@link GitMirrorCache.create}. */
export interface GitMirrorCacheOptions {
  git: GitClient;
  /** Directory holding the mirrors; created when missing. */
  cacheDir: string;
  /** Most mirrors kept; the least recently used beyond this are removed. Default 50. */
  maxMirrors?: number;
  logger?: LoggerService;
}

const METADATA_FILE = 'kargo-portal-mirror.json';
const HEADS = 'refs/heads/';
const TAGS = 'refs/tags/';
// Fields of `git log` and `git for-each-ref` output are separated by US (0x1f), records by NUL or RS (0x1e).
const FS = '\x1f';

const LOG_FORMAT = ['%H', '%cI', '%an <%ae>', '%cn <%ce>', '%s'].join('%x1f');
const TAG_FORMAT = `${[
  '%(refname:strip=2)',
  '%(objecttype)',
  '%(objectname)',
  '%(*objecttype)',
  '%(*objectname)',
  '%(contents:subject)',
  '%(*contents:subject)',
  '%(authorname) %(authoremail)',
  '%(*authorname) %(*authoremail)',
  '%(committername) %(committeremail)',
  '%(*committername) %(*committeremail)',
  '%(creatordate:iso-strict)',
  '%(taggername) %(taggeremail)',
].join('%1f')}%1e`;

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * A bare mirror of one remote's branches and tags, read while its cache holds the repository's lock. Reads never
 * touch the network.
 */
export class GitMirror {
  constructor(
    private readonly git: GitClient,
    /** The mirror's directory. */
    readonly dir: string,
    readonly repoURL: string,
    /** The remote's refs as last listed (branches, tags and HEAD). */
    readonly remoteRefs: RemoteRef[],
    /** The branch the remote's HEAD names, when it names one. */
    readonly defaultBranch: string | undefined,
    private readonly signal?: AbortSignal,
  ) {}

  async #run(args: string[]): Promise<string> {
    const { stdout } = await this.git.run(args, {
      cwd: this.dir,
      signal: this.signal,
    });
    return stdout;
  }

  /** Whether the mirror has the branch. */
  async hasBranch(branch: string): Promise<boolean> {
    const { exitCode } = await this.git.run(
      ['show-ref', '--verify', '--quiet', `${HEADS}${branch}`],
      { cwd: this.dir, signal: this.signal, okExitCodes: [1] },
    );
    return exitCode === 0;
  }

  /** First-parent history of a branch, newest first. */
  async listCommits(
    branch: string,
    options: { skip?: number; limit?: number; since?: Date } = {},
  ): Promise<CommitMetadata[]> {
    const args = ['log', '-z', '--first-parent', `--format=${LOG_FORMAT}`];
    if (options.limit) args.push(`--max-count=${options.limit}`);
    if (options.skip) args.push(`--skip=${options.skip}`);
    if (options.since) args.push(`--since=${options.since.toISOString()}`);
    args.push(`${HEADS}${branch}`, '--');
    const out = await this.#run(args);
    return out
      .split('\0')
      .filter(record => record !== '')
      .map(record => {
        const [id, date, author, committer, subject = ''] = record.split(FS);
        return {
          id,
          commitDate: new Date(date),
          author,
          committer,
          subject,
        };
      });
  }

  /** Paths a commit changed against its first parent (every path for a root commit). */
  async diffPaths(id: string): Promise<string[]> {
    if (!SHA.test(id)) throw new Error(`"${id}" is not a commit id`);
    const out = await this.#run([
      'show',
      '-z',
      '--format=',
      '--name-only',
      '--no-renames',
      '--diff-merges=first-parent',
      id,
      '--',
    ]);
    return out.split('\0').filter(name => name !== '');
  }

  /**
   * Every tag that points at a commit (directly or through an annotated tag), newest creator date first: the tag
   * time of annotated tags, the commit time of lightweight ones.
   */
  async listTags(): Promise<TagMetadata[]> {
    const out = await this.#run([
      'for-each-ref',
      '--sort=-creatordate',
      `--format=${TAG_FORMAT}`,
      'refs/tags',
    ]);
    const tags: TagMetadata[] = [];
    for (const record of out.split('\x1e')) {
      const fields = record.replace(/^\n/, '').split(FS);
      if (fields.length < 13) continue;
      const [
        tag,
        type,
        objectId,
        peeledType,
        peeledId,
        subject,
        peeledSubject,
        author,
        peeledAuthor,
        committer,
        peeledCommitter,
        creatorDate,
        tagger,
      ] = fields;
      if (type === 'commit') {
        tags.push({
          tag,
          id: objectId,
          creatorDate: new Date(creatorDate),
          author,
          committer,
          subject,
          tagger: '',
          annotation: '',
        });
      } else if (type === 'tag' && peeledType === 'commit') {
        tags.push({
          tag,
          id: peeledId,
          creatorDate: new Date(creatorDate),
          author: peeledAuthor,
          committer: peeledCommitter,
          subject: peeledSubject,
          tagger,
          annotation: subject,
        });
      }
    }
    return tags;
  }
}

/**
 * Bare mirrors of remote repositories, one per normalized repository URL, kept in a cache directory so that
 * polling a warehouse is cheap: each use lists the remote's refs (`ls-remote`) and fetches only when they
 * changed. Callers of the same repository are serialized by a per-repository lock; the least recently used
 * mirrors beyond `maxMirrors` are removed when no one is using them.
 *
 * The lock is per instance: use one cache per directory in a process, and do not share a cache directory between
 * backend replicas.
 */
export class GitMirrorCache {
  readonly #git: GitClient;
  readonly #cacheDir: string;
  readonly #maxMirrors: number;
  readonly #logger?: LoggerService;
  readonly #locks = new KeyedLock();

  static async create(options: GitMirrorCacheOptions): Promise<GitMirrorCache> {
    await fs.mkdir(options.cacheDir, { recursive: true, mode: 0o700 });
    // Mirrors a crashed process was building are of no use.
    for (const entry of await fs.readdir(options.cacheDir)) {
      if (entry.includes('.tmp-')) {
        await fs.rm(path.join(options.cacheDir, entry), {
          recursive: true,
          force: true,
        });
      }
    }
    return new GitMirrorCache(options);
  }

  private constructor(options: GitMirrorCacheOptions) {
    this.#git = options.git;
    this.#cacheDir = options.cacheDir;
    this.#maxMirrors = Math.max(1, options.maxMirrors ?? 50);
    this.#logger = options.logger;
  }

  /** The directory name of a repository's mirror. */
  static keyOf(repoURL: string): string {
    return createHash('sha256')
      .update(normalizeGit(repoURL))
      .digest('hex')
      .slice(0, 32);
  }

  /**
   * Brings the repository's mirror up to date and runs `fn` with it while holding the repository's lock.
   */
  async withMirror<T>(
    repoURL: string,
    access: MirrorAccess,
    fn: (mirror: GitMirror) => Promise<T>,
  ): Promise<T> {
    const key = GitMirrorCache.keyOf(repoURL);
    try {
      return await this.#locks.run(key, async () => {
        const mirror = await this.#update(key, repoURL, access);
        return fn(mirror);
      });
    } finally {
      await this.#evict().catch(error =>
        this.#logger?.warn(`Could not trim the Git mirror cache: ${error}`),
      );
    }
  }

  async #update(
    key: string,
    repoURL: string,
    access: MirrorAccess,
  ): Promise<GitMirror> {
    const dir = path.join(this.#cacheDir, key);
    const run = (args: string[], cwd?: string) =>
      this.#git.run(args, {
        cwd,
        credentials: access.credentials,
        credentialsURL: repoURL,
        insecureSkipTLSVerify: access.insecureSkipTLSVerify,
        signal: access.signal,
      });

    const listed = await run([
      'ls-remote',
      '--symref',
      '--',
      repoURL,
      'HEAD',
      `${HEADS}*`,
      `${TAGS}*`,
    ]);
    const { refs, headTarget } = parseLsRemote(listed.stdout);

    if (!(await isBareRepository(this.#git, dir))) {
      await fs.rm(dir, { recursive: true, force: true });
      // Built aside and renamed into place, so that a half-made mirror is never used.
      const staging = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
      try {
        await run(['init', '--quiet', '--bare', staging]);
        await this.#fetch(run, staging, repoURL, access.blobless);
        await fs.rename(staging, dir);
      } finally {
        await fs.rm(staging, { recursive: true, force: true });
      }
    } else if (!(await sameRefs(this.#git, dir, refs))) {
      await removeStaleLocks(dir);
      await this.#fetch(run, dir, repoURL, access.blobless);
    }
    if (headTarget?.startsWith(HEADS)) {
      await this.#git.run(['symbolic-ref', 'HEAD', headTarget], { cwd: dir });
    }
    await fs.writeFile(
      path.join(dir, METADATA_FILE),
      JSON.stringify({
        repoURL: redactUrl(repoURL),
        lastUsed: new Date().toISOString(),
      }),
    );
    return new GitMirror(
      this.#git,
      dir,
      repoURL,
      refs,
      headTarget?.startsWith(HEADS)
        ? headTarget.slice(HEADS.length)
        : undefined,
      access.signal,
    );
  }

  async #fetch(
    run: (args: string[], cwd?: string) => Promise<unknown>,
    dir: string,
    repoURL: string,
    blobless = false,
  ): Promise<void> {
    this.#logger?.debug(
      `Fetching ${redactUrl(repoURL)} into the Git mirror cache`,
    );
    await run(
      [
        'fetch',
        '--quiet',
        '--prune',
        '--force',
        '--no-tags',
        ...(blobless ? ['--filter=blob:none'] : []),
        '--',
        repoURL,
        `+${HEADS}*:${HEADS}*`,
        `+${TAGS}*:${TAGS}*`,
      ],
      dir,
    );
  }

  /** Removes the least recently used mirrors beyond the limit, skipping those in use. */
  async #evict(): Promise<void> {
    const entries = await fs.readdir(this.#cacheDir, { withFileTypes: true });
    const mirrors: Array<{ key: string; lastUsed: number }> = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.includes('.tmp-')) continue;
      const stat = await fs
        .stat(path.join(this.#cacheDir, entry.name, METADATA_FILE))
        .catch(() => undefined);
      mirrors.push({ key: entry.name, lastUsed: stat?.mtimeMs ?? 0 });
    }
    if (mirrors.length <= this.#maxMirrors) return;
    mirrors.sort((a, b) => a.lastUsed - b.lastUsed);
    let excess = mirrors.length - this.#maxMirrors;
    for (const { key } of mirrors) {
      if (excess <= 0) break;
      if (this.#locks.activeKeys.has(key)) continue;
      // Taking the lock keeps a caller that arrives now from using the mirror while it is removed.
      await this.#locks.run(key, () =>
        fs.rm(path.join(this.#cacheDir, key), { recursive: true, force: true }),
      );
      excess -= 1;
    }
  }
}

/** Refs and the symbolic target of HEAD from `git ls-remote --symref` output; peeled tag lines are dropped. */
export function parseLsRemote(output: string): {
  refs: RemoteRef[];
  headTarget?: string;
} {
  const refs: RemoteRef[] = [];
  let headTarget: string | undefined;
  for (const line of output.split('\n')) {
    const [left, name] = line.split('\t');
    if (!name) continue;
    if (left.startsWith('ref: ')) {
      if (name === 'HEAD') headTarget = left.slice('ref: '.length);
      continue;
    }
    if (name.endsWith('^{}')) continue;
    refs.push({ name, id: left });
  }
  return { refs, headTarget };
}

async function isBareRepository(git: GitClient, dir: string): Promise<boolean> {
  try {
    await fs.access(dir);
    const { stdout } = await git.run(['rev-parse', '--is-bare-repository'], {
      cwd: dir,
      env: { GIT_DIR: dir },
    });
    return stdout.trim() === 'true';
  } catch {
    return false;
  }
}

/** Whether the mirror's branches and tags are exactly the remote's. */
async function sameRefs(
  git: GitClient,
  dir: string,
  remote: RemoteRef[],
): Promise<boolean> {
  const { stdout } = await git.run(
    ['for-each-ref', '--format=%(objectname) %(refname)', HEADS, TAGS],
    { cwd: dir },
  );
  const local = new Set(stdout.split('\n').filter(Boolean));
  const wanted = remote
    .filter(ref => ref.name.startsWith(HEADS) || ref.name.startsWith(TAGS))
    .map(ref => `${ref.id} ${ref.name}`);
  return local.size === wanted.length && wanted.every(line => local.has(line));
}

/**
 * Lock files a killed git may leave behind. Only this process uses the mirror and it holds the repository's
 * lock, so any lock file here is stale.
 */
async function removeStaleLocks(dir: string): Promise<void> {
  const top = await fs.readdir(dir, { withFileTypes: true });
  const refs = await fs
    .readdir(path.join(dir, 'refs'), { recursive: true, withFileTypes: true })
    .catch(() => []);
  for (const entry of [...top, ...refs]) {
    if (entry.isFile() && entry.name.endsWith('.lock')) {
      await fs.rm(path.join(entry.parentPath, entry.name), { force: true });
    }
  }
}
