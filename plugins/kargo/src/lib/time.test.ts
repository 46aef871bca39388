import { formatDuration, relativeTime } from './time';

describe('relativeTime', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  it.each([
    ['2026-01-10T12:00:00Z', 'now'],
    ['2026-01-10T11:59:30Z', '30 seconds ago'],
    ['2026-01-10T11:55:00Z', '5 minutes ago'],
    ['2026-01-10T09:00:00Z', '3 hours ago'],
    ['2026-01-09T12:00:00Z', 'yesterday'],
    ['2026-01-10T14:00:00Z', 'in 2 hours'],
    ['not a date', 'not a date'],
  ])('%s -> %s', (iso, expected) => {
    expect(relativeTime(iso, now)).toBe(expected);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [30 * 60_000, '30m'],
    [3600_000 + 20 * 60_000 + 5000, '1h 20m'],
    [2 * 86400_000 + 3 * 3600_000, '2d 3h'],
    [-5, '0s'],
  ])('%d ms -> %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});
