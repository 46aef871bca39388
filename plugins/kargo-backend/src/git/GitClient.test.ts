import fs from 'node:fs/promises';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { GitTestServer } from '../__testUtils__/services/gitServer';
import {
  GitAbortedError,
  GitClient,
  GitCommandError,
  remoteOrigin,
} from './GitClient';

const PASSWORD = 's3cr3t-p@ss/word';
const USERNAME = 'robot';

async function readAll(dir: string): Promise<string> {
  let text = '';
  for (const entry of await fs.readdir(dir, {
    withFileTypes: true,
    recursive: true,
  })) {
    if (entry.isFile()) {
      text += await fs.readFile(
        path.join(entry.parentPath, entry.name),
        'latin1',
      );
    }
  }
  return text;
}

describe('GitClient', () => {
  let server: GitTestServer;
  let client: GitClient;
  const debugLines: string[] = [];

  beforeAll(async () => {
    server = await GitTestServer.create();
    await server.createRepository('app', {
      commits: [{ files: { 'README.md': 'hello\n' }, tags: ['v1.0.0'] }],
    });
    await server.startHttp({
      auth: { username: USERNAME, password: PASSWORD },
    });
    const logger = mockServices.logger.mock();
    logger.debug.mockImplementation(message => {
      debugLines.push(message);
    });
    client = await GitClient.create({
      identity: { name: 'Portal Bot', email: 'bot@example.com' },
      logger,
      tmpDir: await server.tempDir('client-'),
    });
  });

  afterAll(async () => {
    await client.close();
    await server.stop();
  });

  it('sees no user or system configuration, only its own', async () => {
    const { stdout } = await client.run(['config', '--list', '--show-scope']);
    const scopes = new Set(
      stdout
        .split('\n')
        .filter(Boolean)
        .map(line => line.split('\t')[0]),
    );
    expect([...scopes]).toEqual(['global']);
    expect(stdout).toContain('user.name=Portal Bot');
    expect(stdout).toContain('user.email=bot@example.com');
  });

  it('passes arguments verbatim, never through a shell', async () => {
    const dir = await server.tempDir();
    await client.run(['init', '--quiet', dir]);
    const message = '$(touch pwned) `id`; echo "quoted" | cat';
    await client.run(['commit', '--allow-empty', '--quiet', '-m', message], {
      cwd: dir,
    });
    const { stdout } = await client.run(['log', '-1', '--format=%B'], {
      cwd: dir,
    });
    expect(stdout.trim()).toBe(message);
    await expect(fs.stat(path.join(dir, 'pwned'))).rejects.toThrow(/ENOENT/);
  });

  it('authenticates over HTTP with credentials that never reach arguments, files or logs', async () => {
    debugLines.length = 0;
    const url = server.httpUrl('app');
    const { stdout } = await client.run(['ls-remote', url], {
      credentials: { username: USERNAME, password: PASSWORD },
      credentialsURL: url,
    });
    expect(stdout).toMatch(/refs\/tags\/v1\.0\.0/);
    expect(
      server.requests.some(r => r.user === USERNAME && r.status === 200),
    ).toBe(true);
    expect(debugLines.length).toBeGreaterThan(0);
    expect(debugLines.join('\n')).not.toContain(PASSWORD);
    // The client's private home lives under the fixture's root: no file there holds the password.
    expect(await readAll(server.root)).not.toContain(PASSWORD);
  });

  it('keeps the password out of the error when authentication fails', async () => {
    debugLines.length = 0;
    const url = server.httpUrl('app');
    const wrong = `${PASSWORD}-wrong`;
    const error = await client
      .run(['ls-remote', url], {
        credentials: { username: USERNAME, password: wrong },
        credentialsURL: url,
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect(error.message).toMatch(/Authentication failed|401/);
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(encodeURIComponent(wrong));
    expect(debugLines.join('\n')).not.toContain(wrong);
  });

  it('redacts credentials a user put into a URL', async () => {
    const url = server.httpUrl('app', {
      userinfo: `${USERNAME}:${encodeURIComponent('other-secret')}`,
    });
    const error = await client.run(['ls-remote', url]).catch(e => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect(error.message).not.toContain('other-secret');
    expect(error.message).toContain('http://***@127.0.0.1');
  });

  it('fails instead of prompting when there are no credentials', async () => {
    // Would hang on a prompt instead: Jest's timeout bounds it.
    const error = await client
      .run(['ls-remote', server.httpUrl('app')])
      .catch(e => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect(error.message).toMatch(
      /terminal prompts disabled|could not read Username/,
    );
  });

  it('gives credentials only to the host they are for', async () => {
    const url = server.httpUrl('app');
    const error = await client
      .run(['ls-remote', url], {
        credentials: { username: USERNAME, password: PASSWORD },
        credentialsURL: 'https://git.example.com/app.git',
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('kills the command when aborted', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>(resolve => {
      release = resolve;
    });
    let reached: () => void = () => {};
    const hanging = new Promise<void>(resolve => {
      reached = resolve;
    });
    server.configureHttp({
      auth: { username: USERNAME, password: PASSWORD },
      beforeRequest: async () => {
        reached();
        await held;
      },
    });
    try {
      const controller = new AbortController();
      const url = server.httpUrl('app');
      const run = client.run(['ls-remote', url], {
        credentials: { username: USERNAME, password: PASSWORD },
        credentialsURL: url,
        signal: controller.signal,
      });
      await hanging;
      // The server still holds the request: only the abort can end the run (Jest's timeout bounds it).
      controller.abort();
      await expect(run).rejects.toBeInstanceOf(GitAbortedError);
    } finally {
      release();
      server.configureHttp({
        auth: { username: USERNAME, password: PASSWORD },
      });
    }
  });

  it('refuses an already aborted signal without starting git', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      client.run(['version'], { signal: controller.signal }),
    ).rejects.toThrow();
  });

  it('refuses transports that run commands', async () => {
    const error = await client
      .run(['ls-remote', 'ext::sh -c touch% /tmp/kargo-pwned'])
      .catch(e => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect(error.message).toMatch(/transport 'ext' not allowed/);
  });

  it('treats listed exit codes as answers', async () => {
    const dir = await server.tempDir();
    await client.run(['init', '--quiet', dir]);
    const result = await client.run(
      ['diff', '--no-index', '--quiet', '/dev/null', __filename],
      {
        cwd: dir,
        okExitCodes: [1],
      },
    );
    expect(result.exitCode).toBe(1);
  });
});

describe('remoteOrigin', () => {
  it.each([
    [
      'https://github.com/acme/app.git',
      { scheme: 'https', host: 'github.com' },
    ],
    [
      'http://user:pw@127.0.0.1:8080/a.git',
      { scheme: 'http', host: '127.0.0.1:8080' },
    ],
    ['HTTPS://Example.com', { scheme: 'https', host: 'Example.com' }],
    ['file:///srv/repo.git', undefined],
    ['git@github.com:acme/app.git', undefined],
    ['ssh://git@github.com/acme/app.git', undefined],
  ])('%s', (url, expected) => {
    expect(remoteOrigin(url)).toEqual(expected);
  });
});
