import { tooLarge } from './errors';
import { Matcher } from './matcher';
import { parseRegexp } from './parser';
import { compileProgram } from './program';

const MAX_PATTERN = 4096;

/**
 * A compiled Go regular expression (RE2 syntax, `regexp/syntax` with Perl flags), matched in time linear in the
 * input: a pattern from user configuration can never backtrack catastrophically. Build it with
 * {@link compileGoRegexp}.
 *
 * @public
 */
export class GoRegexp {
  private readonly matcher: Matcher;

  /** @throws GoRegexpError with Go's message when the pattern does not compile. */
  constructor(readonly pattern: string) {
    if (pattern.length > MAX_PATTERN) {
      tooLarge();
    }
    this.matcher = new Matcher(compileProgram(parseRegexp(pattern)));
  }

  /**
   * Whether the pattern matches anywhere in `text` (Go's `MatchString`).
   *
   * @throws GoRegexpError when the match would take too long.
   */
  test(text: string): boolean {
    return this.matcher.test(text);
  }
}

const cache = new Map<string, GoRegexp>();
const CACHE_SIZE = 256;

/**
 * Compiles a Go regular expression, reusing the compiled form of recent patterns (and what its matches have
 * learnt).
 *
 * @throws GoRegexpError with Go's message (`error parsing regexp: ...`) when the pattern does not compile.
 * @public
 */
export function compileGoRegexp(pattern: string): GoRegexp {
  // Long patterns are not cached, which bounds the cache's memory.
  if (pattern.length > 256) return new GoRegexp(pattern);
  const cached = cache.get(pattern);
  if (cached) return cached;
  const compiled = new GoRegexp(pattern);
  if (cache.size >= CACHE_SIZE) {
    cache.delete(cache.keys().next().value!);
  }
  cache.set(pattern, compiled);
  return compiled;
}
