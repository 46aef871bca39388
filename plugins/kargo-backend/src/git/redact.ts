/** What replaces a secret in messages and logs. */
export const REDACTED = '***';

// userinfo of a URL: scheme://user[:password]@host
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

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
 * line or a stored output: git's output, SCM API errors and promotion step logs all go through it. Secrets shorter than 4 characters are still removed: a short password is still a password.
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
  let result = text.replace(URL_USERINFO, `$1${REDACTED}@`);
  // Longest first, so that a form containing another is replaced whole.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    result = result.split(form).join(REDACTED);
  }
  return result;
}

/** A URL without its user information, for messages. */
export function redactUrl(url: string): string {
  return url.replace(URL_USERINFO, `$1${REDACTED}@`);
}
