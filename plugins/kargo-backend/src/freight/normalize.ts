/**
 * Repository URL normalization exactly as Kargo does it (`pkg/urls`): the canonical forms feed the
 * Freight id and artifact matching, so every byte matters. Where Kargo returns an input unchanged
 * because it cannot parse it, so do these functions.
 */

import {
  formatGoURL,
  fromByteString,
  goQueryHasValues,
  GoURL,
  parseGoURL,
  toByteString,
} from './goUrl';

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

// [user@]host[:path], Kargo's pattern for SCP-style Git URLs (RE2 \w is ASCII, as in JavaScript).
const SCP_SYNTAX = /^((?:[\w-]+@)?[\w-]+(?:\.[\w-]+)*)(?::(.*))?$/;

const DOCKER_HUB = 'index.docker.io';
const DOCKER_HUB_ALIAS = 'docker.io';
const DOCKER_HUB_REGISTRY_1 = 'registry-1.docker.io';
const REPOSITORY_CHARS = /^[a-z0-9_\-./]*$/;
const TAG_CHARS = /^[a-zA-Z0-9_\-.]*$/;
const SHA256_HEX = /^[a-f0-9]{64}$/;

/**
 * Go's `strings.ToLower`: the simple (one rune to one rune) Unicode lowercase mapping. JavaScript's
 * `toLowerCase` applies full mappings (İ becomes two code points, a final Σ becomes ς); lowering
 * one code point at a time and keeping the first code point gives Go's result.
 */
function goToLower(s: string): string {
  let out = '';
  for (const ch of s) {
    out += String.fromCodePoint(ch.toLowerCase().codePointAt(0) ?? 0);
  }
  return out;
}

function trimSuffix(s: string, suffix: string): string {
  return s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
}

function trimPrefix(s: string, prefix: string): string {
  return s.startsWith(prefix) ? s.slice(prefix.length) : s;
}

function codePointCount(s: string): number {
  return Array.from(s).length;
}

/**
 * Removes leading and trailing whitespace from a presumed URL, and non-printable characters (byte
 * order marks, zero-width spaces, tabs, newlines...) from anywhere in it (Kargo's `SanitizeURL`).
 *
 * @public
 */
export function sanitizeURL(url: string): string {
  let out = '';
  for (const ch of url) {
    if (PRINTABLE.test(ch)) out += ch;
  }
  // Only the ASCII space is both whitespace and printable, so it is all that is left to trim.
  return out.replace(/^ +| +$/g, '');
}

function trimRepoPath(url: GoURL): void {
  url.path = trimSuffix(trimSuffix(url.path, '/'), '.git');
}

/**
 * Canonical form of a Git repository URL (Kargo's `NormalizeGit`).
 *
 * @remarks
 * Lowercases and sanitizes; for `http(s)://` drops userinfo; for `http(s)://` and `ssh://` strips
 * one trailing `/`, then one trailing `.git`; rewrites SCP-style `[user@]host[:path]` to
 * `ssh://[user@]host[/path]`. A URL with query parameters, or one that does not parse, is returned
 * exactly as given.
 *
 * @public
 */
export function normalizeGit(repo: string): string {
  const original = repo;
  const s = sanitizeURL(goToLower(repo));

  const isHttp = s.startsWith('http://') || s.startsWith('https://');
  if (isHttp || s.startsWith('ssh://')) {
    const url = parseGoURL(toByteString(s));
    if (!url || goQueryHasValues(url.rawQuery)) return original;
    if (isHttp) url.user = undefined;
    trimRepoPath(url);
    return fromByteString(formatGoURL(url));
  }

  const match = SCP_SYNTAX.exec(s);
  if (!match) return original;
  const userHost = match[1];
  const pathURL = parseGoURL(toByteString(match[2] ?? ''));
  if (!pathURL) return original;
  trimRepoPath(pathURL);
  if (pathURL.path === '') return `ssh://${userHost}`;
  return `ssh://${userHost}/${fromByteString(formatGoURL(pathURL))}`;
}

/**
 * Canonical form of a Helm chart repository URL (Kargo's `NormalizeChart`): sanitized, lowercased,
 * without `oci://`, and then normalized as an image repository, so that the many spellings of a
 * Docker Hub repository compare equal. A URL that does not parse is returned exactly as given.
 *
 * @public
 */
export function normalizeChart(repo: string): string {
  const original = repo;
  const s = sanitizeURL(repo);
  if (!parseGoURL(toByteString(s))) return original;
  return normalizeImage(trimPrefix(goToLower(s), 'oci://'));
}

/**
 * Canonical form of a container image repository (Kargo's `NormalizeImage`).
 *
 * @remarks
 * Docker Hub repositories lose their registry (`docker.io`, `index.docker.io`,
 * `registry-1.docker.io`) and the implicit `library/` namespace (`docker.io/library/busybox` is
 * `busybox`); other repositories read `registry/repository`. Input that is not a valid image
 * reference is returned exactly as given.
 *
 * @public
 */
export function normalizeImage(repoURL: string): string {
  const original = repoURL;
  const reference = parseImageReference(sanitizeURL(goToLower(repoURL)));
  if (!reference) return original;
  const { registry, repository } = reference;
  if (registry === DOCKER_HUB || registry === DOCKER_HUB_REGISTRY_1) {
    return trimPrefix(repository, 'library/');
  }
  return `${registry}/${repository}`;
}

interface ImageRepository {
  registry: string;
  /** The repository path, with `library/` added for official Docker Hub images. */
  repository: string;
}

/**
 * The repository of an image reference, parsed as go-containerregistry's `name.ParseReference`
 * with weak validation does it (v0.21.7, the version Kargo pins): as a tag reference, else as a
 * digest reference.
 */
function parseImageReference(s: string): ImageRepository | undefined {
  return parseTagReference(s) ?? parseDigestReference(s);
}

function parseTagReference(name: string): ImageRepository | undefined {
  let base = name;
  const parts = name.split(':');
  // A last part holding a '/' is a registry port followed by the repository, not a tag.
  if (parts.length > 1 && !parts[parts.length - 1].includes('/')) {
    const tag = parts[parts.length - 1];
    if (tag === '' || !checkElement(tag, TAG_CHARS, 1, 128)) return undefined;
    base = parts.slice(0, -1).join(':');
  }
  return parseRepository(base);
}

function parseDigestReference(name: string): ImageRepository | undefined {
  const parts = name.split('@');
  if (parts.length !== 2) return undefined;
  const [base, digest] = parts;
  if (!digest.startsWith('sha256:')) return undefined;
  if (!SHA256_HEX.test(digest.slice('sha256:'.length))) return undefined;
  const tagged = parseTagReference(base);
  return parseRepository(
    tagged ? `${tagged.registry}/${tagged.repository}` : base,
  );
}

function parseRepository(name: string): ImageRepository | undefined {
  if (name === '') return undefined;
  let registry = '';
  let repository = name;
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (first === 'localhost' || /[.:]/.test(first)) {
      registry = first;
      repository = name.slice(slash + 1);
    }
  }
  if (!checkElement(repository, REPOSITORY_CHARS, 2, 255)) return undefined;
  if (!isRegistryAuthority(registry)) return undefined;
  if (registry === '' || registry === DOCKER_HUB_ALIAS) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) {
    repository = `library/${repository}`;
  }
  return { registry, repository };
}

function checkElement(
  element: string,
  allowed: RegExp,
  minRunes: number,
  maxRunes: number,
): boolean {
  const runes = codePointCount(element);
  return runes >= minRunes && runes <= maxRunes && allowed.test(element);
}

/** A registry must be a valid RFC 3986 authority: `//<registry>` parses with exactly it as host. */
function isRegistryAuthority(registry: string): boolean {
  const bytes = toByteString(registry);
  const url = parseGoURL(`//${bytes}`);
  return url !== undefined && url.host === bytes;
}
