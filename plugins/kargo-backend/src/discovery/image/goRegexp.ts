/*
 * Kargo's tag regexes are Go regular expressions (RE2 syntax, `regexp.MatchString`: unanchored search). Most
 * patterns mean the same in JavaScript; this translates the RE2 syntax that does not ((?P<name>), leading
 * (?flags), \A, \z, [[:class:]], \pL) and refuses what RE2 itself refuses (look-around, back-references), so
 * that a pattern Kargo would reject is rejected here too instead of matching differently.
 */

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

class UnsupportedSyntax extends Error {}

function translate(pattern: string): { source: string; flags: string } {
  let flags = '';
  let rest = pattern;
  const leadingFlags = /^\(\?([imsU]+)\)/.exec(rest);
  if (leadingFlags) {
    if (leadingFlags[1].includes('U')) {
      throw new UnsupportedSyntax('the U (ungreedy) flag is not supported');
    }
    flags = [...new Set(leadingFlags[1])].join('');
    rest = rest.slice(leadingFlags[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < rest.length; i++) {
    const char = rest[i];
    const next = rest[i + 1] ?? '';
    if (char === '\\') {
      if (/[1-9]/.test(next) || next === 'k') {
        throw new UnsupportedSyntax('back-references are not supported by RE2');
      }
      if (!inClass && next === 'A') out += '^';
      else if (!inClass && next === 'z') out += '$';
      else if ((next === 'p' || next === 'P') && rest[i + 2] !== '{') {
        out += `\\${next}{${rest[i + 2] ?? ''}}`;
        flags += flags.includes('u') ? '' : 'u';
        i++;
      } else {
        if (next === 'p' || next === 'P')
          flags += flags.includes('u') ? '' : 'u';
        out += `${char}${next}`;
      }
      i++;
    } else if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(rest.slice(i));
      if (posix) {
        const range = POSIX_CLASSES[posix[2]];
        if (!range || posix[1]) {
          throw new UnsupportedSyntax(
            `unsupported character class ${posix[0]}`,
          );
        }
        out += range;
        i += posix[0].length - 1;
      } else {
        if (char === ']') inClass = false;
        out += char;
      }
    } else if (char === '[') {
      inClass = true;
      out += char;
      // A "]" right after "[" or "[^" is a literal in RE2.
      const negated = next === '^';
      if (negated) {
        out += '^';
        i++;
      }
      if (rest[i + 1] === ']') {
        out += '\\]';
        i++;
      }
    } else if (char === '(' && next === '?') {
      const group = rest.slice(i, i + 4);
      if (/^\(\?P</.test(group)) {
        out += '(?<';
        i += 3;
      } else if (/^\(\?(=|!|<=|<!)/.test(group)) {
        throw new UnsupportedSyntax(
          'look-around assertions are not supported by RE2',
        );
      } else if (/^\(\?[imsU-]+[:)]/.test(rest.slice(i))) {
        throw new UnsupportedSyntax(
          'flags are only supported at the start of the pattern',
        );
      } else {
        out += char;
      }
    } else {
      out += char;
    }
  }
  return { source: out, flags };
}

/**
 * Compiles a Go (RE2) regular expression for unanchored matching (`regex.test(tag)`). Throws
 * `error compiling regular expression "<pattern>": <reason>`, as Kargo words it.
 */
export function compileGoRegexp(pattern: string): RegExp {
  try {
    const { source, flags } = translate(pattern);
    return new RegExp(source, flags);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `error compiling regular expression "${pattern}": ${reason}`,
    );
  }
}
