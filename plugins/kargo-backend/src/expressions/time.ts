/**
 * Go's `time.Time` and `time.Duration` as expr-lang exposes them: `now()`, `date()`, `duration()`, `timezone()`,
 * their methods (`.Year()`, `.Format(layout)`, `.Sub()`, `.Hours()`, ...), and the operators expr-lang defines on
 * them (comparison, time ± duration, time - time, duration arithmetic).
 */
import { parseGoDurationNanos } from '@kargo-portal/plugin-kargo-common';
import { fail } from './errors';
import { ExprStruct } from './values';

const NS_PER_MS = 1_000_000n;
const NS_PER_SECOND = 1_000_000_000n;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
];

/** A time zone: a name (IANA, "UTC", or "" for a fixed offset) and how to find its offset at an instant. */
export interface GoLocation {
  name: string;
  /** Seconds east of UTC at the instant (Unix milliseconds). */
  offsetAt(unixMs: number): number;
  /** The abbreviation Go prints for `MST` at the instant. */
  abbreviationAt(unixMs: number): string;
}

const formatOffset = (seconds: number, colon: boolean) => {
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  const h = String(Math.floor(abs / 3600)).padStart(2, '0');
  const m = String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
  return `${sign}${h}${colon ? ':' : ''}${m}`;
};

/** UTC. */
export const UTC: GoLocation = {
  name: 'UTC',
  offsetAt: () => 0,
  abbreviationAt: () => 'UTC',
};

/** A zone at a fixed offset, as Go's parser makes for a numeric offset it does not know. */
export function fixedZone(offsetSeconds: number): GoLocation {
  if (offsetSeconds === 0) return UTC;
  return {
    name: '',
    offsetAt: () => offsetSeconds,
    abbreviationAt: () => formatOffset(offsetSeconds, false),
  };
}

/** An IANA zone (`time.LoadLocation`), through the platform's time zone database. */
export function loadLocation(name: string): GoLocation {
  if (name === '' || name === 'UTC') return UTC;
  // The backend runs in UTC as far as expressions are concerned, as Kargo's controller does in its container.
  if (name === 'Local') return UTC;
  let format: Intl.DateTimeFormat;
  try {
    // en-GB names zones as Go's tzdata does where it can ("CET", "BST"); others print their offset.
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
    });
  } catch {
    return fail(`unknown time zone ${name}`);
  }
  const partsAt = (unixMs: number) =>
    Object.fromEntries(
      format.formatToParts(new Date(unixMs)).map(p => [p.type, p.value]),
    );
  return {
    name,
    offsetAt(unixMs) {
      const p = partsAt(unixMs);
      const wall = utcDate(
        Number(p.year),
        Number(p.month) - 1,
        Number(p.day),
        Number(p.hour),
        Number(p.minute),
        Number(p.second),
      );
      return Math.round((wall - Math.floor(unixMs / 1000) * 1000) / 1000);
    },
    abbreviationAt(unixMs) {
      const abbreviation = partsAt(unixMs).timeZoneName ?? '';
      // Zones without an abbreviation print their offset, as Go's tzdata does ("+03").
      return /^GMT[+-]/.test(abbreviation)
        ? formatOffset(this.offsetAt(unixMs), false).replace(/00$/, '')
        : abbreviation;
    },
  };
}

/** Go's `*time.Location`, as `timezone()` returns it. */
export class GoLocationValue extends ExprStruct {
  constructor(readonly location: GoLocation) {
    super({
      typeName: '*time.Location',
      methods: { String: () => location.name || 'UTC' },
      toJSON: () => ({}),
      toString: () => location.name || 'UTC',
    });
  }
}

/** A Go integer enum with names (`time.Month`, `time.Weekday`): prints its name, converts to its number. */
export class GoNamedInt extends ExprStruct {
  constructor(
    typeName: string,
    readonly value: number,
    readonly label: string,
  ) {
    super({
      typeName,
      methods: { String: () => label },
      toJSON: () => value,
      toString: () => label,
    });
  }

  override equals(other: ExprStruct): boolean {
    return (
      other instanceof GoNamedInt &&
      other.typeName === this.typeName &&
      other.value === this.value
    );
  }
}

function checkInt64(nanos: bigint, what: string): bigint {
  if (nanos > INT64_MAX || nanos < INT64_MIN) fail(`${what} overflows`);
  return nanos;
}

/** A method without arguments, checking that it is called with none. */
function noArgs<T>(name: string, fn: () => T) {
  return (...args: unknown[]) => {
    expectArity(args, 0, name);
    return fn();
  };
}

/** A Duration's negation, saturating as Go's Duration.Abs does for the most negative value. */
function absNanos(nanos: bigint): bigint {
  if (nanos >= 0n) return nanos;
  return nanos === INT64_MIN ? INT64_MAX : -nanos;
}

/** Clamps to the range of a Duration, as Go's Time.Sub saturates. */
function saturate(nanos: bigint): bigint {
  if (nanos > INT64_MAX) return INT64_MAX;
  if (nanos < INT64_MIN) return INT64_MIN;
  return nanos;
}

/** Go's zero time (January 1, year 1, UTC) in Unix nanoseconds. */
const ZERO_TIME_NANOS = -62135596800n * NS_PER_SECOND;

export const RFC3339 = '2006-01-02T15:04:05Z07:00';
export const RFC3339_NANO = '2006-01-02T15:04:05.999999999Z07:00';

const intArg = (value: unknown, method: string): number =>
  typeof value === 'number' && Number.isInteger(value)
    ? value
    : fail(`${method}: argument must be an int`);

function expectArity(args: unknown[], n: number, method: string) {
  if (args.length !== n) {
    fail(
      `invalid number of arguments for ${method} (expected ${n}, got ${args.length})`,
    );
  }
}

/** Go's `Duration.String()`: "72h3m0.5s", "1.5µs", "0s". */
export function formatDuration(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const negative = nanos < 0n;
  let u = negative ? -nanos : nanos;
  let out: string;
  if (u < NS_PER_SECOND) {
    let unit: string;
    let scale: bigint;
    if (u < 1000n) {
      return `${negative ? '-' : ''}${u}ns`;
    } else if (u < 1_000_000n) {
      unit = 'µs';
      scale = 1000n;
    } else {
      unit = 'ms';
      scale = 1_000_000n;
    }
    out = `${fraction(u, scale)}${unit}`;
  } else {
    const hours = u / (3600n * NS_PER_SECOND);
    u -= hours * 3600n * NS_PER_SECOND;
    const minutes = u / (60n * NS_PER_SECOND);
    u -= minutes * 60n * NS_PER_SECOND;
    out = `${fraction(u, NS_PER_SECOND)}s`;
    if (hours > 0n) out = `${hours}h${minutes}m${out}`;
    else if (minutes > 0n) out = `${minutes}m${out}`;
  }
  return `${negative ? '-' : ''}${out}`;
}

/** `value / scale` with the fraction's trailing zeros dropped. */
function fraction(value: bigint, scale: bigint): string {
  const whole = value / scale;
  const rest = value % scale;
  if (rest === 0n) return String(whole);
  const digits = String(scale).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

function roundTo(nanos: bigint, m: bigint): bigint {
  if (m <= 0n) return nanos;
  let r = nanos % m;
  if (nanos < 0n) {
    r = -r;
    if (r + r < m) return nanos + r;
    return nanos - m + r;
  }
  if (r + r < m) return nanos - r;
  return nanos + m - r;
}

/** Go's `time.Duration`: nanoseconds, with expr-lang's methods. */
export class GoDuration extends ExprStruct {
  constructor(readonly nanos: bigint) {
    checkInt64(nanos, 'time.Duration');
    // Go's Duration.Hours/Minutes/Seconds: whole units plus the remainder, for the same rounding.
    const inUnits = (unit: bigint) =>
      Number(nanos / unit) + Number(nanos % unit) / Number(unit);
    super({
      typeName: 'time.Duration',
      methods: {
        Hours: noArgs('Hours', () => inUnits(3600n * NS_PER_SECOND)),
        Minutes: noArgs('Minutes', () => inUnits(60n * NS_PER_SECOND)),
        Seconds: noArgs('Seconds', () => inUnits(NS_PER_SECOND)),
        Milliseconds: noArgs('Milliseconds', () => Number(nanos / NS_PER_MS)),
        Microseconds: noArgs('Microseconds', () => Number(nanos / 1000n)),
        Nanoseconds: noArgs('Nanoseconds', () => Number(nanos)),
        String: noArgs('String', () => formatDuration(nanos)),
        Abs: noArgs('Abs', () => new GoDuration(absNanos(nanos))),
        Round: (...args) => {
          expectArity(args, 1, 'Round');
          return new GoDuration(
            roundTo(nanos, GoDuration.arg(args[0], 'Round').nanos),
          );
        },
        Truncate: (...args) => {
          expectArity(args, 1, 'Truncate');
          const m = GoDuration.arg(args[0], 'Truncate').nanos;
          return new GoDuration(m <= 0n ? nanos : nanos - (nanos % m));
        },
      },
      // encoding/json marshals a Duration as its int64 nanoseconds.
      toJSON: () => Number(nanos),
      toString: () => formatDuration(nanos),
    });
  }

  /** A method's argument that must be a Duration. */
  static arg(value: unknown, method: string): GoDuration {
    return value instanceof GoDuration
      ? value
      : fail(`${method}: argument must be a time.Duration`);
  }

  override equals(other: ExprStruct): boolean {
    return other instanceof GoDuration && other.nanos === this.nanos;
  }
}

/** `Date.UTC` for every year: Date.UTC reads years 0-99 as 1900-1999. */
function utcDate(
  year: number,
  monthIndex: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** Calendar fields of an instant in a zone. */
interface Civil {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanosecond: number;
  weekday: number; // 0 = Sunday
  yearDay: number;
  offset: number;
  abbreviation: string;
}

const floorDiv = (a: bigint, b: bigint) => {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
};

/** Go's `time.Time`: an instant (Unix nanoseconds) in a location, with expr-lang's methods. */
export class GoTime extends ExprStruct {
  constructor(readonly unixNanos: bigint, readonly location: GoLocation = UTC) {
    // Methods are built before `this` exists: they reach the instance through this reference.
    const ref: { time?: GoTime } = {};
    const self = (): GoTime => ref.time!;
    const timeArg = (value: unknown, method: string): GoTime =>
      value instanceof GoTime
        ? value
        : fail(`${method}: argument must be a time.Time`);
    super({
      typeName: 'time.Time',
      methods: {
        Year: noArgs('Year', () => self().civil().year),
        Month: noArgs('Month', () => {
          const { month } = self().civil();
          return new GoNamedInt('time.Month', month, MONTHS[month - 1]);
        }),
        Day: noArgs('Day', () => self().civil().day),
        Hour: noArgs('Hour', () => self().civil().hour),
        Minute: noArgs('Minute', () => self().civil().minute),
        Second: noArgs('Second', () => self().civil().second),
        Nanosecond: noArgs('Nanosecond', () => self().civil().nanosecond),
        YearDay: noArgs('YearDay', () => self().civil().yearDay),
        Weekday: noArgs('Weekday', () => {
          const { weekday } = self().civil();
          return new GoNamedInt('time.Weekday', weekday, DAYS[weekday]);
        }),
        Unix: noArgs('Unix', () => Number(floorDiv(unixNanos, NS_PER_SECOND))),
        UnixMilli: noArgs('UnixMilli', () =>
          Number(floorDiv(unixNanos, NS_PER_MS)),
        ),
        UnixMicro: noArgs('UnixMicro', () =>
          Number(floorDiv(unixNanos, 1000n)),
        ),
        UnixNano: noArgs('UnixNano', () => Number(unixNanos)),
        IsZero: noArgs('IsZero', () => unixNanos === ZERO_TIME_NANOS),
        UTC: noArgs('UTC', () => new GoTime(unixNanos, UTC)),
        Local: noArgs('Local', () => new GoTime(unixNanos, UTC)),
        String: noArgs('String', () => self().toGoString()),
        After: (...args) => {
          expectArity(args, 1, 'After');
          return unixNanos > timeArg(args[0], 'After').unixNanos;
        },
        Before: (...args) => {
          expectArity(args, 1, 'Before');
          return unixNanos < timeArg(args[0], 'Before').unixNanos;
        },
        Equal: (...args) => {
          expectArity(args, 1, 'Equal');
          return unixNanos === timeArg(args[0], 'Equal').unixNanos;
        },
        Compare: (...args) => {
          expectArity(args, 1, 'Compare');
          const other = timeArg(args[0], 'Compare').unixNanos;
          if (unixNanos === other) return 0;
          return unixNanos < other ? -1 : 1;
        },
        Sub: (...args) => {
          expectArity(args, 1, 'Sub');
          return subtractTimes(self(), timeArg(args[0], 'Sub'));
        },
        Add: (...args) => {
          expectArity(args, 1, 'Add');
          return self().plus(GoDuration.arg(args[0], 'Add').nanos);
        },
        AddDate: (...args) => {
          expectArity(args, 3, 'AddDate');
          return self().addDate(
            intArg(args[0], 'AddDate'),
            intArg(args[1], 'AddDate'),
            intArg(args[2], 'AddDate'),
          );
        },
        Truncate: (...args) => {
          expectArity(args, 1, 'Truncate');
          const m = GoDuration.arg(args[0], 'Truncate').nanos;
          if (m <= 0n) return self();
          // Go truncates the time since the zero time, in absolute (UTC) terms.
          const since = unixNanos - ZERO_TIME_NANOS;
          return new GoTime(
            unixNanos - (since - floorDiv(since, m) * m),
            location,
          );
        },
        Round: (...args) => {
          expectArity(args, 1, 'Round');
          const m = GoDuration.arg(args[0], 'Round').nanos;
          if (m <= 0n) return self();
          const since = unixNanos - ZERO_TIME_NANOS;
          const r = since - floorDiv(since, m) * m;
          return new GoTime(
            r + r < m ? unixNanos - r : unixNanos + (m - r),
            location,
          );
        },
        In: (...args) => {
          expectArity(args, 1, 'In');
          const loc = args[0];
          if (!(loc instanceof GoLocationValue)) {
            return fail('In: argument must be a *time.Location (timezone())');
          }
          return new GoTime(unixNanos, loc.location);
        },
        Format: (...args) => {
          expectArity(args, 1, 'Format');
          const layout = args[0];
          if (typeof layout !== 'string') {
            return fail('Format: argument must be a string');
          }
          return formatTime(self(), layout);
        },
      },
      // encoding/json marshals a Time as RFC 3339 with nanoseconds.
      toJSON: () => formatTime(self(), RFC3339_NANO),
      toString: () => self().toGoString(),
    });
    ref.time = this;
  }

  /** Calendar fields in the time's location. */
  civil(): Civil {
    const ms = Number(floorDiv(this.unixNanos, NS_PER_MS));
    const offset = this.location.offsetAt(ms);
    const wall = new Date(ms + offset * 1000);
    const year = wall.getUTCFullYear();
    const startOfYear = utcDate(year, 0, 1);
    const dayStart = utcDate(year, wall.getUTCMonth(), wall.getUTCDate());
    return {
      year,
      month: wall.getUTCMonth() + 1,
      day: wall.getUTCDate(),
      hour: wall.getUTCHours(),
      minute: wall.getUTCMinutes(),
      second: wall.getUTCSeconds(),
      nanosecond: Number(
        this.unixNanos -
          floorDiv(this.unixNanos, NS_PER_SECOND) * NS_PER_SECOND,
      ),
      weekday: wall.getUTCDay(),
      yearDay: Math.round((dayStart - startOfYear) / 86_400_000) + 1,
      offset,
      abbreviation: this.location.abbreviationAt(ms),
    };
  }

  plus(nanos: bigint): GoTime {
    return new GoTime(this.unixNanos + nanos, this.location);
  }

  private addDate(years: number, months: number, days: number): GoTime {
    const c = this.civil();
    // Date.UTC normalizes overflowing months and days as Go's time.Date does.
    const wallMs = utcDate(
      c.year + years,
      c.month - 1 + months,
      c.day + days,
      c.hour,
      c.minute,
      c.second,
    );
    return fromWallClock(wallMs, BigInt(c.nanosecond), this.location);
  }

  /** Go's `Time.String()`: "2006-01-02 15:04:05.999999999 -0700 MST". */
  toGoString(): string {
    return formatTime(this, '2006-01-02 15:04:05.999999999 -0700 MST');
  }

  override equals(other: ExprStruct): boolean {
    return other instanceof GoTime && other.unixNanos === this.unixNanos;
  }
}

/** The instant whose wall clock in `location` reads `wallMs` (+ `nanos` within the second). */
function fromWallClock(
  wallMs: number,
  nanos: bigint,
  location: GoLocation,
): GoTime {
  // The offset depends on the instant: settle it in two steps, as around a DST change Go does.
  let offset = location.offsetAt(wallMs);
  offset = location.offsetAt(wallMs - offset * 1000);
  const seconds = BigInt(Math.floor((wallMs - offset * 1000) / 1000));
  return new GoTime(seconds * NS_PER_SECOND + nanos, location);
}

/** Go's `Time.Sub`, saturating at the limits of a Duration. */
export function subtractTimes(a: GoTime, b: GoTime): GoDuration {
  return new GoDuration(saturate(a.unixNanos - b.unixNanos));
}

/** A JavaScript Date as a Go time in UTC (Git dates, stored timestamps). */
export function timeFromDate(date: Date): GoTime {
  return new GoTime(BigInt(date.getTime()) * NS_PER_MS, UTC);
}

// --- layouts ----------------------------------------------------------------------------------------------------

type Chunk =
  | { kind: 'literal'; text: string }
  | { kind: 'std'; std: string }
  | { kind: 'fraction'; digits: number; trim: boolean };

const STD_PREFIXES = [
  'January',
  'Jan',
  'Monday',
  'Mon',
  'MST',
  '2006',
  '002',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '15',
  '__2',
  '_2',
  '1',
  '2',
  '3',
  '4',
  '5',
  'PM',
  'pm',
  '-07:00:00',
  '-070000',
  '-07:00',
  '-0700',
  '-07',
  'Z07:00:00',
  'Z070000',
  'Z07:00',
  'Z0700',
  'Z07',
];

/** Splits a Go layout into its standard chunks (Go's `nextStdChunk`). */
function chunksOf(layout: string): Chunk[] {
  const chunks: Chunk[] = [];
  let literal = '';
  const flush = () => {
    if (literal) chunks.push({ kind: 'literal', text: literal });
    literal = '';
  };
  for (let i = 0; i < layout.length; ) {
    const c = layout[i];
    if ((c === '.' || c === ',') && /[09]/.test(layout[i + 1] ?? '')) {
      const digit = layout[i + 1];
      let j = i + 1;
      while (layout[j] === digit) j++;
      if (!/[0-9]/.test(layout[j] ?? '')) {
        flush();
        chunks.push({
          kind: 'fraction',
          digits: j - i - 1,
          trim: digit === '9',
        });
        i = j;
        continue;
      }
    }
    const std = STD_PREFIXES.find(p => layout.startsWith(p, i));
    // "Jan"/"Mon" only when not followed by a lowercase letter (Go: "January" vs "Janet").
    if (
      std &&
      !(
        (std === 'Jan' || std === 'Mon') &&
        /[a-z]/.test(layout[i + std.length] ?? '')
      )
    ) {
      flush();
      chunks.push({ kind: 'std', std });
      i += std.length;
      continue;
    }
    literal += c;
    i += 1;
  }
  flush();
  return chunks;
}

const pad = (n: number, width: number) =>
  `${n < 0 ? '-' : ''}${String(Math.abs(n)).padStart(width, '0')}`;

function formatZone(std: string, offset: number): string {
  if (std.startsWith('Z') && offset === 0) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const h = pad(Math.floor(abs / 3600), 2);
  const m = pad(Math.floor((abs % 3600) / 60), 2);
  const s = pad(abs % 60, 2);
  switch (std.replace(/^Z/, '-')) {
    case '-07':
      return `${sign}${h}`;
    case '-0700':
      return `${sign}${h}${m}`;
    case '-07:00':
      return `${sign}${h}:${m}`;
    case '-070000':
      return `${sign}${h}${m}${s}`;
    default:
      return `${sign}${h}:${m}:${s}`;
  }
}

/** Go's `Time.Format`. */
export function formatTime(time: GoTime, layout: string): string {
  const c = time.civil();
  let out = '';
  for (const chunk of chunksOf(layout)) {
    if (chunk.kind === 'literal') {
      out += chunk.text;
      continue;
    }
    if (chunk.kind === 'fraction') {
      let digits = String(c.nanosecond).padStart(9, '0').slice(0, chunk.digits);
      if (chunk.trim) {
        digits = digits.replace(/0+$/, '');
        out += digits ? `.${digits}` : '';
      } else {
        out += `.${digits}`;
      }
      continue;
    }
    const hour12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
    switch (chunk.std) {
      case 'January':
        out += MONTHS[c.month - 1];
        break;
      case 'Jan':
        out += MONTHS[c.month - 1].slice(0, 3);
        break;
      case 'Monday':
        out += DAYS[c.weekday];
        break;
      case 'Mon':
        out += DAYS[c.weekday].slice(0, 3);
        break;
      case 'MST':
        out += c.abbreviation;
        break;
      case '2006':
        out += pad(c.year, 4);
        break;
      case '06':
        out += pad(c.year % 100, 2);
        break;
      case '01':
        out += pad(c.month, 2);
        break;
      case '1':
        out += String(c.month);
        break;
      case '02':
        out += pad(c.day, 2);
        break;
      case '_2':
        out += String(c.day).padStart(2, ' ');
        break;
      case '2':
        out += String(c.day);
        break;
      case '002':
        out += pad(c.yearDay, 3);
        break;
      case '__2':
        out += String(c.yearDay).padStart(3, ' ');
        break;
      case '15':
        out += pad(c.hour, 2);
        break;
      case '03':
        out += pad(hour12, 2);
        break;
      case '3':
        out += String(hour12);
        break;
      case '04':
        out += pad(c.minute, 2);
        break;
      case '4':
        out += String(c.minute);
        break;
      case '05':
        out += pad(c.second, 2);
        break;
      case '5':
        out += String(c.second);
        break;
      case 'PM':
        out += c.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += c.hour >= 12 ? 'pm' : 'am';
        break;
      default:
        out += formatZone(chunk.std, c.offset);
    }
  }
  return out;
}

/** Go's `time.Parse` error for a value that does not match its layout. */
function parseError(
  value: string,
  layout: string,
  rest: string,
  elem: string,
): never {
  return fail(
    `parsing time ${JSON.stringify(value)} as ${JSON.stringify(
      layout,
    )}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(elem)}`,
  );
}

/**
 * Go's `time.Parse` / `time.ParseInLocation`: a value read with a layout; without a zone in the value, the time is
 * in `location` (UTC for `time.Parse`).
 */
export function parseTime(
  value: string,
  layout: string,
  location: GoLocation = UTC,
): GoTime {
  let rest = value;
  // Go: elements missing from the layout are zero, or one where zero is impossible (year 0, January 1).
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0n;
  let pm: boolean | undefined;
  let offset: number | undefined;
  let yearDay: number | undefined;

  const number = (elem: string, min: number, max: number): number => {
    const m = new RegExp(`^\\d{${min},${max}}`).exec(rest);
    if (!m) return parseError(value, layout, rest, elem);
    rest = rest.slice(m[0].length);
    return Number(m[0]);
  };
  const word = (elem: string, words: string[]): number => {
    const index = words.findIndex(w =>
      rest.toLowerCase().startsWith(w.toLowerCase()),
    );
    if (index < 0) return parseError(value, layout, rest, elem);
    rest = rest.slice(words[index].length);
    return index;
  };

  for (const chunk of chunksOf(layout)) {
    if (chunk.kind === 'literal') {
      if (!rest.startsWith(chunk.text)) {
        return parseError(value, layout, rest, chunk.text);
      }
      rest = rest.slice(chunk.text.length);
      continue;
    }
    if (chunk.kind === 'fraction') {
      const m = /^[.,](\d+)/.exec(rest);
      if (!m) {
        if (chunk.trim) continue;
        return parseError(value, layout, rest, `.${'0'.repeat(chunk.digits)}`);
      }
      rest = rest.slice(m[0].length);
      nanos = BigInt(m[1].slice(0, 9).padEnd(9, '0'));
      continue;
    }
    switch (chunk.std) {
      case 'January':
        month = word(chunk.std, MONTHS) + 1;
        break;
      case 'Jan':
        month =
          word(
            chunk.std,
            MONTHS.map(m => m.slice(0, 3)),
          ) + 1;
        break;
      case 'Monday':
        word(chunk.std, DAYS);
        break;
      case 'Mon':
        word(
          chunk.std,
          DAYS.map(d => d.slice(0, 3)),
        );
        break;
      case 'MST': {
        const m = /^(UTC|GMT|[A-Z]{3,5})/.exec(rest);
        if (!m) return parseError(value, layout, rest, chunk.std);
        rest = rest.slice(m[0].length);
        if (m[0] === 'UTC' || m[0] === 'GMT') offset ??= 0;
        break;
      }
      case '2006':
        year = number(chunk.std, 4, 4);
        break;
      case '06': {
        const y = number(chunk.std, 2, 2);
        year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case '01':
        month = number(chunk.std, 2, 2);
        break;
      case '1':
        month = number(chunk.std, 1, 2);
        break;
      case '02':
        day = number(chunk.std, 2, 2);
        break;
      case '_2':
        if (rest.startsWith(' ')) rest = rest.slice(1);
        day = number(chunk.std, 1, 2);
        break;
      case '2':
        day = number(chunk.std, 1, 2);
        break;
      case '002':
        yearDay = number(chunk.std, 3, 3);
        break;
      case '__2':
        rest = rest.replace(/^ {0,2}/, '');
        yearDay = number(chunk.std, 1, 3);
        break;
      case '15':
        hour = number(chunk.std, 1, 2);
        break;
      case '03':
        hour = number(chunk.std, 2, 2);
        break;
      case '3':
        hour = number(chunk.std, 1, 2);
        break;
      case '04':
        minute = number(chunk.std, 2, 2);
        break;
      case '4':
        minute = number(chunk.std, 1, 2);
        break;
      case '05':
        second = number(chunk.std, 2, 2);
        break;
      case '5':
        second = number(chunk.std, 1, 2);
        break;
      case 'PM':
      case 'pm':
        pm = word(chunk.std, ['AM', 'PM']) === 1;
        break;
      default: {
        if (chunk.std.startsWith('Z') && /^Z/.test(rest)) {
          rest = rest.slice(1);
          offset = 0;
          break;
        }
        const m = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?/.exec(rest);
        if (!m) return parseError(value, layout, rest, chunk.std);
        rest = rest.slice(m[0].length);
        const seconds =
          Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
        offset = m[1] === '-' ? -seconds : seconds;
      }
    }
  }
  if (rest !== '') {
    return fail(
      `parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(
        rest,
      )}`,
    );
  }
  if (pm !== undefined) {
    if (hour > 12)
      fail(`parsing time ${JSON.stringify(value)}: hour out of range`);
    if (pm && hour < 12) hour += 12;
    if (!pm && hour === 12) hour = 0;
  }
  const ranges: Array<[number, number, number, string]> = [
    [month, 1, 12, 'month'],
    [day, 1, 31, 'day'],
    [hour, 0, 23, 'hour'],
    [minute, 0, 59, 'minute'],
    [second, 0, 59, 'second'],
  ];
  for (const [v, min, max, what] of ranges) {
    if (v < min || v > max) {
      fail(`parsing time ${JSON.stringify(value)}: ${what} out of range`);
    }
  }
  const wallDay =
    yearDay !== undefined
      ? utcDate(year, 0, yearDay)
      : utcDate(year, month - 1, day);
  if (yearDay === undefined && new Date(wallDay).getUTCDate() !== day) {
    fail(`parsing time ${JSON.stringify(value)}: day out of range`);
  }
  const wallMs = wallDay + ((hour * 60 + minute) * 60 + second) * 1000;
  if (offset !== undefined) {
    // A zone in the value: Go keeps the location when its offset agrees, else a fixed zone.
    const loc =
      location.offsetAt(wallMs - offset * 1000) === offset
        ? location
        : fixedZone(offset);
    const seconds = BigInt(Math.floor(wallMs / 1000) - offset);
    return new GoTime(seconds * NS_PER_SECOND + nanos, loc);
  }
  return fromWallClock(wallMs, nanos, location);
}

/** expr-lang's `date(value)` layouts, tried in this order. */
const DATE_LAYOUTS = [
  '2006-01-02',
  '15:04:05',
  '2006-01-02 15:04:05',
  RFC3339,
  '02 Jan 06 15:04 MST', // RFC822
  'Monday, 02-Jan-06 15:04:05 MST', // RFC850
  'Mon, 02 Jan 2006 15:04:05 MST', // RFC1123
];

/** The functions expr-lang's builtins `now`, `date`, `duration` and `timezone` are, on Go's semantics. */
export const TIME_BUILTINS = {
  now(args: unknown[], clock: () => Date): GoTime {
    if (args.length === 0) return timeFromDate(clock());
    if (args.length === 1 && args[0] instanceof GoLocationValue) {
      const now = timeFromDate(clock());
      return new GoTime(now.unixNanos, args[0].location);
    }
    return fail(`invalid number of arguments (expected 0, got ${args.length})`);
  },
  duration(args: unknown[]): GoDuration {
    if (args.length !== 1) {
      fail(`invalid number of arguments (expected 1, got ${args.length})`);
    }
    const [text] = args;
    if (typeof text !== 'string') {
      return fail('duration: argument must be a string');
    }
    try {
      return new GoDuration(parseGoDurationNanos(text));
    } catch (error) {
      // Go's words: time: invalid duration "x"
      return fail(`time: ${(error as Error).message.replace(/:.*$/, '')}`);
    }
  },
  timezone(args: unknown[]): GoLocationValue {
    if (args.length !== 1 || typeof args[0] !== 'string') {
      return fail('timezone: expects one string argument');
    }
    return new GoLocationValue(loadLocation(args[0]));
  },
  date(argsIn: unknown[]): GoTime {
    let args = argsIn;
    let location: GoLocation | undefined;
    if (args[0] instanceof GoLocationValue) {
      location = args[0].location;
      args = args.slice(1);
    }
    if (args.length < 1 || args.length > 3) {
      fail(
        `invalid number of arguments (expected 1 to 3, got ${argsIn.length})`,
      );
    }
    const strings = args.map((a, i) =>
      typeof a === 'string'
        ? a
        : fail(`date: argument ${i + 1} must be a string`),
    );
    const [value, layout, zone] = strings;
    if (zone !== undefined) {
      return parseTime(value, layout, loadLocation(zone));
    }
    if (layout !== undefined) return parseTime(value, layout, location);
    for (const candidate of DATE_LAYOUTS) {
      try {
        return parseTime(value, candidate, location);
      } catch {
        // try the next layout, as expr-lang does
      }
    }
    return fail(`invalid date ${value}`);
  },
};

/**
 * expr-lang's operators on times and durations (runtime.Equal, Less, Add, Subtract, Multiply); `undefined` when
 * the operands are not times or durations, so that the caller applies its other rules.
 */
export function timeOperator(
  operator: string,
  left: unknown,
  right: unknown,
): { value: unknown } | undefined {
  const lt = left instanceof GoTime;
  const rt = right instanceof GoTime;
  const ld = left instanceof GoDuration;
  const rd = right instanceof GoDuration;
  if (!lt && !rt && !ld && !rd) return undefined;
  const compare = (a: bigint, b: bigint) => {
    switch (operator) {
      case '<':
        return a < b;
      case '>':
        return a > b;
      case '<=':
        return a <= b;
      case '>=':
        return a >= b;
      default:
        return undefined;
    }
  };
  if (lt && rt) {
    const l = left as GoTime;
    const r = right as GoTime;
    if (operator === '-') return { value: subtractTimes(l, r) };
    const c = compare(l.unixNanos, r.unixNanos);
    return c === undefined ? undefined : { value: c };
  }
  if (ld && rd) {
    const l = (left as GoDuration).nanos;
    const r = (right as GoDuration).nanos;
    if (operator === '+') return { value: new GoDuration(l + r) };
    if (operator === '-') return { value: new GoDuration(l - r) };
    const c = compare(l, r);
    return c === undefined ? undefined : { value: c };
  }
  if (lt && rd && (operator === '+' || operator === '-')) {
    const d = (right as GoDuration).nanos;
    return { value: (left as GoTime).plus(operator === '+' ? d : -d) };
  }
  if (ld && rt && operator === '+') {
    return { value: (right as GoTime).plus((left as GoDuration).nanos) };
  }
  if (operator === '*') {
    const [d, n] = ld
      ? [left as GoDuration, right]
      : [right as GoDuration, left];
    if (
      d instanceof GoDuration &&
      typeof n === 'number' &&
      Number.isInteger(n)
    ) {
      return { value: new GoDuration(d.nanos * BigInt(n)) };
    }
  }
  return undefined;
}
