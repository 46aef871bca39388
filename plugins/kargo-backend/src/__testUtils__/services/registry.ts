import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/*
 * A real OCI registry for tests: Debian's `docker-registry` (docker/distribution 2.8) on a free loopback port,
 * storing into a temporary directory that is removed when it stops.
 *
 * Authentication:
 * - none: anonymous pull and push.
 * - htpasswd: basic authentication. distribution 2.8 accepts it over plain HTTP (it does not insist on TLS, unlike
 *   the Docker CLI, which refuses to send basic credentials to a non-TLS registry), so no certificate is needed.
 * - token: bearer tokens from a token service (see ../doubles/tokenService.ts): the registry verifies the JWT's
 *   signature against `rootCertificate` (the token's `x5c` header carries the same self-signed certificate), its
 *   issuer and its audience (`service`).
 *
 * distribution 2.8 serves `tags/list` in one page whatever `n` says and in no particular order; see
 * ../doubles/paginatingRegistryProxy.ts for a registry that pages.
 */

export type RegistryAuth =
  | { type: 'none' }
  | { type: 'htpasswd'; users: Record<string, string> }
  | {
      type: 'token';
      realm: string;
      service: string;
      issuer: string;
      /** PEM file of the certificate whose key signs the tokens. */
      rootCertificate: string;
    };

export interface TestRegistry {
  /** 127.0.0.1:port */
  host: string;
  /** http://127.0.0.1:port */
  url: string;
  /** What the registry wrote to stdout and stderr. */
  logs(): string;
  stop(): Promise<void>;
}

/** A free TCP port on the loopback interface (free when asked; the registry binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function authConfig(auth: RegistryAuth, dir: string): Promise<string> {
  switch (auth.type) {
    case 'htpasswd': {
      const file = path.join(dir, 'htpasswd');
      const lines = Object.entries(auth.users).map(([user, password]) => {
        // bcrypt, the only hash distribution accepts; the password goes on stdin, not the command line.
        const result = spawnSync('htpasswd', ['-niB', user], {
          input: password,
          encoding: 'utf8',
        });
        if (result.status !== 0) {
          throw new Error(`htpasswd failed: ${result.stderr}`);
        }
        return result.stdout.trim();
      });
      return fs
        .writeFile(file, `${lines.join('\n')}\n`)
        .then(
          () =>
            `auth:\n  htpasswd:\n    realm: test-registry\n    path: ${file}\n`,
        );
    }
    case 'token':
      return Promise.resolve(
        [
          'auth:',
          '  token:',
          `    realm: ${auth.realm}`,
          `    service: ${auth.service}`,
          `    issuer: ${auth.issuer}`,
          `    rootcertbundle: ${auth.rootCertificate}`,
          '',
        ].join('\n'),
      );
    default:
      return Promise.resolve('');
  }
}

async function waitUntilServing(
  url: string,
  child: ChildProcess,
  logs: () => string,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`docker-registry exited (${child.exitCode}):\n${logs()}`);
    }
    try {
      const response = await fetch(`${url}/v2/`);
      await response.body?.cancel();
      // Only a registry answers with this header (another process could have taken the port).
      if (response.headers.has('docker-distribution-api-version')) return;
    } catch {
      // Not listening yet.
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error(`docker-registry did not start within 15s:\n${logs()}`);
}

/**
 * Starts `docker-registry serve` with the given authentication; call `stop()` when done. Tries another port
 * when the free one was taken before the registry bound it.
 */
export async function startRegistry(
  options: { auth?: RegistryAuth } = {},
): Promise<TestRegistry> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRegistryOnce(options);
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test(String(error))) {
        throw error;
      }
    }
  }
}

async function startRegistryOnce(options: {
  auth?: RegistryAuth;
}): Promise<TestRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kargo-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    '  secret: kargo-portal-test-only',
    await authConfig(options.auth ?? { type: 'none' }, dir),
  ].join('\n');
  const configFile = path.join(dir, 'config.yml');
  await fs.writeFile(configFile, config);

  let output = '';
  const child = spawn('docker-registry', ['serve', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', chunk => {
    output += chunk;
  });
  child.stderr?.on('data', chunk => {
    output += chunk;
  });
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const url = `http://${host}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, url, logs: () => output, stop };
}
