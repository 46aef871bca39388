import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type { BasicCredentials } from '../types';
import { Semaphore } from '../concurrency';
import { readLimited } from '../http';
import { AuthChallenge, parseAuthChallenge } from './challenge';
import { findRegistryCredentials, RegistryCredentials } from './credentials';
import { ErrorContext, statusError, unreachableError } from './errors';
import {
  FetchedManifest,
  IMAGE_MANIFEST_MEDIA_TYPES,
  imageIndexSchema,
  imageManifestSchema,
  INDEX_MEDIA_TYPES,
  MANIFEST_ACCEPT,
} from './manifests';
import {
  DIGEST,
  mediaTypeOf,
  nextPageUrl,
  sha256Digest,
  TAG,
} from './protocol';
import { Exchange, RegistryTokens } from './tokens';

export { nextPageUrl } from './protocol';
import {
  allowsPlainHttp,
  formatImageRepository,
  ImageRepository,
} from './reference';

/** Options of {@link OciRegistryClient.create}. */
export interface OciRegistryClientOptions {
  /** Credentials per registry host (`kargo.registries`); registries without an entry are used anonymously. */
  credentials?: readonly RegistryCredentials[];
  /** The `fetch` to use; the global one by default. Lets a caller bring its own TLS trust or proxy. */
  fetch?: typeof fetch;
  logger?: LoggerService;
  /** Time limit of each HTTP request. Default 30 s, Kargo's response header timeout. */
  timeoutMs?: number;
  /**
   * Requests in flight per registry. Default 20, Kargo's default discovery limit: a poll reads the manifests of
   * the newest 20 tags at once rather than in three rounds.
   */
  maxConcurrentRequests?: number;
  /** Tags asked for per page of a tag list (`n`). Default 1000, as go-containerregistry asks. */
  tagPageSize?: number;
}

/** Per-call options. */
export interface RegistryRequestOptions {
  signal?: AbortSignal;
}

/** What a manifest HEAD tells: enough to know whether a tag moved. */
export interface ManifestDescriptor {
  digest: string;
  mediaType: string;
  size?: number;
}

interface RegistryState {
  /** scheme://host */
  baseUrl: string;
  /** How the registry asked to authenticate, once it did. */
  challenge?: AuthChallenge;
}

interface HeadAnswer {
  digest?: string;
  mediaType: string;
  size: number;
}

interface ManifestAnswer {
  bytes: Buffer;
  mediaType: string;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_PAGES = 10_000;
/**
 * A client of the OCI Distribution API (https://github.com/opencontainers/distribution-spec) for discovering
 * images: tag lists, manifests and blobs. It authenticates the way registries ask (`WWW-Authenticate`):
 * anonymously, with basic credentials, or with bearer tokens from the registry's token service, which it caches
 * per repository until they expire. One instance is meant to be shared: it remembers each registry's scheme and
 * challenge, its tokens, and bounds the requests in flight per registry.
 */
export class OciRegistryClient {
  readonly #credentials: readonly RegistryCredentials[];
  readonly #fetch: typeof fetch;
  readonly #logger?: LoggerService;
  readonly #timeoutMs: number;
  readonly #maxConcurrent: number;
  readonly #tagPageSize: number;
  readonly #registries = new Map<string, Promise<RegistryState>>();
  readonly #tokens: RegistryTokens;
  readonly #limiters = new Map<string, Semaphore>();

  static create(options: OciRegistryClientOptions = {}): OciRegistryClient {
    return new OciRegistryClient(options);
  }

  private constructor(options: OciRegistryClientOptions) {
    this.#credentials = options.credentials ?? [];
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxConcurrent = options.maxConcurrentRequests ?? 20;
    this.#tagPageSize = options.tagPageSize ?? 1000;
    this.#tokens = new RegistryTokens(
      (server, exchange, authorization, signal) =>
        this.#send(server, exchange, authorization, signal),
    );
  }

  /** Every tag of a repository, following `Link` pagination. In the registry's order. */
  async listTags(
    repo: ImageRepository,
    options: RegistryRequestOptions = {},
  ): Promise<string[]> {
    const state = await this.#registry(repo.registry, options.signal);
    const tags: string[] = [];
    const seen = new Set<string>();
    let url: string | undefined = `${state.baseUrl}/v2/${
      repo.repository
    }/tags/list?n=${this.#tagPageSize}`;
    for (let page = 0; url !== undefined; page++) {
      if (page >= MAX_PAGES || seen.has(url)) {
        throw new Error(
          `registry ${repo.registry} keeps paginating the tags of repository ${repo.repository}; stopped after ${page} pages`,
        );
      }
      seen.add(url);
      const pageUrl: string = url;
      const { body, next } = await this.#exchange(
        repo,
        {
          method: 'GET',
          url: pageUrl,
          accept: 'application/json',
          subject: `repository ${repo.repository}`,
        },
        options.signal,
        async response => ({
          body: await readLimited(
            response,
            64 * 1024 * 1024,
            `tag list of ${formatImageRepository(repo)}`,
          ),
          next: nextPageUrl(response.headers.get('link'), pageUrl),
        }),
      );
      tags.push(...this.#parseTags(repo, body));
      if (
        next !== undefined &&
        new URL(next).origin !== new URL(state.baseUrl).origin
      ) {
        throw new Error(
          `registry ${
            repo.registry
          } pointed the next page of tags at another server (${
            new URL(next).origin
          })`,
        );
      }
      url = next;
    }
    return tags;
  }

  /** The digest and media type of a manifest by tag or digest; undefined when there is none. */
  async headManifest(
    repo: ImageRepository,
    reference: string,
    options: RegistryRequestOptions = {},
  ): Promise<ManifestDescriptor | undefined> {
    const url = await this.#manifestUrl(repo, reference, options.signal);
    const found = await this.#exchange(
      repo,
      {
        method: 'HEAD',
        url,
        accept: MANIFEST_ACCEPT,
        subject: `manifest ${repo.repository}:${reference}`,
      },
      options.signal,
      async (response): Promise<HeadAnswer | undefined> => ({
        digest: response.headers.get('docker-content-digest') ?? undefined,
        mediaType: mediaTypeOf(response.headers.get('content-type')),
        size: Number(response.headers.get('content-length') ?? NaN),
      }),
      () => undefined,
    );
    if (!found) return undefined;
    if (!found.digest) {
      // Some registries leave the digest out of HEAD answers: the manifest itself tells.
      const manifest = await this.getManifest(repo, reference, options);
      return (
        manifest && { digest: manifest.digest, mediaType: manifest.mediaType }
      );
    }
    return {
      digest: found.digest,
      mediaType: found.mediaType,
      size: Number.isFinite(found.size) ? found.size : undefined,
    };
  }

  /**
   * A manifest by tag or digest: an image manifest or an image index (OCI or Docker v2 media types). Undefined
   * when there is none. The digest is computed from the bytes received and checked against a requested digest.
   */
  async getManifest(
    repo: ImageRepository,
    reference: string,
    options: RegistryRequestOptions = {},
  ): Promise<FetchedManifest | undefined> {
    const url = await this.#manifestUrl(repo, reference, options.signal);
    const what = `manifest ${repo.repository}:${reference}`;
    const fetched = await this.#exchange(
      repo,
      { method: 'GET', url, accept: MANIFEST_ACCEPT, subject: what },
      options.signal,
      async (response): Promise<ManifestAnswer | undefined> => ({
        bytes: await readLimited(response, MAX_MANIFEST_BYTES, what),
        mediaType: mediaTypeOf(response.headers.get('content-type')),
      }),
      () => undefined,
    );
    if (!fetched) return undefined;
    const digest = sha256Digest(fetched.bytes);
    if (
      DIGEST.test(reference) &&
      reference.startsWith('sha256:') &&
      reference !== digest
    ) {
      throw new Error(
        `registry ${repo.registry} sent a ${what} whose digest is ${digest}`,
      );
    }
    return this.#parseManifest(fetched.bytes, fetched.mediaType, digest, what);
  }

  /** A blob's content, checked against its digest. */
  async getBlob(
    repo: ImageRepository,
    digest: string,
    options: RegistryRequestOptions & { maxBytes: number },
  ): Promise<Buffer> {
    if (!DIGEST.test(digest)) {
      throw new InputError(`"${digest}" is not a digest`);
    }
    const state = await this.#registry(repo.registry, options.signal);
    const what = `blob ${repo.repository}@${digest}`;
    const bytes = await this.#exchange(
      repo,
      {
        method: 'GET',
        url: `${state.baseUrl}/v2/${repo.repository}/blobs/${digest}`,
        subject: what,
      },
      options.signal,
      response => readLimited(response, options.maxBytes, what),
    );
    if (digest.startsWith('sha256:') && sha256Digest(bytes) !== digest) {
      throw new Error(
        `registry ${repo.registry} sent a ${what} with other content`,
      );
    }
    return bytes;
  }

  /** Whether a repository holds a blob. */
  async hasBlob(
    repo: ImageRepository,
    digest: string,
    options: RegistryRequestOptions & { access?: 'pull' | 'push' } = {},
  ): Promise<boolean> {
    if (!DIGEST.test(digest)) {
      throw new InputError(`"${digest}" is not a digest`);
    }
    const state = await this.#registry(repo.registry, options.signal);
    return this.#exchange(
      repo,
      {
        method: 'HEAD',
        url: `${state.baseUrl}/v2/${repo.repository}/blobs/${digest}`,
        subject: `blob ${repo.repository}@${digest}`,
        access: options.access,
      },
      options.signal,
      async () => true,
      () => false,
    );
  }

  /**
   * Uploads a blob in one request (the Distribution API's monolithic upload: POST, then PUT with the digest).
   * A blob the repository holds already is not sent again.
   */
  async pushBlob(
    repo: ImageRepository,
    digest: string,
    bytes: Buffer,
    options: RegistryRequestOptions = {},
  ): Promise<void> {
    if (digest.startsWith('sha256:') && sha256Digest(bytes) !== digest) {
      throw new InputError(`the content to upload is not blob ${digest}`);
    }
    if (await this.hasBlob(repo, digest, { ...options, access: 'push' })) {
      return;
    }
    const state = await this.#registry(repo.registry, options.signal);
    const what = `upload of blob ${repo.repository}@${digest}`;
    const location = await this.#exchange(
      repo,
      {
        method: 'POST',
        url: `${state.baseUrl}/v2/${repo.repository}/blobs/uploads/`,
        subject: what,
        access: 'push',
      },
      options.signal,
      async response => {
        await response.body?.cancel();
        return response.headers.get('location');
      },
    );
    if (!location) {
      throw new Error(
        `registry ${repo.registry} started the ${what} without saying where to send it`,
      );
    }
    const url = new URL(location, `${state.baseUrl}/`);
    if (url.origin !== new URL(state.baseUrl).origin) {
      throw new Error(
        `registry ${repo.registry} sent the ${what} to another server (${url.origin})`,
      );
    }
    url.searchParams.set('digest', digest);
    await this.#exchange(
      repo,
      {
        method: 'PUT',
        url: url.toString(),
        subject: what,
        body: bytes,
        contentType: 'application/octet-stream',
        access: 'push',
      },
      options.signal,
      async response => {
        await response.body?.cancel();
      },
    );
  }

  /** Stores a manifest under a tag or its digest; returns its digest. */
  async putManifest(
    repo: ImageRepository,
    reference: string,
    manifest: { bytes: Buffer; mediaType: string },
    options: RegistryRequestOptions = {},
  ): Promise<string> {
    const url = await this.#manifestUrl(repo, reference, options.signal);
    await this.#exchange(
      repo,
      {
        method: 'PUT',
        url,
        subject: `manifest ${repo.repository}:${reference}`,
        body: manifest.bytes,
        contentType: manifest.mediaType,
        access: 'push',
      },
      options.signal,
      async response => {
        await response.body?.cancel();
      },
    );
    return sha256Digest(manifest.bytes);
  }

  #parseTags(repo: ImageRepository, body: Buffer): string[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (typeof parsed === 'object' && parsed !== null && 'tags' in parsed) {
      const tags = parsed.tags ?? [];
      if (Array.isArray(tags) && tags.every(tag => typeof tag === 'string')) {
        return tags;
      }
    }
    throw new Error(
      `registry ${repo.registry} sent a tag list of repository ${repo.repository} that is not one`,
    );
  }

  #parseManifest(
    bytes: Buffer,
    contentType: string,
    digest: string,
    what: string,
  ): FetchedManifest {
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new Error(`${what} is not JSON`);
    }
    const declared =
      typeof json === 'object' && json !== null && 'mediaType' in json
        ? json.mediaType
        : undefined;
    const mediaType =
      contentType && contentType !== 'application/json'
        ? contentType
        : String(declared ?? '');
    if (INDEX_MEDIA_TYPES.includes(mediaType)) {
      const index = imageIndexSchema.safeParse(json);
      if (index.success) {
        return { kind: 'index', digest, mediaType, index: index.data, bytes };
      }
      throw new Error(
        `${what} is not a valid image index: ${index.error.message}`,
      );
    }
    if (IMAGE_MANIFEST_MEDIA_TYPES.includes(mediaType)) {
      const manifest = imageManifestSchema.safeParse(json);
      if (manifest.success) {
        return {
          kind: 'image',
          digest,
          mediaType,
          manifest: manifest.data,
          bytes,
        };
      }
      throw new Error(
        `${what} is not a valid image manifest: ${manifest.error.message}`,
      );
    }
    throw new Error(`${what} has an unsupported media type "${mediaType}"`);
  }

  async #manifestUrl(
    repo: ImageRepository,
    reference: string,
    signal?: AbortSignal,
  ): Promise<string> {
    if (!TAG.test(reference) && !DIGEST.test(reference)) {
      throw new InputError(`"${reference}" is neither a tag nor a digest`);
    }
    const state = await this.#registry(repo.registry, signal);
    return `${state.baseUrl}/v2/${repo.repository}/manifests/${reference}`;
  }

  /**
   * One request with authentication: sends what the registry asked for last time; on 401 takes the new
   * challenge, drops the cached token and tries once more. `read` consumes a successful answer; a 404 gives
   * `onNotFound()` when there is one and an error otherwise.
   */
  async #exchange<T>(
    repo: ImageRepository,
    exchange: Exchange,
    signal: AbortSignal | undefined,
    read: (response: Response) => Promise<T>,
    onNotFound?: () => T,
  ): Promise<T> {
    const state = await this.#registry(repo.registry, signal);
    const credentials = findRegistryCredentials(
      this.#credentials,
      repo.registry,
    );
    return this.#limiter(repo.registry).use(async () => {
      const attempt = async () =>
        this.#send(
          `registry ${repo.registry}`,
          exchange,
          await this.#tokens.authorization(
            state.challenge,
            repo,
            credentials,
            signal,
            exchange.access,
          ),
          signal,
        );
      let response = await attempt();
      const challenge =
        response.status === 401
          ? parseAuthChallenge(response.headers.get('www-authenticate'))
          : undefined;
      if (challenge) {
        // New to this registry, or a token that expired early: take the challenge and ask once more.
        await response.body?.cancel();
        state.challenge = challenge;
        this.#tokens.forget(repo);
        response = await attempt();
      }
      if (response.ok) return read(response);
      const body =
        exchange.method === 'HEAD'
          ? ''
          : await readLimited(response, 64 * 1024, 'error').then(
              b => b.toString('utf8'),
              () => '',
            );
      if (response.status === 404 && onNotFound) return onNotFound();
      throw statusError(
        this.#errorContext(repo, exchange.subject, credentials, state),
        response.status,
        body,
      );
    });
  }

  #errorContext(
    repo: ImageRepository,
    subject: string,
    credentials: BasicCredentials | undefined,
    state: RegistryState,
  ): ErrorContext {
    return {
      server: `registry ${repo.registry}`,
      subject,
      repository: repo.repository,
      withCredentials:
        credentials !== undefined && state.challenge !== undefined,
    };
  }

  async #send(
    server: string,
    exchange: Exchange,
    authorization: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (exchange.accept) headers.accept = exchange.accept;
    if (exchange.contentType) headers['content-type'] = exchange.contentType;
    if (authorization) headers.authorization = authorization;
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    this.#logger?.debug(`${exchange.method} ${exchange.url}`);
    try {
      return await this.#fetch(exchange.url, {
        method: exchange.method,
        headers,
        body: exchange.body,
        redirect: 'follow',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw unreachableError(server, error, this.#timeoutMs);
    }
  }

  #limiter(registry: string): Semaphore {
    let limiter = this.#limiters.get(registry);
    if (!limiter) {
      limiter = new Semaphore(this.#maxConcurrent);
      this.#limiters.set(registry, limiter);
    }
    return limiter;
  }

  /**
   * The registry's scheme and challenge from `GET /v2/` (the API version check), once per registry. HTTPS
   * first; plain HTTP only for the hosts go-containerregistry allows it for (localhost, loopback, private).
   */
  #registry(registry: string, signal?: AbortSignal): Promise<RegistryState> {
    let state = this.#registries.get(registry);
    if (!state) {
      state = this.#ping(registry, signal);
      this.#registries.set(registry, state);
      state.catch(() => this.#registries.delete(registry));
    }
    return state;
  }

  async #ping(registry: string, signal?: AbortSignal): Promise<RegistryState> {
    const schemes = allowsPlainHttp(registry) ? ['https', 'http'] : ['https'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const baseUrl = `${scheme}://${registry}`;
      let response: Response;
      try {
        response = await this.#send(
          `registry ${registry}`,
          {
            method: 'GET',
            url: `${baseUrl}/v2/`,
            subject: 'API version check',
          },
          undefined,
          signal,
        );
      } catch (error) {
        lastError = error;
        continue;
      }
      await response.body?.cancel();
      if (response.ok) return { baseUrl };
      if (response.status === 401) {
        return {
          baseUrl,
          challenge: parseAuthChallenge(
            response.headers.get('www-authenticate'),
          ),
        };
      }
      throw statusError(
        {
          server: `registry ${registry}`,
          subject: 'API version check (/v2/)',
          repository: '',
          withCredentials: false,
        },
        response.status,
        '',
      );
    }
    throw lastError;
  }
}
