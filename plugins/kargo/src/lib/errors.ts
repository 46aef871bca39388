import { isError, ResponseError } from '@backstage/errors';

/** What went wrong when talking to the Kargo backend, sorted by what the user can do about it. */
export type KargoErrorKind =
  | 'not-found'
  | 'forbidden'
  | 'conflict'
  | 'unreachable'
  | 'other';

/**
 * The message to show for a failed call: the backend's own message when it sent one (a 403 names the
 * permission, a 409 the reason), otherwise the error's.
 */
export function errorMessage(error: unknown): string {
  if (ResponseError.is(error)) {
    return error.cause.message || error.message;
  }
  if (isError(error)) return error.message;
  return String(error);
}

/** HTTP status of a failed call, when the backend answered. */
export function errorStatus(error: unknown): number | undefined {
  return ResponseError.is(error) ? error.statusCode : undefined;
}

/**
 * Classifies a failed call. A 404 counts as "not found" only when the Kargo backend itself says so: a 404 from
 * a backend without the Kargo plugin means the plugin is not reachable there.
 */
export function classifyError(error: unknown): KargoErrorKind {
  if (!ResponseError.is(error)) {
    // fetch rejects with a TypeError when the backend cannot be reached at all
    return isError(error) && error.name === 'TypeError'
      ? 'unreachable'
      : 'other';
  }
  switch (error.statusCode) {
    case 404:
      return /kargo project|not found in kargo project/i.test(
        error.cause.message,
      )
        ? 'not-found'
        : 'unreachable';
    case 403:
      return 'forbidden';
    case 409:
      return 'conflict';
    case 502:
    case 503:
    case 504:
      return 'unreachable';
    default:
      return 'other';
  }
}
