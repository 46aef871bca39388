import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/*
 * A bare Git repository for tests, filled with `git fast-import` (thousands of commits in well under a second);
 * gitServer.ts creates and serves them.
 */

/** A person in a commit or tag. */
export interface FixturePerson {
  name: string;
  email: string;
}

/** An annotated (with `message`) or lightweight tag on a fixture commit. */
export interface FixtureTag {
  name: string;
  /** Makes the tag annotated. */
  message?: string;
  tagger?: FixturePerson;
  /** Creation time of an annotated tag; defaults to the commit's date. */
  date?: string | Date;
}

/** One commit to write into a fixture repository. */
export interface FixtureCommit {
  /** Branch the commit goes on; default `main`. */
  branch?: string;
  /**
   * Parent when the branch does not exist yet (a branch name, possibly written earlier in the same batch, or a
   * SHA); the new branch starts with a root commit otherwise.
   */
  from?: string;
  /** Default `commit <n>`. */
  message?: string;
  /** File contents by path; `null` deletes the file. */
  files?: Record<string, string | null>;
  author?: FixturePerson;
  committer?: FixturePerson;
  /** Author and committer date; defaults to one minute after the previous fixture commit. */
  date?: string | Date;
  /** Tags to put on this commit. */
  tags?: Array<string | FixtureTag>;
  /** Further parents (branch names or SHAs): makes a merge commit. */
  merge?: string[];
}

const DEFAULT_PERSON: FixturePerson = {
  name: 'Fixture Author',
  email: 'fixture@example.com',
};

// Dates of fixture commits: one minute apart, from a fixed point, so that test output is stable.
let clock = Date.parse('2024-01-01T00:00:00Z') / 1000;

export function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
    GIT_AUTHOR_NAME: DEFAULT_PERSON.name,
    GIT_AUTHOR_EMAIL: DEFAULT_PERSON.email,
    GIT_COMMITTER_NAME: DEFAULT_PERSON.name,
    GIT_COMMITTER_EMAIL: DEFAULT_PERSON.email,
    GIT_TERMINAL_PROMPT: '0',
  };
}

/** Runs git with a clean environment (no user config) and returns its standard output. */
export function runGit(
  args: string[],
  options: { cwd?: string; input?: string | Buffer; home?: string } = {},
): Promise<string> {
  const home = options.home ?? os.tmpdir();
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: gitEnv(home),
        maxBuffer: 256 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `git ${args.join(' ')} failed: ${stderr || error.message}`,
            ),
          );
        } else {
          resolve(stdout);
        }
      },
    );
    // git may exit before reading its input (rev-parse, for instance).
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

function seconds(date: string | Date | undefined): number {
  if (date === undefined) {
    clock += 60;
    return clock;
  }
  return Math.floor(new Date(date).getTime() / 1000);
}

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

function person(kind: string, who: FixturePerson, when: number): string {
  return `${kind} ${who.name} <${who.email}> ${when} +0000\n`;
}

/** A bare repository made for a test. */
export class TestRepository {
  #count = 0;

  constructor(
    readonly name: string,
    /** The bare repository's directory. */
    readonly dir: string,
    private readonly home: string,
  ) {}

  /** Runs git inside the bare repository. */
  git(args: string[], input?: string): Promise<string> {
    return runGit(args, { cwd: this.dir, input, home: this.home });
  }

  /** Writes commits (and their tags) with `git fast-import`; returns their SHAs in order. */
  async commit(commits: FixtureCommit[]): Promise<string[]> {
    const tips = new Map<string, string>();
    let stream = '';
    const marks: number[] = [];
    let mark = 0;
    for (const c of commits) {
      const branch = c.branch ?? 'main';
      mark += 1;
      marks.push(mark);
      this.#count += 1;
      const when = seconds(c.date);
      stream += `commit refs/heads/${branch}\nmark :${mark}\n`;
      stream += person('author', c.author ?? DEFAULT_PERSON, when);
      stream += person(
        'committer',
        c.committer ?? c.author ?? DEFAULT_PERSON,
        when,
      );
      stream += data(c.message ?? `commit ${this.#count}`);
      if (!tips.has(branch)) {
        const existing = await this.resolve(`refs/heads/${branch}`);
        const parent =
          existing ??
          (c.from
            ? tips.get(c.from) ?? (await this.resolve(c.from))
            : undefined);
        if (c.from && !existing && !parent) {
          throw new Error(`fixture parent "${c.from}" does not exist`);
        }
        if (parent) stream += `from ${parent}\n`;
      }
      for (const parent of c.merge ?? []) {
        const sha = tips.get(parent) ?? (await this.resolve(parent));
        if (!sha)
          throw new Error(`fixture merge parent "${parent}" does not exist`);
        stream += `merge ${sha}\n`;
      }
      tips.set(branch, `:${mark}`);
      for (const [file, content] of Object.entries(c.files ?? {})) {
        stream +=
          content === null
            ? `D ${file}\n`
            : `M 100644 inline ${file}\n${data(content)}`;
      }
      stream += '\n';
      for (const tag of c.tags ?? []) {
        const t = typeof tag === 'string' ? { name: tag } : tag;
        if (t.message === undefined) {
          stream += `reset refs/tags/${t.name}\nfrom :${mark}\n\n`;
        } else {
          stream += `tag ${t.name}\nfrom :${mark}\n`;
          stream += person(
            'tagger',
            t.tagger ?? DEFAULT_PERSON,
            t.date === undefined ? when : seconds(t.date),
          );
          stream += data(t.message);
        }
      }
    }
    stream += 'done\n';
    const marksFile = path.join(this.home, `marks-${process.hrtime.bigint()}`);
    await this.git(
      ['fast-import', '--quiet', '--done', `--export-marks=${marksFile}`],
      stream,
    );
    const exported = new Map<number, string>();
    for (const line of (await fs.readFile(marksFile, 'utf8')).split('\n')) {
      const [m, sha] = line.split(' ');
      if (m && sha) exported.set(Number(m.slice(1)), sha);
    }
    await fs.rm(marksFile, { force: true });
    return marks.map(m => exported.get(m) ?? '');
  }

  /** Writes `count` commits on a branch, each changing `file`. */
  commitMany(
    count: number,
    options: { branch?: string; file?: string } = {},
  ): Promise<string[]> {
    return this.commit(
      Array.from({ length: count }, (_, i) => ({
        branch: options.branch,
        files: { [options.file ?? 'counter.txt']: `${i}\n` },
      })),
    );
  }

  /** The SHA a revision names, or undefined. */
  async resolve(revision: string): Promise<string | undefined> {
    try {
      return (
        await this.git([
          'rev-parse',
          '--verify',
          '--quiet',
          `${revision}^{commit}`,
        ])
      ).trim();
    } catch {
      return undefined;
    }
  }

  /** Subjects and SHAs of a branch's first-parent history, newest first. */
  async log(branch = 'main'): Promise<Array<{ id: string; subject: string }>> {
    const out = await this.git([
      'log',
      '--first-parent',
      '--format=%H %s',
      `refs/heads/${branch}`,
      '--',
    ]);
    return out
      .split('\n')
      .filter(Boolean)
      .map(line => ({ id: line.slice(0, 40), subject: line.slice(41) }));
  }

  /** Contents of a file at a revision, or undefined when it does not exist. */
  async show(revision: string, file: string): Promise<string | undefined> {
    try {
      return await this.git(['show', `${revision}:${file}`]);
    } catch {
      return undefined;
    }
  }

  /** Names of the branches. */
  async branches(): Promise<string[]> {
    const out = await this.git([
      'for-each-ref',
      '--format=%(refname:strip=2)',
      'refs/heads',
    ]);
    return out.split('\n').filter(Boolean);
  }

  /** Points HEAD (the default branch) at a branch. */
  async setDefaultBranch(branch: string): Promise<void> {
    await this.git(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
  }
}

/** Options of {@link GitTestServer.startHttp}. */
