/** What replaces a secret in messages and logs. */
export const REDACTED = '***';

// A URL as it stands in a text: its scheme, then everything up to white space or a quote.
const URL_TOKEN = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>`]+)/gi;
// What follows the `@` that ends user information: a host (name, IPv4 or [IPv6]), an optional port, then the end
// of the URL or its path, query or fragment.
// Sticky, tried at each `@` in place (no slicing: a token full of `@` stays linear to scan).
const HOST_AFTER_AT = /@(?:\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::\d*)?(?:[/?#]|$)/iy;

/**
 * Where the user information of a URL (after its scheme) ends in a message: the index of its `@`, or -1. Passwords
 * and tokens are not always encoded as they should be: they may hold `@`, `/` or `:` as typed, so the user information ends at the LAST `@` that a
 * host follows, not at the first `@` or `/`. A URL with an `@` in its path as well loses that part of its path in
 * the message: a message that says too little is better than one that shows a password.
 */
function userinfoEnd(rest: string): number {
  // An `@` in the query or fragment (`?email=a@b`) is not user information.
  const end = rest.search(/[?#]/);
  const authorityAndPath = end < 0 ? rest : rest.slice(0, end);
  for (
    let at = authorityAndPath.lastIndexOf('@');
    at > 0;
    at = authorityAndPath.lastIndexOf('@', at - 1)
  ) {
    HOST_AFTER_AT.lastIndex = at;
    if (HOST_AFTER_AT.test(rest)) return at;
  }
  return -1;
}

function withoutUserinfo(rest: string): string {
  const at = userinfoEnd(rest);
  return at < 0 ? rest : `${REDACTED}${rest.slice(at)}`;
}

function redactUserinfo(text: string): string {
  return text.replace(
    URL_TOKEN,
    (_match, scheme: string, rest: string) => scheme + withoutUserinfo(rest),
  );
}

/**
 * The forms a secret can take in output: as given, percent-encoded (as in a URL), escaped inside a JSON string,
 * and base64-encoded inside a Basic `Authorization` header (`user:password`, which git prints with
 * `GIT_CURL_VERBOSE`).
 */
function secretForms(secret: string, username?: string): string[] {
  const forms = [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
  ];
  if (username !== undefined) {
    forms.push(Buffer.from(`${username}:${secret}`).toString('base64'));
  }
  return forms;
}

/**
 * Removes known secrets, and the user information of any URL, from a text meant for an error message, a log
 * line or a stored output: git's output, SCM API errors and promotion step logs all go through it. Secrets shorter
 * than 4 characters are still removed: a short password is still a password.
 */
export function redact(
  text: string,
  secrets: ReadonlyArray<string | { username?: string; password: string }>,
): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret === 'string') {
      if (secret) secretForms(secret).forEach(f => forms.add(f));
    } else if (secret.password) {
      secretForms(secret.password, secret.username).forEach(f => forms.add(f));
    }
  }
  let result = redactUserinfo(text);
  // Longest first, so that a form containing another is replaced whole.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    result = result.split(form).join(REDACTED);
  }
  return result;
}

/** A URL without its user information, for messages. */
export function redactUrl(url: string): string {
  return redactUserinfo(url);
}

/**
 * A repository URL fit to store and serve: an `http(s)://` or `oci://` URL loses its user information (a user
 * name there is often a token), any other URL its password (`ssh://git@host` keeps its user). Manifests with
 * credentials are refused at load; this keeps any that reach discovery another way out of the store and the API.
 * Kargo's normalization drops the same user information, so freight ids do not change. Unlike redaction, it reads
 * the authority as RFC 3986 does (up to the first `/`): a path with an `@` in it stays as it is.
 */
export function withoutCredentials(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!match) return url;
  const [, scheme, authority, rest] = match;
  const at = authority.lastIndexOf('@');
  if (at < 0) return url;
  const host = authority.slice(at + 1);
  if (/^(https?|oci):/i.test(scheme)) return scheme + host + rest;
  const colon = authority.indexOf(':');
  if (colon < 0 || colon > at) return url;
  return `${scheme}${authority.slice(0, colon)}@${host}${rest}`;
}

/**
 * Discovered artifacts or freight artifacts with the credentials of every `repoURL` removed (see
 * {@link withoutCredentials}): what is stored is served to every reader of the project. Used before storing and
 * when reading rows (which covers rows stored before credentials were refused). Walks any shape, as artifact
 * sources of modules record their own. The value itself is never changed: what differs is copied.
 */
export function withoutRepoCredentials<T>(value: T): T {
  // Copies only what changes: the parts without credentials (nearly always all of it) are the value's own, so
  // that reading a page of freight does not copy every object of it again.
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const clean = withoutRepoCredentials(item);
      if (clean !== item) {
        copy ??= [...value];
        copy[i] = clean;
      }
    });
    return (copy ?? value) as T;
  }
  if (value === null || typeof value !== 'object') return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const clean =
      key === 'repoURL' && typeof item === 'string'
        ? withoutCredentials(item)
        : withoutRepoCredentials(item);
    if (clean !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = clean;
    }
  }
  return (copy ?? value) as T;
}
