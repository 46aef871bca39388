import { execFile } from 'node:child_process';
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/*
 * TEST DOUBLE of a registry token service (Docker's token authentication spec, as Docker Hub's auth.docker.io
 * serves it): `GET /token?service=..&scope=repository:<name>:<actions>` with optional basic credentials answers
 * `{ token, access_token, expires_in }`. The tokens are real JWTs that docker-registry verifies: ES256, signed
 * with a key whose self-signed certificate is both the registry's `rootcertbundle` and the token's `x5c` header.
 * Who may do what is a table given to `startTokenService`; every request is recorded for assertions.
 */

const execFileAsync = promisify(execFile);

export interface TokenServiceUser {
  password: string;
  /** Actions granted on every repository, e.g. ["pull", "push"]. */
  actions: string[];
}

export interface TokenRequest {
  scopes: string[];
  /** The user who authenticated; undefined for anonymous requests. */
  user?: string;
  /** The answer's status. */
  status: number;
}

export interface TokenService {
  /** The URL registries send clients to (`realm`). */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file of the signing certificate, for the registry's `rootcertbundle`. */
  certificateFile: string;
  /** Requests received, oldest first. */
  requests: TokenRequest[];
  /** A token for the given access, e.g. for pushing test content. */
  mint(access: Array<{ name: string; actions: string[] }>): string;
  stop(): Promise<void>;
}

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

function parseBasic(header: string | undefined) {
  const match = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0
    ? undefined
    : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Starts the token service double on a free loopback port. `anonymousPull` lists the repositories anyone may
 * pull; users get their actions on every repository. `expiresIn` is the token lifetime in seconds.
 */
export async function startTokenService(options: {
  users?: Record<string, TokenServiceUser>;
  anonymousPull?: string[];
  service?: string;
  issuer?: string;
  expiresIn?: number;
}): Promise<TokenService> {
  const service = options.service ?? 'kargo-test-registry';
  const issuer = options.issuer ?? 'kargo-test-token-service';
  const expiresIn = options.expiresIn ?? 300;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kargo-token-'));
  const keyFile = path.join(dir, 'key.pem');
  const certificateFile = path.join(dir, 'cert.pem');
  // Node can sign but not issue certificates: openssl makes the key and its self-signed certificate.
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certificateFile,
    '-days',
    '2',
    '-subj',
    '/CN=kargo-test-token-service',
  ]);
  const key = createPrivateKey(await fs.readFile(keyFile));
  const certificatePem = await fs.readFile(certificateFile, 'utf8');
  const certificateDer = certificatePem
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');

  const mint = (access: Array<{ name: string; actions: string[] }>) => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certificateDer] };
    const claims = {
      iss: issuer,
      sub: 'kargo-test',
      aud: service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: access.map(({ name, actions }) => ({
        type: 'repository',
        name,
        actions,
      })),
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(
      JSON.stringify(claims),
    )}`;
    const signature = sign('sha256', Buffer.from(signingInput), {
      key,
      dsaEncoding: 'ieee-p1363',
    });
    return `${signingInput}.${base64url(signature)}`;
  };

  const requests: TokenRequest[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token-service');
    const scopes = url.searchParams.getAll('scope');
    const basic = parseBasic(req.headers.authorization);
    const user = basic && options.users?.[basic.user];
    const answer = (status: number, body: unknown) => {
      requests.push({ scopes, user: basic?.user, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/token') {
      answer(404, { details: 'not found' });
      return;
    }
    if (url.searchParams.get('service') !== service) {
      answer(400, { details: 'unknown service' });
      return;
    }
    if (basic && (!user || user.password !== basic.password)) {
      answer(401, { details: 'incorrect username or password' });
      return;
    }
    const access = scopes.flatMap(scope => {
      const [type, name, wanted = ''] = scope.split(':');
      if (type !== 'repository' || !name) return [];
      const allowed = user
        ? user.actions
        : (options.anonymousPull ?? []).includes(name) && ['pull'];
      const actions = wanted
        .split(',')
        .filter(action => allowed && allowed.includes(action));
      return [{ name, actions }];
    });
    const token = mint(access);
    answer(200, {
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: new Date().toISOString(),
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certificateFile,
    requests,
    mint,
    stop: async () => {
      await new Promise<void>(resolve => server.close(() => resolve()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
