import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FixtureCommit, gitEnv, runGit, TestRepository } from './gitRepository';

export { runGit, TestRepository } from './gitRepository';
export type { FixtureCommit, FixturePerson, FixtureTag } from './gitRepository';

/*
 * Real Git repositories for tests: bare repositories built with `git fast-import` (thousands of commits in well
 * under a second), served over file:// and over smart HTTP by `git http-backend` running as a CGI behind a Node
 * HTTP server on a free loopback port. Push is enabled; basic auth is optional.
 */

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
