import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/*
 * Real Git repositories for tests: bare repositories built with `git fast-import` (thousands of commits in well
 * under a second), served over file:// and over smart HTTP by `git http-backend` running as a CGI behind a Node
 * HTTP server on a free loopback port. Push is enabled; basic auth is optional.
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

function gitEnv(home: string): NodeJS.ProcessEnv {
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
export interface HttpOptions {
  /** Requires these basic-auth credentials for every request. */
  auth?: { username: string; password: string };
  /** Runs before a request is served (e.g. to move a branch between a client's fetch and its push). */
  beforeRequest?: (request: {
    method: string;
    path: string;
    query: string;
  }) => Promise<void> | void;
}

/** One request the HTTP server received. */
export interface ServedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  user?: string;
}

/**
 * Bare repositories in a temporary directory, served over `file://` and, once {@link GitTestServer.startHttp}
 * is called, over smart HTTP. Call {@link GitTestServer.stop} after the tests.
 */
export class GitTestServer {
  readonly requests: ServedRequest[] = [];
  #server?: http.Server;
  #port?: number;
  #options: HttpOptions = {};

  static async create(): Promise<GitTestServer> {
    const root = await fs.realpath(
      await fs.mkdtemp(path.join(os.tmpdir(), 'kargo-git-fixture-')),
    );
    await fs.mkdir(path.join(root, 'repos'));
    await fs.mkdir(path.join(root, 'home'));
    return new GitTestServer(root);
  }

  private constructor(readonly root: string) {}

  get #reposDir(): string {
    return path.join(this.root, 'repos');
  }

  get #home(): string {
    return path.join(this.root, 'home');
  }

  /** Creates a bare repository (name may contain `/`), optionally with commits. */
  async createRepository(
    name: string,
    options: { commits?: FixtureCommit[]; defaultBranch?: string } = {},
  ): Promise<TestRepository> {
    const dir = path.join(this.#reposDir, `${name}.git`);
    await fs.mkdir(dir, { recursive: true });
    await runGit(
      [
        'init',
        '--quiet',
        '--bare',
        `--initial-branch=${options.defaultBranch ?? 'main'}`,
        dir,
      ],
      { home: this.#home },
    );
    const repo = new TestRepository(name, dir, this.#home);
    if (options.commits?.length) await repo.commit(options.commits);
    return repo;
  }

  /** A temporary directory for a test's own files, removed by {@link GitTestServer.stop}. */
  async tempDir(prefix = 'work-'): Promise<string> {
    return fs.mkdtemp(path.join(this.root, prefix));
  }

  fileUrl(name: string): string {
    return `file://${path.join(this.#reposDir, `${name}.git`)}`;
  }

  /** The smart HTTP URL of a repository; {@link GitTestServer.startHttp} must have been called. */
  httpUrl(name: string, options: { userinfo?: string } = {}): string {
    if (this.#port === undefined) throw new Error('HTTP server is not started');
    const userinfo = options.userinfo ? `${options.userinfo}@` : '';
    return `http://${userinfo}127.0.0.1:${this.#port}/${name}.git`;
  }

  /** Starts (or reconfigures) the HTTP server on a free loopback port. */
  async startHttp(options: HttpOptions = {}): Promise<void> {
    this.#options = options;
    if (this.#server) return;
    const server = http.createServer((req, res) => {
      this.#serve(req, res).catch(error => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
  }

  /** Changes the options of the running HTTP server (auth, hooks). */
  configureHttp(options: HttpOptions): void {
    this.#options = options;
  }

  async #serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const record: ServedRequest = {
      method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      status: 0,
    };
    this.requests.push(record);
    const { auth, beforeRequest } = this.#options;
    if (auth) {
      const header = req.headers.authorization ?? '';
      const expected = `Basic ${Buffer.from(
        `${auth.username}:${auth.password}`,
      ).toString('base64')}`;
      if (header !== expected) {
        record.status = 401;
        req.resume();
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
        res.end('unauthorized');
        return;
      }
      record.user = auth.username;
    }
    await beforeRequest?.({ method, path: record.path, query: record.query });

    const env: NodeJS.ProcessEnv = {
      ...gitEnv(this.#home),
      GIT_PROJECT_ROOT: this.#reposDir,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: method,
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: record.query,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: '127.0.0.1',
      GIT_CONFIG_COUNT: '3',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
      GIT_CONFIG_KEY_1: 'uploadpack.allowFilter',
      GIT_CONFIG_VALUE_1: 'true',
      GIT_CONFIG_KEY_2: 'uploadpack.allowAnySHA1InWant',
      GIT_CONFIG_VALUE_2: 'true',
    };
    if (record.user) env.REMOTE_USER = record.user;
    if (req.headers['git-protocol'])
      env.GIT_PROTOCOL = String(req.headers['git-protocol']);
    if (req.headers['content-encoding']) {
      env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
    }
    if (req.headers['content-length']) {
      env.CONTENT_LENGTH = String(req.headers['content-length']);
    }

    const cgi = spawn('git', ['http-backend'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    req.pipe(cgi.stdin);
    cgi.stderr.resume();
    let head = Buffer.alloc(0);
    let headersDone = false;
    await new Promise<void>((resolve, reject) => {
      cgi.on('error', reject);
      cgi.stdout.on('data', (chunk: Buffer) => {
        if (headersDone) {
          res.write(chunk);
          return;
        }
        head = Buffer.concat([head, chunk]);
        const text = head.toString('latin1');
        const end = text.search(/\r?\n\r?\n/);
        if (end < 0) return;
        const separator = /\r?\n\r?\n/.exec(text.slice(end))![0];
        const headers: Record<string, string> = {};
        let status = 200;
        for (const line of text.slice(0, end).split(/\r?\n/)) {
          const colon = line.indexOf(':');
          if (colon < 0) continue;
          const key = line.slice(0, colon).trim();
          const value = line.slice(colon + 1).trim();
          if (key.toLowerCase() === 'status') status = parseInt(value, 10);
          else headers[key] = value;
        }
        record.status = status;
        res.writeHead(status, headers);
        headersDone = true;
        res.write(head.subarray(end + separator.length));
      });
      cgi.on('close', () => {
        if (!headersDone) {
          record.status = 502;
          res.writeHead(502);
        }
        res.end();
        resolve();
      });
    });
  }

  /** Stops the HTTP server and removes every repository. */
  async stop(): Promise<void> {
    if (this.#server) {
      const server = this.#server;
      this.#server = undefined;
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    }
    await fs.rm(this.root, { recursive: true, force: true });
  }
}
