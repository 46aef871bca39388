/**
 * Durations as Kargo writes them: Go `time.Duration` strings such as `5m0s` or `1h30m`, read as Go's
 * `time.ParseDuration` reads them so that a manifest means the same here as in Kargo:
 *
 * - an optional sign, then one or more `<number><unit>` pairs, e.g. `1h30m`, `5m0s`, `1.5h`, `-90s`; the bare
 *   string `0` is also accepted;
 * - a number is decimal digits with an optional fraction (`1.5`, `.5`, `5.`);
 * - units are `ns`, `us` (also `µs` and `μs`), `ms`, `s`, `m`, `h`, and are required after every number;
 * - the total is counted in whole nanoseconds (fractions of a nanosecond are dropped) and must fit a signed
 *   64-bit integer, as a Go `time.Duration` must.
 */

/**
 * The subset of Go durations that Kargo's CRDs accept for `interval` and `requiredSoakTime`: whole or decimal
 * numbers of hours, minutes and seconds, without sign.
 *
 * @public
 */
export const KUBE_DURATION_PATTERN = /^([0-9]+(\.[0-9]+)?(s|m|h))+$/;

const NANOS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n],
  ['\u03bcs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const MAX_NANOS = (1n << 63n) - 1n;
const NANOS_PER_MILLI = 1_000_000n;

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

/**
 * Parses a Go duration string (the syntax of Go's `time.ParseDuration`) into nanoseconds.
 *
 * @throws Error when the text is not a valid Go duration; the message quotes the text.
 * @public
 */
export function parseGoDurationNanos(text: string): bigint {
  const invalid = (why: string) =>
    new Error(`invalid duration ${JSON.stringify(text)}: ${why}`);

  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') {
    return 0n;
  }
  if (rest === '') {
    throw invalid('empty');
  }

  let total = 0n;
  let i = 0;
  while (i < rest.length) {
    const intStart = i;
    while (isDigit(rest[i])) i++;
    const intDigits = rest.slice(intStart, i);
    let fracDigits = '';
    if (rest[i] === '.') {
      i++;
      const fracStart = i;
      while (isDigit(rest[i])) i++;
      fracDigits = rest.slice(fracStart, i);
    }
    if (intDigits === '' && fracDigits === '') {
      throw invalid('expected a number');
    }

    const unitStart = i;
    while (i < rest.length && rest[i] !== '.' && !isDigit(rest[i])) i++;
    const unitText = rest.slice(unitStart, i);
    if (unitText === '') {
      throw invalid('missing unit');
    }
    const unit = NANOS_PER_UNIT.get(unitText);
    if (unit === undefined) {
      throw invalid(`unknown unit ${JSON.stringify(unitText)}`);
    }

    let nanos = BigInt(intDigits || '0') * unit;
    if (fracDigits !== '') {
      nanos += (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
    }
    total += nanos;
    // Go allows exactly -2^63 but nothing beyond either end.
    if (total > MAX_NANOS + (negative ? 1n : 0n)) {
      throw invalid('out of range');
    }
  }
  return negative ? -total : total;
}

/**
 * Parses a Go duration string into milliseconds. Sub-millisecond parts are kept as a fraction, so `1500us`
 * gives `1.5`.
 *
 * @throws Error when the text is not a valid Go duration.
 * @public
 */
export function parseGoDuration(text: string): number {
  const nanos = parseGoDurationNanos(text);
  const wholeMillis = nanos / NANOS_PER_MILLI;
  const remainder = nanos % NANOS_PER_MILLI;
  return Number(wholeMillis) + Number(remainder) / Number(NANOS_PER_MILLI);
}

/**
 * Parses a Go duration string (`300ms`, `1.5h`, `2h45m`, `0`) as Go's `time.ParseDuration` does.
 *
 * @returns the duration in milliseconds, or `undefined` when the text is not a Go duration.
 * @public
 */
export function parseDuration(text: string): number | undefined {
  try {
    return parseGoDuration(text);
  } catch {
    return undefined;
  }
}
