import { parseGoDuration, parseGoDurationNanos } from './duration';

describe('parseGoDuration', () => {
  it.each([
    { text: '90s', ms: 90_000 },
    { text: '5m0s', ms: 300_000 },
    { text: '1h30m', ms: 5_400_000 },
    { text: '1h0m0s', ms: 3_600_000 },
    { text: '1.5h', ms: 5_400_000 },
    { text: '.5s', ms: 500 },
    { text: '5.s', ms: 5_000 },
    { text: '0', ms: 0 },
    { text: '0s', ms: 0 },
    { text: '-0', ms: 0 },
    { text: '+2m', ms: 120_000 },
    { text: '-1m30s', ms: -90_000 },
    { text: '250ms', ms: 250 },
    { text: '1500us', ms: 1.5 },
    { text: '1500\u00b5s', ms: 1.5 },
    { text: '1500\u03bcs', ms: 1.5 },
    { text: '2500000ns', ms: 2.5 },
    { text: '30s1h', ms: 3_630_000 },
  ])('reads $text', ({ text, ms }) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each([
    { text: '', why: 'empty' },
    { text: '-', why: 'empty' },
    { text: '5', why: 'missing unit' },
    { text: '1h30', why: 'missing unit' },
    { text: '1d', why: 'unknown unit "d"' },
    { text: '1hm', why: 'unknown unit "hm"' },
    { text: 'h', why: 'expected a number' },
    { text: '.s', why: 'expected a number' },
    { text: '1h 30m', why: 'unknown unit "h "' },
    { text: '9223372036854775808ns', why: 'out of range' },
    { text: '2562048h', why: 'out of range' },
  ])('rejects "$text" ($why)', ({ text, why }) => {
    expect(() => parseGoDuration(text)).toThrow(
      `invalid duration ${JSON.stringify(text)}: ${why}`,
    );
  });

  it('keeps the full signed 64-bit range of Go', () => {
    expect(parseGoDurationNanos('9223372036854775807ns')).toBe(
      9223372036854775807n,
    );
    expect(parseGoDurationNanos('-9223372036854775808ns')).toBe(
      -9223372036854775808n,
    );
    expect(parseGoDurationNanos('2562047h')).toBe(9223369200000000000n);
  });

  it('drops fractions of a nanosecond', () => {
    expect(parseGoDurationNanos('1.9ns')).toBe(1n);
    expect(parseGoDurationNanos('0.0000000015s')).toBe(1n);
  });
});
