import { evaluateExpression, evaluateTemplate } from './templates';
import { GoTime, timeFromDate } from './time';

const T = timeFromDate(new Date('2024-03-05T14:07:09.5Z'));
const run = (expression: string, values: Record<string, unknown> = {}) =>
  evaluateExpression(expression, { values: { t: T, ...values } });

describe('time values, as expr-lang has them', () => {
  it.each<[string, unknown]>([
    // Fields
    ['t.Year()', 2024],
    ['int(t.Month())', 3],
    ['string(t.Month())', 'March'],
    ['t.Month().String()', 'March'],
    ['t.Day()', 5],
    ['t.Hour()', 14],
    ['t.Minute()', 7],
    ['t.Second()', 9],
    ['t.Nanosecond()', 500000000],
    ['t.YearDay()', 65],
    ['t.Weekday().String()', 'Tuesday'],
    ['t.Unix()', 1709647629],
    ['t.UnixMilli()', 1709647629500],
    ['t.IsZero()', false],
    // Format with Go layouts
    ["t.Format('2006-01-02')", '2024-03-05'],
    ["t.Format('2006-01-02T15:04:05Z07:00')", '2024-03-05T14:07:09Z'],
    [
      "t.Format('Mon Jan _2 15:04:05.000 MST 2006')",
      'Tue Mar  5 14:07:09.500 UTC 2024',
    ],
    ["t.Format('3:04PM, Monday 2 January 06')", '2:07PM, Tuesday 5 March 24'],
    ["t.Format('20060102-150405.999999999')", '20240305-140709.5'],
    ["t.Format('002 -0700 -07:00')", '065 +0000 +00:00'],
    // Comparison and arithmetic
    ["t.After(date('2024-03-05'))", true],
    ["t.Before(date('2024-03-05'))", false],
    [
      "t.Equal(date('2024-03-05T16:07:09.5+02:00', '2006-01-02T15:04:05.999Z07:00'))",
      true,
    ],
    [
      "t == date('2024-03-05T16:07:09.5+02:00', '2006-01-02T15:04:05.999Z07:00')",
      true,
    ],
    ["t > date('2024-03-05') && t < date('2024-03-06')", true],
    ['t >= t && t <= t', true],
    ["t.Sub(date('2024-03-05')).String()", '14h7m9.5s'],
    ["(t - date('2024-03-04')).Hours()", 38.119305555555556],
    ["t.Add(duration('1h30m')).Format('15:04')", '15:37'],
    ["(t + duration('-48h')).Day()", 3],
    ["(duration('2h') + t).Hour()", 16],
    ["(t - duration('14h')).Format('15:04:05')", '00:07:09'],
    ["t.AddDate(0, 1, 27).Format('2006-01-02')", '2024-05-02'],
    ["t.Truncate(duration('1h')).Format('15:04:05')", '14:00:00'],
    ["t.Round(duration('1m')).Format('15:04:05')", '14:07:00'],
    ["t.Compare(date('2025-01-01'))", -1],
    // In another zone
    ["t.In(timezone('Europe/Paris')).Format('15:04 MST')", '15:07 CET'],
    [
      "date('2024-07-01 12:00', '2006-01-02 15:04', 'Europe/Paris').UTC().Hour()",
      10,
    ],
    [
      "date('2024-07-01T12:00:00+02:00').Format('2006-01-02 15:04:05 -0700')",
      '2024-07-01 12:00:00 +0200',
    ],
  ])('%s is %p', (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ["date('2024-03-05')", '2024-03-05T00:00:00Z'],
    ["date('13:45:00')", '0000-01-01T13:45:00Z'],
    ["date('2024-03-05 13:45:00')", '2024-03-05T13:45:00Z'],
    ["date('2024-03-05T13:45:00Z')", '2024-03-05T13:45:00Z'],
    ["date('05 Mar 24 13:45 UTC')", '2024-03-05T13:45:00Z'],
    ["date('Tue, 05 Mar 2024 13:45:00 GMT')", '2024-03-05T13:45:00Z'],
    ["date('05/03/2024', '02/01/2006')", '2024-03-05T00:00:00Z'],
  ])('%s marshals to %p', (expression, expected) => {
    // A time leaves an expression as encoding/json writes it: RFC 3339 with nanoseconds.
    expect(run(expression)).toBe(expected);
  });

  it('reads the date() layouts in expr-lang order and refuses what none reads', () => {
    expect(() => run("date('5 March')")).toThrow('invalid date 5 March');
    expect(() => run("date('2024-02-30')")).toThrow('invalid date');
    expect(() => run("date('2024-03-05', '2006/01/02')")).toThrow(
      'parsing time "2024-03-05" as "2006/01/02": cannot parse "-03-05" as "/"',
    );
    expect(() => run("date('2024', '2006', 'Mars/Olympus')")).toThrow(
      'unknown time zone Mars/Olympus',
    );
  });

  it('gives now() as the current time', () => {
    const before = Date.now();
    const now = evaluateExpression('now().UnixMilli()', { values: {} });
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(run("now().After(t) && now().Sub(t) > duration('24h')")).toBe(true);
  });

  it('writes a time into a template as JSON, as Kargo does, and as Go prints it with string()', () => {
    expect(evaluateTemplate('at ${{ t }}', { values: { t: T } })).toBe(
      'at "2024-03-05T14:07:09.5Z"',
    );
    expect(run('string(t)')).toBe('2024-03-05 14:07:09.5 +0000 UTC');
  });

  it('refuses operators Go does not define on times', () => {
    expect(() => run('t + t')).toThrow(
      'invalid operation: + (mismatched types time.Time and time.Time)',
    );
    expect(() => run('t < 1')).toThrow('mismatched types time.Time and int');
    expect(() => run("t.Add('1h')")).toThrow(
      'Add: argument must be a time.Duration',
    );
  });
});

describe('durations, as expr-lang has them', () => {
  it.each<[string, unknown]>([
    ["duration('1h30m').Hours()", 1.5],
    ["duration('1h30m').Minutes()", 90],
    ["duration('90s').Seconds()", 90],
    ["duration('1.5s').Milliseconds()", 1500],
    ["duration('2µs').Microseconds()", 2],
    ["duration('3ns').Nanoseconds()", 3],
    ["duration('90m').String()", '1h30m0s'],
    ["duration('-1.5ms').String()", '-1.5ms'],
    ["duration('0s').String()", '0s'],
    ["duration('-2h').Abs().String()", '2h0m0s'],
    ["duration('1h29m31s').Round(duration('1m')).String()", '1h30m0s'],
    ["duration('1h29m31s').Truncate(duration('1h')).String()", '1h0m0s'],
    ["duration('1h') > duration('59m')", true],
    ["duration('1h') == duration('60m')", true],
    ["duration('1h') != duration('60m')", false],
    ["(duration('1h') - duration('90m')).String()", '-30m0s'],
    ["(duration('10m') * 3).String()", '30m0s'],
    ["(2 * duration('10m')).Minutes()", 20],
  ])('%s is %p', (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });

  it('marshals a duration to its nanoseconds, as encoding/json does', () => {
    expect(run("duration('1s')")).toBe(1_000_000_000);
  });

  it("refuses what Go's time.ParseDuration refuses", () => {
    expect(() => run("duration('1 hour')")).toThrow(
      'time: invalid duration "1 hour"',
    );
    expect(() => run("duration('1h') < 5")).toThrow(
      'mismatched types time.Duration and int',
    );
  });

  it('is a GoTime when a Date is given', () => {
    expect(timeFromDate(new Date(0))).toBeInstanceOf(GoTime);
  });
});
