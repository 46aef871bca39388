import { createHash } from 'node:crypto';

/* Details of the OCI Distribution API: tag and digest syntax, content digests, media types, pagination. */

export const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** The `rel="next"` target of a `Link` header, resolved against the page it came with. */
export function nextPageUrl(
  link: string | null,
  currentUrl: string,
): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?next"?/i.test(match[2])) {
      return new URL(match[1], currentUrl).toString();
    }
  }
  return undefined;
}
