import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  PromotionStepContext,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import type { BasicCredentials } from '../../discovery/types';
import {
  GitAbortedError,
  GitClient,
  GitRunOptions,
  GitRunResult,
} from '../../git/GitClient';
import { KeyedLock } from '../../git/KeyedLock';
import { gitDirsOf, readConfig, readHead } from '../../git/repositoryFiles';
import { resolveInWorkDir } from './paths';

/*
 * What the Git steps share: their dependencies, the author fields, and a handle on a working tree inside the
 * promotion's work directory that runs git there with the repository's credentials and the step's signal.
 */

/** Dependencies of the Git promotion steps. @public */
export interface GitStepsDeps {
  /** Runs git (its identity is the default author of commits and tags). */
  git: GitClient;
  /**
   * Milliseconds to wait before push attempt `attempt` (2, 3, ...) after the remote branch moved. Defaults to
   * Kargo's backoff: 1s growing by 1.5x, with jitter, at most 30s.
   */
  pushBackoffMs?: (attempt: number) => number;
}

/** Serializes pushes to one branch of one repository within this process, as Kargo's git-push does. */
export const branchLocks = new KeyedLock();

/** Kargo's `author` object (git-clone, and the deprecated git-commit field). */
export const authorSchema = z
  .object({
    name: z.string().min(1),
    email: z.string().email(),
    signingKey: z.string().optional(),
  })
  .strict();

export type Author = z.infer<typeof authorSchema>;

/** The repository config key naming the GnuPG home that holds the signing key `git-clone` imported. */
export const GNUPG_HOME_KEY = 'kargoportal.gnupghome';

/**
 * Makes the repository (the bare repository `git-clone` made, shared by its working trees) sign its commits
 * with an author's `signingKey`, as Kargo's git client does: the key is imported into a GnuPG home of the
 * backend's own (outside the work directory), `user.signingKey` and `commit.gpgSign` are set, and the
 * repository records which GnuPG home to use (`git-tag` signs its tags then too).
 */
export async function configureSigning(options: {
  git: GitClient;
  signingKey: string;
  field: string;
  signal?: AbortSignal;
  runInRepo: (args: string[]) => Promise<unknown>;
}): Promise<string> {
  const { gnupgHome, fingerprint } = await importSigningKey(options);
  await options.runInRepo(['config', 'user.signingKey', fingerprint]);
  await options.runInRepo(['config', 'commit.gpgSign', 'true']);
  await options.runInRepo(['config', GNUPG_HOME_KEY, gnupgHome]);
  return fingerprint;
}

/** Imports a signing key; a key gpg refuses ends the step (retrying cannot fix it). */
export async function importSigningKey(options: {
  git: GitClient;
  signingKey: string;
  field: string;
  signal?: AbortSignal;
}): Promise<{ gnupgHome: string; fingerprint: string }> {
  try {
    return await options.git.importSigningKey(options.signingKey, {
      signal: options.signal,
    });
  } catch (error) {
    throw new TerminalStepError(
      `${options.field}.signingKey: ${messageOf(error)}`,
    );
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/** A ref name git accepts and no command can mistake for an option. */
export function checkRefName(name: string, field: string): void {
  if (
    name === '' ||
    name.startsWith('-') ||
    /[\s~^:?*[\\]/.test(name) ||
    [...name].some(
      ch => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f,
    ) ||
    name.includes('..') ||
    name.includes('@{') ||
    name.endsWith('.lock') ||
    name.endsWith('/') ||
    name.endsWith('.') ||
    name.startsWith('/') ||
    name.includes('//') ||
    name.split('/').some(part => part.startsWith('.'))
  ) {
    throw new TerminalStepError(
      `${field} "${name}" is not a valid Git ref name`,
    );
  }
}

/** Environment that keeps git from looking for a repository above the promotion's work directory. */
export function ceilingEnv(workDir: string): Record<string, string> {
  return { GIT_CEILING_DIRECTORIES: path.dirname(workDir) };
}

/** The message of an error, for wrapping. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const CONFIG_KEYS = ['remote.origin.url', GNUPG_HOME_KEY];

/** The working tree's origin URL and GnuPG home from its repository's config file, when a plain reading can tell. */
async function configFromFiles(
  dir: string,
): Promise<Map<string, string> | undefined> {
  const dirs = await gitDirsOf(dir);
  return dirs ? readConfig(dirs, CONFIG_KEYS) : undefined;
}

/** The same from git. */
async function configFromGit(
  git: GitClient,
  dir: string,
  env: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<Map<string, string>> {
  // Both keys in one git process: `-z` ends each entry with NUL and puts a newline between key and value, so
  // that no value can be mistaken for another key. No match at all is exit code 1; a `.git` that names no
  // repository is exit code 128.
  const { stdout } = await git.run(
    [
      'config',
      '-z',
      '--get-regexp',
      `^(remote\\.origin\\.url|${GNUPG_HOME_KEY.replace('.', '\\.')})$`,
    ],
    { cwd: dir, env, signal, okExitCodes: [1] },
  );
  const values = new Map<string, string>();
  for (const entry of stdout.split('\0')) {
    const newline = entry.indexOf('\n');
    // The last value of a key wins, as `git config --get` reads it.
    if (newline > 0)
      values.set(entry.slice(0, newline), entry.slice(newline + 1));
  }
  return values;
}

/** A working tree made by `git-clone`, with its remote's URL and credentials. */
export class WorkTree {
  private constructor(
    private readonly git: GitClient,
    /** Absolute path of the working tree. */
    readonly dir: string,
    /** URL of the `origin` remote. */
    readonly repoURL: string,
    private readonly credentials: BasicCredentials | undefined,
    private readonly context: PromotionStepContext,
    /** The GnuPG home of the key the repository signs commits with, when `git-clone` configured one. */
    readonly gnupgHome: string | undefined,
  ) {}

  /**
   * Opens the working tree at `relative` (config field `field`) inside the work directory. The path must be the
   * top of a working tree, so that git never acts on a repository found further up.
   */
  static async open(
    git: GitClient,
    context: PromotionStepContext,
    relative: string,
    field = 'path',
  ): Promise<WorkTree> {
    const dir = await resolveInWorkDir(context.workDir, relative, field);
    const env = ceilingEnv(context.workDir);
    const failed = (message: string) =>
      new TerminalStepError(
        `error loading working tree from ${relative}: ${message}`,
      );
    // The top of a working tree holds `.git` (for those git-clone adds, a file naming the repository), and git
    // takes the directory holding it for the top. Only without one does git say what the path is instead: no
    // repository at all, or a directory inside one.
    if (!(await exists(path.join(dir, '.git')))) {
      let top: string;
      try {
        top = (
          await git.run(['rev-parse', '--show-toplevel'], {
            cwd: dir,
            env,
            signal: context.signal,
          })
        ).stdout.trim();
      } catch (error) {
        throw failed(messageOf(error));
      }
      if ((await fs.realpath(top)) !== dir) {
        throw failed(`${relative} is not the top of a Git working tree`);
      }
    }
    const values =
      (await configFromFiles(dir)) ??
      (await configFromGit(git, dir, env, context.signal).catch(error => {
        if (error instanceof GitAbortedError) throw error;
        throw failed(messageOf(error));
      }));
    const repoURL = (values.get('remote.origin.url') ?? '').trim();
    if (!repoURL) {
      throw new TerminalStepError(
        `error loading working tree from ${relative}: the repository has no origin remote; clone it with git-clone`,
      );
    }
    const credentials = await context.credentials.git(repoURL);
    const gnupgHome = (values.get(GNUPG_HOME_KEY) ?? '').trim() || undefined;
    if (gnupgHome && !(await exists(gnupgHome))) {
      throw new TerminalStepError(
        `error loading working tree from ${relative}: the GnuPG home of the signing key git-clone imported is gone (removed outside the backend, or git-clone ran in a promotion that was not resumed by the engine); run the promotion again`,
      );
    }
    return new WorkTree(git, dir, repoURL, credentials, context, gnupgHome);
  }

  /** Runs git in the working tree, with the remote's credentials and the step's signal. */
  run(args: string[], options: GitRunOptions = {}): Promise<GitRunResult> {
    return this.git.run(args, {
      cwd: this.dir,
      credentials: this.credentials,
      credentialsURL: this.repoURL,
      signal: this.context.signal,
      ...options,
      env: {
        ...ceilingEnv(this.context.workDir),
        ...(this.gnupgHome ? { GNUPGHOME: this.gnupgHome } : {}),
        ...options.env,
      },
    });
  }

  /** The commit HEAD points at. */
  async head(): Promise<string> {
    const read = await readHead(this.dir);
    if (read) return read.head;
    return (
      await this.run(['rev-parse', '--verify', 'HEAD^{commit}'])
    ).stdout.trim();
  }

  /**
   * The commit HEAD points at and the checked out branch (undefined when HEAD is detached): from the repository's
   * files when they are plain, otherwise by one git process.
   */
  async headAndBranch(): Promise<{ head: string; branch?: string }> {
    const read = await readHead(this.dir);
    if (read) return read;
    const [head, ref] = (
      await this.run([
        'rev-parse',
        'HEAD^{commit}',
        '--symbolic-full-name',
        'HEAD',
      ])
    ).stdout
      .trim()
      .split('\n');
    const branch = ref?.startsWith('refs/heads/')
      ? ref.slice('refs/heads/'.length)
      : undefined;
    return { head, branch };
  }

  /** The checked out branch, or undefined when HEAD is detached. */
  async currentBranch(): Promise<string | undefined> {
    return (await this.headAndBranch()).branch;
  }

  /** Whether `ancestor` is `descendant` or one of its ancestors. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const { exitCode } = await this.run(
      ['merge-base', '--is-ancestor', ancestor, descendant],
      { okExitCodes: [1] },
    );
    return exitCode === 0;
  }
}
