import { formatPath } from './common';

/*
 * Credentials belong in the backend's config (Backstage integrations, `kargo.registries`), never in a manifest:
 * a manifest is stored, served to every reader of the project and shown in the UI. A URL that carries them is
 * refused at load, naming the field.
 */

// A URL inside a text: its scheme, then everything up to white space or a quote.
const URL_TOKEN = /\b([a-z][a-z0-9+.-]*):\/\/([^\s"'<>`]+)/gi;
// A host (name, IPv4 or [IPv6]) and an optional port, followed by the end of the authority.
const HOST = /^(?:\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::\d*)?(?:[/?#]|$)/i;
// Schemes whose user information is a credential even without a password (a token given as the user name).
const TOKEN_SCHEMES = new Set(['http', 'https', 'oci']);

/** The user information of a URL (after `scheme://`), or undefined when it has none. */
function userinfoOf(rest: string): string | undefined {
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) return authority.slice(0, at);
  // A password typed with a `/` as is (`alice:pa/ss@host`) ends the authority early: the part before the `/`
  // then reads as a host with a port that is not a number, and an `@` followed by a host comes after it.
  if (end < 0 || rest[end] !== '/' || !/:\d*\D/.test(authority)) {
    return undefined;
  }
  const queryAt = rest.search(/[?#]/);
  const path = queryAt < 0 ? rest : rest.slice(0, queryAt);
  for (
    let i = path.lastIndexOf('@');
    i > end;
    i = path.lastIndexOf('@', i - 1)
  ) {
    if (HOST.test(rest.slice(i + 1))) return rest.slice(0, i);
  }
  return undefined;
}

/**
 * Why a text holds a URL with credentials, or undefined when it holds none. User information made of an
 * expression (`${{ ... }}`) is left alone: its value is not in the manifest.
 *
 * @public
 */
export function urlCredentialsProblem(text: string): string | undefined {
  for (const match of text.matchAll(URL_TOKEN)) {
    const scheme = match[1].toLowerCase();
    const userinfo = userinfoOf(match[2]);
    if (!userinfo || userinfo.includes('${{')) continue;
    if (userinfo.includes(':')) {
      return 'must not hold a password in a URL: credentials belong in the backend config (Backstage integrations for Git, kargo.registries for registries and chart repositories), not in a manifest';
    }
    if (TOKEN_SCHEMES.has(scheme)) {
      return `must not hold user information in an ${scheme}:// URL (a user name there is often a token): credentials belong in the backend config (Backstage integrations for Git, kargo.registries for registries and chart repositories), not in a manifest`;
    }
  }
  return undefined;
}

/** Calls `report` for every string in a parsed document that holds a URL with credentials. */
export function findUrlCredentials(
  value: unknown,
  report: (path: string, message: string) => void,
): void {
  // Iterative: a document nested deeper than the stack is still walked.
  const pending: Array<{ value: unknown; path: Array<string | number> }> = [
    { value, path: [] },
  ];
  while (pending.length > 0) {
    const { value: current, path } = pending.pop()!;
    if (typeof current === 'string') {
      const problem = urlCredentialsProblem(current);
      if (problem) report(formatPath(path), problem);
    } else if (Array.isArray(current)) {
      current.forEach((item, i) =>
        pending.push({ value: item, path: [...path, i] }),
      );
    } else if (current !== null && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        pending.push({ value: item, path: [...path, key] });
      }
    }
  }
}
