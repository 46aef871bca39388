/** How a registry asks clients to authenticate (`WWW-Authenticate` of a 401 answer). */
export type AuthChallenge =
  | { scheme: 'basic' }
  | {
      scheme: 'bearer';
      /** Token service URL. */
      realm: string;
      service?: string;
      /** The scope the registry asked for, e.g. "repository:foo:pull". */
      scope?: string;
    };

const PARAMETER_SOURCE =
  /\s*([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*,?/y;

/**
 * Reads the first challenge of a `WWW-Authenticate` header (RFC 7235): `Basic realm="..."` or
 * `Bearer realm="...",service="...",scope="..."`. Undefined when the header is missing or of another scheme.
 */
export function parseAuthChallenge(
  header: string | null | undefined,
): AuthChallenge | undefined {
  const match = /^\s*([A-Za-z]+)(?:\s+|$)/.exec(header ?? '');
  if (!header || !match) return undefined;
  const scheme = match[1].toLowerCase();
  if (scheme === 'basic') return { scheme: 'basic' };
  if (scheme !== 'bearer') return undefined;
  const parameters = new Map<string, string>();
  const pattern = new RegExp(PARAMETER_SOURCE.source, 'y');
  pattern.lastIndex = match[0].length;
  for (
    let parameter = pattern.exec(header);
    parameter && parameter[0] !== '';
    parameter = pattern.exec(header)
  ) {
    const value =
      parameter[3] !== undefined
        ? parameter[3].replace(/\\(.)/g, '$1')
        : parameter[2];
    parameters.set(parameter[1].toLowerCase(), value);
  }
  const realm = parameters.get('realm');
  if (!realm) return undefined;
  return {
    scheme: 'bearer',
    realm,
    service: parameters.get('service'),
    scope: parameters.get('scope'),
  };
}
