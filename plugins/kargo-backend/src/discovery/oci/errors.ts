import {
  AuthenticationError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';

/*
 * Readable errors for registry and repository failures. Messages name the host, the repository and the HTTP
 * status; they never contain request headers, so credentials and tokens cannot leak into them.
 */

/** Who answered: a registry, or the token service in front of it. */
export interface ErrorContext {
  /** E.g. "registry 127.0.0.1:5000" or "token service https://auth.example/token". */
  server: string;
  /** What was asked for, e.g. "repository foo" or "manifest foo:1.0.0". */
  subject: string;
  /** The repository, for authorization messages. */
  repository: string;
  /** Whether credentials were sent. */
  withCredentials: boolean;
}

/** The most specific reason of a failed `fetch`: undici wraps the socket error as `cause`. */
function networkReason(error: unknown): string {
  let current: unknown = error;
  let reason = String(error);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    reason = current.message;
    current = current.cause;
  }
  return reason;
}

export function unreachableError(
  server: string,
  error: unknown,
  timeoutMs: number,
): Error {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new ServiceUnavailableError(
      `${server} did not answer within ${timeoutMs / 1000}s`,
    );
  }
  const reason = networkReason(error);
  const hint = /certificate|self[- ]signed|CERT_/i.test(reason)
    ? ': its TLS certificate is not trusted; add its CA to NODE_EXTRA_CA_CERTS'
    : '';
  return new ServiceUnavailableError(
    `cannot reach ${server} (${reason})${hint}`,
    error,
  );
}

/** The first error of a registry's JSON error body (`{"errors":[{"code":..,"message":..}]}`), shortened. */
export function registryErrorDetail(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'errors' in parsed &&
      Array.isArray(parsed.errors) &&
      parsed.errors.length > 0
    ) {
      const [first] = parsed.errors;
      const code = typeof first?.code === 'string' ? first.code : '';
      const message = typeof first?.message === 'string' ? first.message : '';
      return `: ${[code, message].filter(Boolean).join(' ')}`.slice(0, 200);
    }
  } catch {
    // Not JSON: the status says enough.
  }
  return '';
}

export function statusError(
  context: ErrorContext,
  status: number,
  body: string,
): Error {
  const { server, subject, repository } = context;
  const detail = registryErrorDetail(body);
  switch (status) {
    case 401:
      return new AuthenticationError(
        context.withCredentials
          ? `${server} refused the credentials for repository ${repository} (401)`
          : `${server} requires credentials for repository ${repository} (401): configure them under kargo.registries`,
      );
    case 403:
      return new NotAllowedError(
        `${server} denied access to repository ${repository} (403)${detail}`,
      );
    case 404:
      return new NotFoundError(
        `${subject} not found in ${server} (404)${detail}`,
      );
    case 429:
      return new ServiceUnavailableError(
        `${server} is limiting requests (429) for ${subject}; try again later`,
      );
    default:
      if (status >= 500) {
        return new ServiceUnavailableError(
          `${server} failed to answer for ${subject} (${status})${detail}`,
        );
      }
      return new Error(`${server} answered ${status} for ${subject}${detail}`);
  }
}
