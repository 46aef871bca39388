import { InputError } from '@backstage/errors';

/** Where in an expression (or template) an error was found. @public */
export interface ExpressionErrorPosition {
  /** Offset in UTF-16 code units from the start of the source text. */
  offset: number;
  /** 1-based line number. */
  line: number;
  /** 1-based column (in code points) within the line. */
  column: number;
}

/**
 * An expression or template that cannot be parsed or evaluated. The message ends, as expr-lang's errors do, with
 * the position and the offending line of the source text marked with a caret, so that the user sees where to look.
 * It is an `InputError` (and keeps that name, which the Backstage error middleware maps to 400): a bad expression
 * is a mistake in user configuration.
 *
 * @public
 */
export class ExpressionError extends InputError {
  /** The error without the position and snippet. */
  readonly reason: string;
  /** The expression (or template) text the error refers to. */
  readonly source: string;
  readonly position: ExpressionErrorPosition | undefined;

  /** The field of a config the expression is in (`path[0].value`), when known. */
  readonly field: string | undefined;

  constructor(options: {
    reason: string;
    source: string;
    offset?: number;
    cause?: unknown;
    field?: string;
  }) {
    const position =
      options.offset === undefined
        ? undefined
        : locate(options.source, options.offset);
    const message = describe(options.reason, options.source, position);
    super(
      options.field ? `${options.field}: ${message}` : message,
      options.cause,
    );
    this.reason = options.reason;
    this.source = options.source;
    this.position = position;
    this.field = options.field;
  }

  /** This error, saying which field of a config it comes from (a field already named is kept). */
  inField(field: string): ExpressionError {
    if (this.field) return this;
    return new ExpressionError({
      reason: this.reason,
      source: this.source,
      offset: this.position?.offset,
      cause: this.cause,
      field,
    });
  }
}

function locate(source: string, offset: number): ExpressionErrorPosition {
  const clamped = Math.max(0, Math.min(offset, source.length));
  const before = source.slice(0, clamped);
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  const column = Array.from(source.slice(lineStart, clamped)).length + 1;
  return { offset: clamped, line, column };
}

const MAX_SNIPPET = 160;

function describe(
  reason: string,
  source: string,
  position: ExpressionErrorPosition | undefined,
): string {
  if (!position) {
    return `${reason} in ${JSON.stringify(shorten(source))}`;
  }
  const lineStart = source.lastIndexOf('\n', position.offset - 1) + 1;
  const lineEndIndex = source.indexOf('\n', position.offset);
  const lineText = source.slice(
    lineStart,
    lineEndIndex < 0 ? source.length : lineEndIndex,
  );
  // Keep long lines readable: show a window around the caret.
  const chars = Array.from(lineText);
  let from = 0;
  if (chars.length > MAX_SNIPPET) {
    from = Math.max(
      0,
      Math.min(
        position.column - 1 - MAX_SNIPPET / 2,
        chars.length - MAX_SNIPPET,
      ),
    );
  }
  const shown = chars.slice(from, from + MAX_SNIPPET).join('');
  const caret = `${'.'.repeat(Math.max(0, position.column - 1 - from))}^`;
  return `${reason} (${position.line}:${position.column})\n | ${shown}\n | ${caret}`;
}

function shorten(text: string): string {
  return text.length > MAX_SNIPPET ? `${text.slice(0, MAX_SNIPPET)}…` : text;
}

/**
 * A failure inside evaluation that does not know its position yet; the evaluator turns it into an
 * {@link ExpressionError} at the node being evaluated.
 */
export class EvaluationFailure extends Error {
  constructor(message: string, readonly innerCause?: unknown) {
    super(message);
    this.name = 'EvaluationFailure';
  }
}

/** Throws an {@link EvaluationFailure}; for use in expressions. */
export function fail(message: string): never {
  throw new EvaluationFailure(message);
}
