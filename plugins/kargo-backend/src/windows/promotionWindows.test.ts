import {
  CompiledPromotionWindow,
  PromotionWindowSpec,
  evaluatePromotionWindows,
  promotionWindowProblems,
} from './promotionWindows';
import { instantOf, wallClockOf } from './zonedTime';

// Weekdays 09:00-17:00 in Berlin (CET in winter, CEST in summer).
const businessHours: PromotionWindowSpec = {
  name: 'business-hours',
  kind: 'Allow',
  rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
  dtstart: 'TZID=Europe/Berlin:20260105T090000',
  dtend: 'TZID=Europe/Berlin:20260105T170000',
};
// A one-shot freeze over the holidays, in UTC.
const holidayFreeze: PromotionWindowSpec = {
  name: 'holiday-freeze',
  kind: 'Deny',
  dtstart: '20261220T000000Z',
  dtend: '20270105T000000Z',
};
// Every day 01:00-03:00 in New York, which skips 02:00-03:00 on 2026-03-08 and repeats 01:00-02:00 on 2026-11-01.
const nightlyNewYork: PromotionWindowSpec = {
  name: 'nightly',
  kind: 'Deny',
  rrule: 'RRULE:FREQ=DAILY',
  dtstart: 'TZID=America/New_York:20260101T010000',
  dtend: 'TZID=America/New_York:20260101T030000',
};
const prodOnly: PromotionWindowSpec = {
  ...holidayFreeze,
  name: 'prod-freeze',
  stageSelector: { name: 'glob:prod*' },
};

const stage = (name: string) => ({ metadata: { name } });

function decide(windows: PromotionWindowSpec[], at: string, name = 'prod') {
  return evaluatePromotionWindows({
    windows: windows.map(w => CompiledPromotionWindow.compile(w)),
    stage: stage(name),
    at: new Date(at),
  });
}

describe('evaluatePromotionWindows', () => {
  it.each([
    // [case, windows, at, open, next opening]
    ['no windows', [], '2026-12-03T03:00:00Z', true, undefined],
    // Thursday 2026-12-03, CET (UTC+1): open 08:00Z to 16:00Z.
    [
      'a second before an Allow window',
      [businessHours],
      '2026-12-03T07:59:59Z',
      false,
      '2026-12-03T08:00:00.000Z',
    ],
    [
      'the start of an Allow window (included)',
      [businessHours],
      '2026-12-03T08:00:00Z',
      true,
      undefined,
    ],
    [
      'the last second of an Allow window',
      [businessHours],
      '2026-12-03T15:59:59Z',
      true,
      undefined,
    ],
    [
      'the end of an Allow window (excluded)',
      [businessHours],
      '2026-12-03T16:00:00Z',
      false,
      '2026-12-04T08:00:00.000Z',
    ],
    [
      'a Saturday',
      [businessHours],
      '2026-12-05T10:00:00Z',
      false,
      '2026-12-07T08:00:00.000Z',
    ],
    // Summer time (CEST, UTC+2): the window stays 09:00 in Berlin, 07:00Z.
    [
      '09:00 Berlin in summer',
      [businessHours],
      '2026-07-01T07:00:00Z',
      true,
      undefined,
    ],
    [
      '08:59:59 Berlin in summer',
      [businessHours],
      '2026-07-01T06:59:59Z',
      false,
      '2026-07-01T07:00:00.000Z',
    ],
    // The Monday after the switch to summer time (2026-03-29).
    [
      'the first weekday of summer time',
      [businessHours],
      '2026-03-30T06:30:00Z',
      false,
      '2026-03-30T07:00:00.000Z',
    ],
    [
      'inside a Deny window',
      [holidayFreeze],
      '2026-12-24T12:00:00Z',
      false,
      '2027-01-05T00:00:00.000Z',
    ],
    [
      'the start of a Deny window (included)',
      [holidayFreeze],
      '2026-12-20T00:00:00Z',
      false,
      '2027-01-05T00:00:00.000Z',
    ],
    [
      'the end of a Deny window (excluded)',
      [holidayFreeze],
      '2027-01-05T00:00:00Z',
      true,
      undefined,
    ],
    [
      'before a Deny window',
      [holidayFreeze],
      '2026-12-19T23:59:59Z',
      true,
      undefined,
    ],
    // Deny wins over Allow; the next opening must be inside business hours and after the freeze (Tuesday 09:00).
    [
      'an Allow window during a freeze',
      [businessHours, holidayFreeze],
      '2026-12-21T10:00:00Z',
      false,
      '2027-01-05T08:00:00.000Z',
    ],
    [
      'after business hours before a freeze',
      [businessHours, holidayFreeze],
      '2026-12-18T16:00:00Z',
      false,
      '2027-01-05T08:00:00.000Z',
    ],
    // New York: EST (UTC-5) in winter.
    [
      'a nightly Deny window in winter',
      [nightlyNewYork],
      '2026-01-15T06:30:00Z',
      false,
      '2026-01-15T08:00:00.000Z',
    ],
    [
      'after a nightly Deny window in winter',
      [nightlyNewYork],
      '2026-01-15T08:00:00Z',
      true,
      undefined,
    ],
    // EDT (UTC-4) in summer: 01:00-03:00 is 05:00Z-07:00Z.
    [
      'a nightly Deny window in summer',
      [nightlyNewYork],
      '2026-07-15T05:00:00Z',
      false,
      '2026-07-15T07:00:00.000Z',
    ],
    [
      'before a nightly Deny window in summer',
      [nightlyNewYork],
      '2026-07-15T04:59:59Z',
      true,
      undefined,
    ],
  ] as Array<[string, PromotionWindowSpec[], string, boolean, string | undefined]>)(
    '%s',
    (_case, windows, at, open, nextOpen) => {
      const decision = decide(windows, at);
      expect({
        open: decision.open,
        nextOpen: decision.open ? undefined : decision.nextOpen?.toISOString(),
      }).toEqual({ open, nextOpen });
    },
  );

  it('names the window that closes the stage', () => {
    expect(decide([holidayFreeze], '2026-12-24T12:00:00Z')).toMatchObject({
      reason: 'promotion window "holiday-freeze" (Deny) is active',
    });
    expect(decide([businessHours], '2026-12-05T10:00:00Z')).toMatchObject({
      reason: 'no Allow promotion window is active ("business-hours")',
    });
  });

  it('applies a window only to the stages it selects', () => {
    expect(decide([prodOnly], '2026-12-24T12:00:00Z', 'prod-west').open).toBe(
      false,
    );
    expect(decide([prodOnly], '2026-12-24T12:00:00Z', 'dev').open).toBe(true);
  });

  it('knows no opening when an Allow window is over for good', () => {
    const once: PromotionWindowSpec = {
      name: 'once',
      kind: 'Allow',
      dtstart: '20260101T000000Z',
      dtend: '20260102T000000Z',
    };
    const decision = decide([once], '2026-12-03T00:00:00Z');
    expect(decision).toEqual({
      open: false,
      reason: 'no Allow promotion window is active ("once")',
    });
  });
});

describe('promotion window problems', () => {
  it.each([
    ['no dtstart', { dtstart: undefined }, 'dtstart', 'is required'],
    ['no dtend', { dtend: undefined }, 'dtend', 'is required'],
    [
      'dtend before dtstart',
      { dtend: 'TZID=Europe/Berlin:20260105T080000' },
      'dtend',
      'must be after dtstart',
    ],
    [
      'an unknown time zone',
      { dtstart: 'TZID=Mars/Olympus:20260105T090000' },
      'dtstart',
      'unknown time zone "Mars/Olympus"',
    ],
    [
      'a malformed date-time',
      { dtend: '2026-01-05 17:00' },
      'dtend',
      'is not an iCal date-time',
    ],
    [
      'an impossible date',
      { dtstart: '20260230T090000Z' },
      'dtstart',
      'is not a valid date',
    ],
    [
      'a TZID and a Z',
      { dtstart: 'TZID=Europe/Berlin:20260105T090000Z' },
      'dtstart',
      'both a TZID and a UTC time',
    ],
    [
      'a rule without FREQ',
      { rrule: 'BYDAY=MO' },
      'rrule',
      'is not an RFC 5545 recurrence rule',
    ],
    [
      'a rule that is not one',
      { rrule: 'every monday' },
      'rrule',
      'is not an RFC 5545 recurrence rule',
    ],
    [
      'a DTSTART in the rule',
      { rrule: 'DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY' },
      'rrule',
      'the start goes in dtstart',
    ],
  ] as Array<[string, Partial<PromotionWindowSpec>, string, string]>)(
    'refuses %s, naming the field',
    (_case, change, field, message) => {
      const problems = promotionWindowProblems({
        apiVersion: 'kargo.akuity.io/v1alpha1',
        kind: 'ProjectConfig',
        metadata: { name: 'shop', namespace: 'shop' },
        spec: { promotionWindows: [{ ...businessHours, ...change }] },
      });
      expect(problems).toEqual([
        {
          path: `spec.promotionWindows[0].${field}`,
          message: expect.stringContaining(message),
        },
      ]);
    },
  );
});

describe('zoned time', () => {
  it.each([
    // [zone, wall clock, instant]
    ['Europe/Berlin', '2026-12-03T09:00:00Z', '2026-12-03T08:00:00.000Z'],
    ['Europe/Berlin', '2026-07-01T09:00:00Z', '2026-07-01T07:00:00.000Z'],
    ['Asia/Kolkata', '2026-07-01T09:00:00Z', '2026-07-01T03:30:00.000Z'],
    // A time that does not occur (clocks go forward at 02:00): read with the offset before, so 03:30 EDT.
    ['America/New_York', '2026-03-08T02:30:00Z', '2026-03-08T07:30:00.000Z'],
    // A time that occurs twice (clocks go back at 02:00): the first one, in EDT.
    ['America/New_York', '2026-11-01T01:30:00Z', '2026-11-01T05:30:00.000Z'],
  ])('places %s wall clock %s at %s', (zone, wall, instant) => {
    const at = instantOf(Date.parse(wall), zone);
    expect(new Date(at).toISOString()).toBe(instant);
  });

  it('reads the wall clock of an instant', () => {
    expect(
      new Date(
        wallClockOf(Date.parse('2026-12-03T08:00:00.123Z'), 'Europe/Berlin'),
      ).toISOString(),
    ).toBe('2026-12-03T09:00:00.123Z');
  });
});
