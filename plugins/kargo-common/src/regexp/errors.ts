/**
 * A Go regular expression that does not compile, or a match that would take too long. Compile errors carry Go's
 * own wording (`error parsing regexp: missing closing ): ...`), so that messages read as Kargo's do.
 *
 * @public
 */
export class GoRegexpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoRegexpError';
  }
}

/** Throws Go's `error parsing regexp: <code>: \`<text>\`` for a pattern that does not compile. */
export function syntaxError(code: string, text: string): never {
  throw new GoRegexpError(`error parsing regexp: ${code}: \`${text}\``);
}

/** Throws Go's error for a pattern whose compiled program would be too large. */
export function tooLarge(): never {
  throw new GoRegexpError('error parsing regexp: expression too large');
}
