import { KUBE_DURATION_PATTERN, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['5m0s', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['2h45m30.5s', 9_930_500],
    ['1us', 0.001],
    ['1\u00b5s', 0.001],
    ['100ns', 0.0001],
    ['-1m', -60_000],
    ['+10s', 10_000],
    ['1.s', 1000],
    ['.5s', 500],
  ])('parses %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each([
    '',
    '5',
    '1d',
    '1 h',
    'h',
    '.s',
    '1hour',
    '--1s',
    '1constructor',
    '2562048h',
    'forever',
  ])('rejects %j', text => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('KUBE_DURATION_PATTERN', () => {
  it.each([
    ['5m0s', true],
    ['1h', true],
    ['1.5h30s', true],
    ['0s', true],
    ['300ms', false],
    ['0', false],
    ['-1m', false],
    ['1d', false],
  ])('%j matches: %s', (text, ok) => {
    expect(KUBE_DURATION_PATTERN.test(text)).toBe(ok);
  });
});
