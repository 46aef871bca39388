/**
 * The part of Go's `net/url` that Kargo's URL normalizers depend on: `url.Parse`, `URL.String` and
 * whether `URL.Query()` holds any value. Freight ids hash the output of those normalizers, so the
 * portal must parse and print repository URLs byte for byte as Kargo does.
 *
 * Behaviour is that of Go 1.26 (the toolchain Kargo is built with) with default GODEBUG settings:
 * a colon in a host outside brackets starts a port that must be all digits (`urlstrictcolons=1`),
 * bracketed hosts must be IPv6 addresses, and a query of more than 10,000 parameters parses as
 * empty (`urlmaxqueryparams`).
 *
 * Every string in this module is a byte string: one UTF-16 code unit per byte of the UTF-8
 * encoding, as Go strings are bytes. Convert with {@link toByteString} and
 * {@link fromByteString}.
 */

/** Userinfo of a parsed URL; `password` is undefined when none was given (not even empty). */
export interface GoUserinfo {
  username: string;
  password?: string;
}

/** Go's `url.URL`, field for field. */
export interface GoURL {
  scheme: string;
  opaque: string;
  user?: GoUserinfo;
  host: string;
  path: string;
  rawPath: string;
  omitHost: boolean;
  forceQuery: boolean;
  rawQuery: string;
  fragment: string;
  rawFragment: string;
}

type Encoding =
  | 'path'
  | 'host'
  | 'zone'
  | 'userPassword'
  | 'queryComponent'
  | 'fragment';

const UPPER_HEX = '0123456789ABCDEF';
const MAX_QUERY_PARAMS = 10000;

/** The UTF-8 bytes of `s` as a byte string. */
export function toByteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** Decodes a byte string holding UTF-8. */
export function fromByteString(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function isAlnum(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39)
  );
}

function isHex(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x61 && c <= 0x66) ||
    (c >= 0x41 && c <= 0x46)
  );
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 0;
}

function shouldEscape(c: number, mode: Encoding): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if (
    (mode === 'host' || mode === 'zone') &&
    `!$&'()*+,;=:[]<>"`.includes(ch)
  ) {
    return false;
  }
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'userPassword':
        return '@/?:'.includes(ch);
      case 'queryComponent':
        return true;
      case 'fragment':
        return false;
      default:
        break;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

/** Go's `unescape`; undefined where Go returns an error. */
function unescape(s: string, mode: Encoding): string | undefined {
  let n = 0;
  let hasPlus = false;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */) {
      n++;
      if (
        i + 2 >= s.length ||
        !isHex(s.charCodeAt(i + 1)) ||
        !isHex(s.charCodeAt(i + 2))
      ) {
        return undefined;
      }
      const triplet = s.slice(i, i + 3);
      // In a host, %-escapes may only stand for non-ASCII bytes, or %25 (IPv6 zones, RFC 6874).
      if (
        mode === 'host' &&
        unhex(s.charCodeAt(i + 1)) < 8 &&
        triplet !== '%25'
      ) {
        return undefined;
      }
      if (mode === 'zone') {
        const v =
          (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
        if (triplet !== '%25' && v !== 0x20 && shouldEscape(v, 'host')) {
          return undefined;
        }
      }
      i += 3;
    } else if (c === 0x2b /* + */) {
      hasPlus = mode === 'queryComponent';
      i++;
    } else {
      if (
        (mode === 'host' || mode === 'zone') &&
        c < 0x80 &&
        shouldEscape(c, mode)
      ) {
        return undefined;
      }
      i++;
    }
  }
  if (n === 0 && !hasPlus) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      out += String.fromCharCode(
        (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2)),
      );
      i += 2;
    } else if (c === 0x2b) {
      out += mode === 'queryComponent' ? ' ' : '+';
    } else {
      out += s[i];
    }
  }
  return out;
}

function escape(s: string, mode: Encoding): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 && mode === 'queryComponent') {
      out += '+';
    } else if (shouldEscape(c, mode)) {
      out += `%${UPPER_HEX[c >> 4]}${UPPER_HEX[c & 15]}`;
    } else {
      out += s[i];
    }
  }
  return out;
}

function validEncoded(s: string, mode: Encoding): boolean {
  for (let i = 0; i < s.length; i++) {
    if (`!$&'()*+,;=:@[]%`.includes(s[i])) continue;
    if (shouldEscape(s.charCodeAt(i), mode)) return false;
  }
  return true;
}

function cut(s: string, sep: string): [string, string, boolean] {
  const i = s.indexOf(sep);
  return i < 0
    ? [s, '', false]
    : [s.slice(0, i), s.slice(i + sep.length), true];
}

function getScheme(raw: string): [string, string] | undefined {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === 0x3a /* : */) {
      if (i === 0) return undefined; // missing protocol scheme
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function validUserinfo(s: string): boolean {
  // Go ranges over runes here, so any non-ASCII byte makes the userinfo invalid.
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function parseHost(host: string): string | undefined {
  const open = host.lastIndexOf('[');
  if (open > 0) return undefined; // invalid IP-literal
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) return undefined;
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return undefined;
    const unescapedPort = unescape(colonPort, 'host');
    if (unescapedPort === undefined) return undefined;
    const hostname = host.slice(1, close);
    let unescapedHost: string | undefined;
    const zone = hostname.indexOf('%25');
    if (zone >= 0) {
      const h = unescape(hostname.slice(0, zone), 'host');
      const z = unescape(hostname.slice(zone), 'zone');
      unescapedHost = h === undefined || z === undefined ? undefined : h + z;
    } else {
      unescapedHost = unescape(hostname, 'host');
    }
    // Only IPv6 addresses may be bracketed (RFC 3986), checked as netip.ParseAddr does.
    if (unescapedHost === undefined || !isIPv6Address(unescapedHost)) {
      return undefined;
    }
    return `[${unescapedHost}]${unescapedPort}`;
  }
  const colon = host.indexOf(':');
  if (colon >= 0 && !validOptionalPort(host.slice(colon))) return undefined;
  return unescape(host, 'host');
}

function parseAuthority(
  authority: string,
): { user?: GoUserinfo; host: string } | undefined {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (host === undefined) return undefined;
  if (at < 0) return { host };
  const userinfo = authority.slice(0, at);
  if (!validUserinfo(userinfo)) return undefined;
  const [name, password, hasPassword] = cut(userinfo, ':');
  const username = unescape(name, 'userPassword');
  if (username === undefined) return undefined;
  if (!hasPassword) return { user: { username }, host };
  const pass = unescape(password, 'userPassword');
  if (pass === undefined) return undefined;
  return { user: { username, password: pass }, host };
}

function parseWithoutFragment(raw: string): GoURL | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) return undefined;
  const url: GoURL = {
    scheme: '',
    opaque: '',
    host: '',
    path: '',
    rawPath: '',
    omitHost: false,
    forceQuery: false,
    rawQuery: '',
    fragment: '',
    rawFragment: '',
  };
  if (raw === '*') {
    url.path = '*';
    return url;
  }
  const schemeAndRest = getScheme(raw);
  if (!schemeAndRest) return undefined;
  let rest = schemeAndRest[1];
  url.scheme = schemeAndRest[0].toLowerCase();

  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
    url.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    [rest, url.rawQuery] = cut(rest, '?');
  }

  if (!rest.startsWith('/')) {
    if (url.scheme !== '') {
      url.opaque = rest;
      return url;
    }
    if (cut(rest, '/')[0].includes(':')) return undefined;
  }

  if ((url.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const parsed = parseAuthority(authority);
    if (!parsed) return undefined;
    url.user = parsed.user;
    url.host = parsed.host;
  } else if (url.scheme !== '' && rest.startsWith('/')) {
    url.omitHost = true;
  }

  const path = unescape(rest, 'path');
  if (path === undefined) return undefined;
  url.path = path;
  url.rawPath = escape(path, 'path') === rest ? '' : rest;
  return url;
}

/**
 * Go's `url.Parse` over a byte string; undefined where Go returns an error.
 */
export function parseGoURL(raw: string): GoURL | undefined {
  const [u, frag] = cut(raw, '#');
  const url = parseWithoutFragment(u);
  if (!url || frag === '') return url;
  const fragment = unescape(frag, 'fragment');
  if (fragment === undefined) return undefined;
  url.fragment = fragment;
  url.rawFragment = escape(fragment, 'fragment') === frag ? '' : frag;
  return url;
}

function escapedPath(url: GoURL): string {
  if (url.rawPath !== '' && validEncoded(url.rawPath, 'path')) {
    if (unescape(url.rawPath, 'path') === url.path) return url.rawPath;
  }
  if (url.path === '*') return '*';
  return escape(url.path, 'path');
}

function escapedFragment(url: GoURL): string {
  if (url.rawFragment !== '' && validEncoded(url.rawFragment, 'fragment')) {
    if (unescape(url.rawFragment, 'fragment') === url.fragment) {
      return url.rawFragment;
    }
  }
  return escape(url.fragment, 'fragment');
}

/** Go's `URL.String()`, giving a byte string. */
export function formatGoURL(url: GoURL): string {
  let out = '';
  if (url.scheme !== '') out += `${url.scheme}:`;
  if (url.opaque !== '') {
    out += url.opaque;
  } else {
    if (url.scheme !== '' || url.host !== '' || url.user) {
      if (!(url.omitHost && url.host === '' && !url.user)) {
        if (url.host !== '' || url.path !== '' || url.user) out += '//';
        if (url.user) {
          out += escape(url.user.username, 'userPassword');
          if (url.user.password !== undefined) {
            out += `:${escape(url.user.password, 'userPassword')}`;
          }
          out += '@';
        }
        if (url.host !== '') out += escape(url.host, 'host');
      }
    }
    const path = escapedPath(url);
    if (path !== '' && path[0] !== '/' && url.host !== '') out += '/';
    // A relative path whose first segment has a colon would read as a scheme (RFC 3986 §4.2).
    if (out === '' && cut(path, '/')[0].includes(':')) out += './';
    out += path;
  }
  if (url.forceQuery || url.rawQuery !== '') out += `?${url.rawQuery}`;
  if (url.fragment !== '') out += `#${escapedFragment(url)}`;
  return out;
}

/** Whether Go's `URL.Query()` of this raw query holds at least one parameter. */
export function goQueryHasValues(rawQuery: string): boolean {
  // Past the limit Go's ParseQuery fails before parsing, and Query() drops the error.
  if (rawQuery.split('&').length > MAX_QUERY_PARAMS) return false;
  for (const pair of rawQuery.split('&')) {
    if (pair.includes(';') || pair === '') continue;
    const [key, value] = cut(pair, '=');
    if (
      unescape(key, 'queryComponent') !== undefined &&
      unescape(value, 'queryComponent') !== undefined
    ) {
      return true;
    }
  }
  return false;
}

/** Whether `s` (a byte string) is an IPv6 address with optional zone, per Go's `netip.ParseAddr`. */
function isIPv6Address(s: string): boolean {
  // ParseAddr decides the family by the first '.', ':' or '%'; only ':' (IPv6) may be bracketed.
  const first = /[.:%]/.exec(s);
  if (!first || first[0] !== ':') return false;
  let rest = s;
  const percent = rest.indexOf('%');
  if (percent >= 0) {
    if (percent === rest.length - 1) return false; // empty zone
    rest = rest.slice(0, percent);
  }
  let ellipsis = -1;
  let i = 0; // bytes of the 16-byte address filled so far
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return true;
  }
  while (i < 16) {
    let n = 0;
    while (n < rest.length && isHex(rest.charCodeAt(n))) n++;
    const digits = rest.slice(0, n);
    if (digits.length === 0 || digits.length > 4) return false;
    if (digits.length < rest.length && rest[digits.length] === '.') {
      // An embedded IPv4 address replaces the last two groups.
      if ((ellipsis < 0 && i !== 12) || i + 4 > 16) return false;
      if (!isIPv4Fields(rest)) return false;
      rest = '';
      i += 4;
      break;
    }
    i += 2;
    rest = rest.slice(digits.length);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return false;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return false;
      ellipsis = i;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return false;
  if (i < 16) return ellipsis >= 0;
  return ellipsis < 0;
}

function isIPv4Fields(s: string): boolean {
  const fields = s.split('.');
  if (fields.length !== 4) return false;
  return fields.every(
    f =>
      /^[0-9]{1,3}$/.test(f) &&
      !(f.length > 1 && f[0] === '0') &&
      Number(f) <= 255,
  );
}
