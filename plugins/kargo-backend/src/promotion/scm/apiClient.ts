import { redact } from '../../git/redact';
import { z } from 'zod';
import { sendHttpRequest } from '../stepHelpers/httpTransport';
import { PullRequest, ScmApiError } from './types';

/** How long one API call may take before it is given up (and the step may retry). */
const REQUEST_TIMEOUT_MS = 30_000;

/** A decoded answer from a provider's API. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Options of {@link ScmApiClient}. */
export interface ScmApiClientOptions {
  /** API root, without trailing slash, e.g. `https://api.github.com` or `https://gitlab.com/api/v4`. */
  baseUrl: string;
  /** Headers sent with every request, authentication included. */
  headers: Record<string, string>;
  /** Values that must never appear in an error message (the token). */
  secrets: string[];
  /** Provider name for messages, e.g. `GitHub`. */
  label: string;
  /** Turns an error body into the provider's explanation. */
  describeError(body: unknown): string | undefined;
  /** Aborts every request of this client, e.g. when the promotion is aborted. */
  signal?: AbortSignal;
  /**
   * Skips TLS certificate verification for this client's requests only (a GitHub Enterprise Server with a
   * self-signed certificate); the process's TLS settings are never touched.
   */
  insecureSkipTLSVerify?: boolean;
}

/**
 * A small JSON-over-HTTP client on global `fetch`, shared by the provider implementations: one place that
 * sets headers, bounds the time a call takes, turns error answers into {@link ScmApiError} and keeps the
 * token out of every message.
 */
export class ScmApiClient {
  constructor(private readonly options: ScmApiClientOptions) {}

  /**
   * Sends a request and returns the decoded answer. Statuses listed in `accept` are returned to the
   * caller; any other status of 400 or more throws {@link ScmApiError}.
   */
  async request(
    method: string,
    path: string,
    request: {
      query?: Record<string, string | number | undefined>;
      body?: unknown;
      accept?: number[];
    } = {},
  ): Promise<ApiResponse> {
    const url = this.url(path, request.query);
    return this.send(method, url, request.body, request.accept ?? []);
  }

  /** Builds the absolute URL of an API path (for following `Link` pagination, pass it back to `requestUrl`). */
  url(path: string, query?: Record<string, string | number | undefined>) {
    const url = new URL(`${this.options.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  /** Sends a GET to an absolute URL the API gave (a `Link: <...>; rel="next"` page). */
  async requestUrl(url: string): Promise<ApiResponse> {
    if (!url.startsWith(`${this.options.baseUrl}/`)) {
      // The token is only ever sent to the configured API.
      throw new ScmApiError({
        status: 502,
        message: `${this.options.label} API pointed to a page outside ${this.options.baseUrl}`,
      });
    }
    return this.send('GET', url, undefined, []);
  }

  private async send(
    method: string,
    url: string,
    body: unknown,
    accept: number[],
  ): Promise<ApiResponse> {
    const { label } = this.options;
    const signals = [AbortSignal.timeout(REQUEST_TIMEOUT_MS)];
    if (this.options.signal) signals.push(this.options.signal);
    let response: Response;
    try {
      response = await (this.options.insecureSkipTLSVerify
        ? insecureFetch
        : fetch)(url, {
        method,
        headers: {
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...this.options.headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any(signals),
        redirect: 'error',
      });
    } catch (error) {
      // Network failures are worth retrying; the cause is kept without the request (and its headers).
      throw new ScmApiError({
        status: 503,
        message: this.redact(
          `${label} API request ${method} ${
            new URL(url).pathname
          } failed: ${describeCause(error)}`,
        ),
      });
    }

    const text = await response.text();
    let decoded: unknown = undefined;
    if (text !== '') {
      try {
        decoded = JSON.parse(text);
      } catch {
        decoded = text;
      }
    }
    if (response.status >= 400 && !accept.includes(response.status)) {
      const explanation =
        this.options.describeError(decoded) ?? response.statusText;
      throw new ScmApiError({
        status: response.status,
        // GitHub answers 403 (not 429) when a rate limit is exhausted; it says so in its headers.
        retryable:
          response.status === 429 ||
          response.status >= 500 ||
          response.headers.get('x-ratelimit-remaining') === '0' ||
          response.headers.has('retry-after'),
        message: this.redact(
          `${label} API answered ${response.status} to ${method} ${
            new URL(url).pathname
          }: ${explanation}`,
        ),
      });
    }
    return {
      status: response.status,
      headers: response.headers,
      body: decoded,
    };
  }

  private redact(message: string): string {
    return redact(message, this.options.secrets);
  }
}

/** `fetch` for the few options the client uses, on node's HTTP stack without certificate verification. */
async function insecureFetch(
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    signal: AbortSignal;
  },
): Promise<Response> {
  const answer = await sendHttpRequest({
    method: init.method,
    url: new URL(url),
    headers: Object.entries(init.headers),
    body: init.body === undefined ? undefined : Buffer.from(init.body),
    timeoutMs: REQUEST_TIMEOUT_MS,
    insecureSkipTLSVerify: true,
    maxResponseBytes: 32 * 1024 * 1024,
    signal: init.signal,
  });
  const noBody = answer.status === 204 || answer.status === 304;
  return new Response(noBody ? null : answer.body, {
    status: answer.status,
    headers: answer.rawHeaders,
  });
}

function describeCause(error: unknown): string {
  // fetch's errors and their causes may come from another realm than this module's `Error` (under Jest, for
  // one): they are read by shape.
  const { name, message, cause } = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    cause?: { message?: unknown };
  };
  if (typeof message !== 'string') return String(error);
  if (name === 'TimeoutError') return 'timed out';
  if (typeof cause?.message === 'string')
    return `${message} (${cause.message})`;
  return message;
}

/**
 * Checks an API answer against the shape the code relies on, so that a changed or foreign API is a clear
 * error instead of `undefined` further on.
 */
export function decodeBody<S extends z.ZodTypeAny>(
  schema: S,
  body: unknown,
  description: string,
): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ScmApiError({
      status: 502,
      message: `${description} had an unexpected shape: ${result.error.issues
        .map(issue => `${issue.path.join('.') || '(root)'} ${issue.message}`)
        .join('; ')}`,
    });
  }
  return result.data;
}

/** The most recently created of some pull requests (Kargo adopts the newest when several match). */
export function newestPullRequest(
  pulls: PullRequest[],
): PullRequest | undefined {
  return [...pulls].sort((a, b) =>
    (b.createdAt ?? '').localeCompare(a.createdAt ?? ''),
  )[0];
}
