// Wall-clock times in IANA time zones, with the platform's Intl time zone data. A "wall-clock" value is kept as
// the milliseconds of the same date and time in UTC (a floating time), which is how rrule computes recurrences.

const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, format);
  }
  return format;
}

/** Whether the platform knows the IANA time zone `zone`. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    formatOf(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time (as floating milliseconds) in `zone` at the instant `instantMs`. */
export function wallClockOf(instantMs: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatOf(zone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
  // Intl works in whole seconds: keep the instant's milliseconds.
  return wall + (((instantMs % 1000) + 1000) % 1000);
}

/** The offset from UTC of `zone` at `instantMs`. */
function offsetAt(instantMs: number, zone: string): number {
  return wallClockOf(instantMs, zone) - instantMs;
}

const HALF_DAY_MS = 12 * 3_600_000;

/**
 * The instant at which the wall clock of `zone` shows `wallMs`, as RFC 5545 reads local times: a time that
 * occurs twice (when clocks go back) is its first occurrence; a time that does not occur (when clocks go
 * forward) is read with the offset before the change, so it falls just after the gap.
 */
export function instantOf(wallMs: number, zone: string): number {
  const before = offsetAt(wallMs - HALF_DAY_MS, zone);
  const after = offsetAt(wallMs + HALF_DAY_MS, zone);
  const valid = [before, after]
    .map(offset => wallMs - offset)
    .filter(instant => wallClockOf(instant, zone) === wallMs)
    .sort((a, b) => a - b);
  return valid.length > 0 ? valid[0] : wallMs - before;
}
