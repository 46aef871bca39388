import { AuthenticationError } from '@backstage/errors';
import type { BasicCredentials } from '../types';
import { readLimited } from '../http';
import { AuthChallenge } from './challenge';
import { basicAuthorization } from './credentials';
import { statusError } from './errors';
import { allowsPlainHttp, ImageRepository } from './reference';

/*
 * Authorization for registry requests: basic credentials, or pull tokens from the registry's token service
 * (Docker's token authentication spec, GET flow), cached per repository until shortly before they expire.
 */

/** One request to a registry or its token service. */
export interface Exchange {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  url: string;
  accept?: string;
  /** A body to send (an uploaded blob or manifest), with its media type. */
  body?: Buffer;
  contentType?: string;
  /** What the request needs of the repository: reading (the default) or writing too. */
  access?: RepositoryAccess;
  /** What is asked for, for errors: "tags of repository foo". */
  subject: string;
}

/** What a token allows on a repository: `pull`, or `pull,push`. */
export type RepositoryAccess = 'pull' | 'push';

/** Sends one request (the registry client's, with its timeout, concurrency limit and errors). */
export type SendExchange = (
  server: string,
  exchange: Exchange,
  authorization: string | undefined,
  signal: AbortSignal | undefined,
) => Promise<Response>;

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class RegistryTokens {
  readonly #tokens = new Map<string, Promise<CachedToken>>();
  readonly #send: SendExchange;

  constructor(send: SendExchange) {
    this.#send = send;
  }

  /** Drops the tokens of a repository (the registry refused one). */
  forget(repo: ImageRepository): void {
    this.#tokens.delete(this.#tokenKey(repo, 'pull'));
    this.#tokens.delete(this.#tokenKey(repo, 'push'));
  }

  #tokenKey(repo: ImageRepository, access: RepositoryAccess): string {
    return `${repo.registry} ${scopeOf(repo, access)}`;
  }

  /** The `authorization` header for a repository of a registry that answered with `challenge`, if any. */
  async authorization(
    challenge: AuthChallenge | undefined,
    repo: ImageRepository,
    credentials: BasicCredentials | undefined,
    signal?: AbortSignal,
    access: RepositoryAccess = 'pull',
  ): Promise<string | undefined> {
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      return credentials && basicAuthorization(credentials);
    }
    const key = this.#tokenKey(repo, access);
    let cached = this.#tokens.get(key);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (!token || token.expiresAt <= Date.now()) {
        this.#tokens.delete(key);
        cached = undefined;
      }
    }
    if (!cached) {
      cached = this.#fetchToken(challenge, repo, credentials, signal, access);
      this.#tokens.set(key, cached);
    }
    try {
      return `Bearer ${(await cached).token}`;
    } catch (error) {
      this.#tokens.delete(key);
      throw error;
    }
  }

  /** A token from the registry's token service (Docker's token authentication spec, GET flow). */
  async #fetchToken(
    challenge: Extract<AuthChallenge, { scheme: 'bearer' }>,
    repo: ImageRepository,
    credentials: BasicCredentials | undefined,
    signal: AbortSignal | undefined,
    access: RepositoryAccess,
  ): Promise<CachedToken> {
    let url: URL;
    try {
      url = new URL(challenge.realm);
    } catch {
      throw new Error(
        `registry ${repo.registry} named an invalid token service "${challenge.realm}"`,
      );
    }
    if (challenge.service) url.searchParams.set('service', challenge.service);
    url.searchParams.set('scope', scopeOf(repo, access));
    const server = `token service ${url.origin}${url.pathname}`;
    // Credentials go to a token service over HTTPS, or to one on a host that may be plain HTTP anyway.
    const sendCredentials =
      credentials !== undefined &&
      (url.protocol === 'https:' || allowsPlainHttp(url.host));
    const response = await this.#send(
      server,
      {
        method: 'GET',
        url: url.toString(),
        accept: 'application/json',
        subject: `a token for repository ${repo.repository}`,
      },
      sendCredentials ? basicAuthorization(credentials) : undefined,
      signal,
    );
    const body = await readLimited(response, 1024 * 1024, 'token').then(b =>
      b.toString('utf8'),
    );
    if (!response.ok) {
      throw statusError(
        {
          server,
          subject: `a token for repository ${repo.repository}`,
          repository: repo.repository,
          withCredentials: sendCredentials,
        },
        response.status,
        body,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const fields =
      typeof parsed === 'object' && parsed !== null
        ? new Map(Object.entries(parsed))
        : new Map<string, unknown>();
    const token = fields.get('token') ?? fields.get('access_token');
    if (typeof token !== 'string' || token === '') {
      throw new AuthenticationError(
        `${server} sent no token for repository ${repo.repository}`,
      );
    }
    const expiresIn = Number(fields.get('expires_in') ?? 60);
    // Refresh a little early so that a token does not expire between this check and the registry's.
    const lifetime =
      Math.max(Number.isFinite(expiresIn) ? expiresIn : 60, 10) - 5;
    return { token, expiresAt: Date.now() + lifetime * 1000 };
  }
}

/** The token scope for an access to a repository (Docker's token scope syntax). */
function scopeOf(repo: ImageRepository, access: RepositoryAccess): string {
  return `repository:${repo.repository}:${
    access === 'push' ? 'pull,push' : 'pull'
  }`;
}
