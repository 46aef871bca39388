/**
 * Durations as Kargo writes them: Go `time.Duration` strings such as `5m0s` or `1h30m`.
 */

// Go's time.ParseDuration units, in milliseconds.
const UNIT_MS = new Map<string, number>([
  ['ns', 1e-6],
  ['us', 1e-3],
  ['\u00b5s', 1e-3], // micro sign
  ['\u03bcs', 1e-3], // Greek small letter mu
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
]);

// 2^63 - 1 nanoseconds, about 292 years.
const MAX_DURATION_MS = 9_223_372_036_854.775;

// One "<number><unit>" component; like Go, the unit is everything up to the next digit or ".".
const COMPONENT = /^(\d*)(?:\.(\d*))?([^\d.]+)/;

/**
 * The subset of Go durations that Kargo's CRDs accept for `interval` and `requiredSoakTime`: whole or decimal
 * numbers of hours, minutes and seconds, without sign.
 *
 * @public
 */
export const KUBE_DURATION_PATTERN = /^([0-9]+(\.[0-9]+)?(s|m|h))+$/;

/**
 * Parses a Go duration string (`300ms`, `1.5h`, `2h45m`, `0`) as Go's `time.ParseDuration` does.
 *
 * @returns the duration in milliseconds, or `undefined` when the text is not a Go duration.
 * @public
 */
export function parseDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const match = COMPONENT.exec(rest);
    if (!match) return undefined;
    const [whole, integer, fraction = '', unit] = match;
    if (integer === '' && fraction === '') return undefined; // "." or ".s": no digits
    const unitMs = UNIT_MS.get(unit);
    if (unitMs === undefined) return undefined;
    total += Number(`${integer || '0'}.${fraction || '0'}`) * unitMs;
    rest = rest.slice(whole.length);
  }
  // A Go duration is an int64 count of nanoseconds.
  if (total > MAX_DURATION_MS) return undefined;
  return sign * total;
}
