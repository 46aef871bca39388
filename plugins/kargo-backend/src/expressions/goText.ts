/* Go's string functions as the builtins need them: UTF-8 lengths, trimming, rune mapping, split, replace, Atoi. */

export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      length += 4;
      i += 1;
    } else length += 3;
  }
  return length;
}

export function decodeUTF8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

/** Go's unicode.IsSpace. */
export function isGoSpace(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

export function trimWith(
  text: string,
  remove: (ch: string) => boolean,
): string {
  const chars = Array.from(text);
  let start = 0;
  let end = chars.length;
  while (start < end && remove(chars[start])) start += 1;
  while (end > start && remove(chars[end - 1])) end -= 1;
  return chars.slice(start, end).join('');
}

/** Go's per-rune case mapping: a character whose mapping is not a single character is left alone. */
export function mapRunes(
  text: string,
  mapping: (ch: string) => string,
): string {
  let out = '';
  for (const ch of text) {
    const mapped = mapping(ch);
    out += Array.from(mapped).length === 1 ? mapped : ch;
  }
  return out;
}

/** Go's strings.SplitN / SplitAfterN (`n < 0` for all). */
export function goSplit(
  text: string,
  separator: string,
  n: number,
  after: boolean,
): string[] | null {
  if (n === 0) return null;
  if (separator === '') {
    const chars = Array.from(text);
    if (n < 0 || n >= chars.length) return chars;
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join('')];
  }
  const out: string[] = [];
  let rest = text;
  while (n < 0 || out.length < n - 1) {
    const index = rest.indexOf(separator);
    if (index < 0) break;
    out.push(rest.slice(0, index + (after ? separator.length : 0)));
    rest = rest.slice(index + separator.length);
  }
  out.push(rest);
  return out;
}

/** Go's strings.Replace (`n < 0` for all). */
export function goReplace(
  text: string,
  old: string,
  replacement: string,
  n: number,
): string {
  if (n === 0 || old === replacement) return text;
  if (old === '') {
    const chars = Array.from(text);
    let out = '';
    let done = 0;
    for (let i = 0; i <= chars.length; i++) {
      if (n < 0 || done < n) {
        out += replacement;
        done += 1;
      }
      if (i < chars.length) out += chars[i];
    }
    return out;
  }
  let out = '';
  let rest = text;
  let done = 0;
  while (n < 0 || done < n) {
    const index = rest.indexOf(old);
    if (index < 0) break;
    out += rest.slice(0, index) + replacement;
    rest = rest.slice(index + old.length);
    done += 1;
  }
  return out + rest;
}

/** Go's strconv.Atoi. */
export function atoi(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value > 0x7fffffffffffffffn || value < -0x8000000000000000n)
    return undefined;
  return Number(value);
}
