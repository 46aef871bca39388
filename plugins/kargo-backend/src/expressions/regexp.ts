import {
  compileGoRegexp,
  GoRegexpError,
} from '@kargo-portal/plugin-kargo-common';
import { fail } from './errors';

/**
 * expr-lang's `matches`: Go's `regexp.MatchString` on the shared linear-time engine; a pattern that does not
 * compile (or a match that is too expensive) fails the evaluation with Go's message.
 */
export function matchesGoRegexp(text: string, pattern: string): boolean {
  try {
    return compileGoRegexp(pattern).test(text);
  } catch (error) {
    if (error instanceof GoRegexpError) fail(error.message);
    throw error;
  }
}
