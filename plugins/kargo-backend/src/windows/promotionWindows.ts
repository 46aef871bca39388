import { RRule } from 'rrule';
import { InputError } from '@backstage/errors';
import {
  ProjectConfigManifest,
  ProjectConfigSpec,
  SelectableStage,
  matchesStageSelector,
} from '@kargo-portal/plugin-kargo-common';
import { instantOf, isKnownTimeZone, wallClockOf } from './zonedTime';

/** A promotion window as a ProjectConfig declares it (`spec.promotionWindows[]`). */
export type PromotionWindowSpec = NonNullable<
  ProjectConfigSpec['promotionWindows']
>[number];

/** A window that cannot be evaluated; `field` names the field at fault (`rrule`, `dtstart`, `dtend`). */
export class PromotionWindowError extends Error {
  override name = 'PromotionWindowError';
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** One occurrence of a window: active from `start` (included) to `end` (excluded), in epoch milliseconds. */
interface Occurrence {
  start: number;
  end: number;
}

/** An iCal date-time: its wall-clock time (floating milliseconds) in a time zone. */
interface ICalDateTime {
  wallMs: number;
  zone: string;
}

const DAY_MS = 86_400_000;
/** How far ahead the next opening is looked for. */
const HORIZON_MS = 366 * DAY_MS;
/** At most this many occurrences of one window are read per question, so a rule like FREQ=SECONDLY stays cheap. */
const OCCURRENCE_LIMIT = 2000;

const ICAL_DATE_TIME =
  /^(?:TZID=([^:;]+):)?(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/;

/**
 * Parses an iCal date-time as Kargo's windows write it: `20260101T090000Z` (UTC), `TZID=Europe/Berlin:
 * 20260101T090000` (wall-clock time in that zone), `20260101T090000` (floating, read as UTC) or a date
 * `20260101` (midnight).
 */
export function parseICalDateTime(value: string, field: string): ICalDateTime {
  const match = ICAL_DATE_TIME.exec(value.trim());
  if (!match) {
    throw new PromotionWindowError(
      field,
      `"${value}" is not an iCal date-time such as 20260101T090000Z or TZID=Europe/Berlin:20260101T090000`,
    );
  }
  const [, tzid, year, month, day, hour, minute, second, utc] = match;
  if (tzid && utc) {
    throw new PromotionWindowError(
      field,
      `"${value}" has both a TZID and a UTC time (Z): give one of them`,
    );
  }
  const zone = tzid ?? 'UTC';
  if (!isKnownTimeZone(zone)) {
    throw new PromotionWindowError(field, `unknown time zone "${zone}"`);
  }
  const parts = [year, month, day, hour ?? '0', minute ?? '0', second ?? '0'];
  const [y, mo, d, h, mi, s] = parts.map(Number);
  const wallMs = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wallMs);
  if (
    check.getUTCMonth() !== mo - 1 ||
    check.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  ) {
    throw new PromotionWindowError(field, `"${value}" is not a valid date`);
  }
  return { wallMs, zone };
}

/** A window ready to answer when it is active. */
export class CompiledPromotionWindow {
  private constructor(
    readonly spec: PromotionWindowSpec,
    private readonly first: Occurrence,
    private readonly zone: string,
    private readonly rule?: RRule,
  ) {}

  /**
   * Compiles a window: `dtstart` and `dtend` are required (a one-shot window is active between them; with an
   * `rrule`, each occurrence starts as the rule says, in `dtstart`'s time zone, and lasts `dtend - dtstart`).
   *
   * @throws PromotionWindowError naming the field at fault
   */
  static compile(spec: PromotionWindowSpec): CompiledPromotionWindow {
    if (!spec.dtstart) {
      throw new PromotionWindowError(
        'dtstart',
        'is required: it is when the window (or its first occurrence) starts',
      );
    }
    if (!spec.dtend) {
      throw new PromotionWindowError(
        'dtend',
        'is required: it is when the window (or its first occurrence) ends',
      );
    }
    const dtstart = parseICalDateTime(spec.dtstart, 'dtstart');
    const dtend = parseICalDateTime(spec.dtend, 'dtend');
    const first = {
      start: instantOf(dtstart.wallMs, dtstart.zone),
      end: instantOf(dtend.wallMs, dtend.zone),
    };
    if (first.end <= first.start) {
      throw new PromotionWindowError('dtend', 'must be after dtstart');
    }
    if (spec.rrule === undefined || spec.rrule.trim() === '') {
      return new CompiledPromotionWindow(spec, first, dtstart.zone);
    }
    const text = spec.rrule.trim().replace(/^RRULE:/i, '');
    if (/(^|[;\n])\s*(DTSTART|TZID)\b/i.test(text) || text.includes('\n')) {
      throw new PromotionWindowError(
        'rrule',
        'must hold only the rule (such as FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR): the start goes in dtstart',
      );
    }
    let rule: RRule;
    try {
      const options = RRule.parseString(text);
      if (options.freq === undefined) throw new Error('FREQ is missing');
      // Recurrences are computed on wall-clock times (floating, without tzid), then placed in dtstart's zone,
      // so that "09:00 every weekday" stays 09:00 across daylight saving changes.
      rule = new RRule({
        ...options,
        dtstart: new Date(dtstart.wallMs),
        tzid: null,
      });
      rule.after(new Date(dtstart.wallMs), true);
    } catch (error) {
      throw new PromotionWindowError(
        'rrule',
        `"${spec.rrule}" is not an RFC 5545 recurrence rule: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    return new CompiledPromotionWindow(spec, first, dtstart.zone, rule);
  }

  private get durationMs(): number {
    return this.first.end - this.first.start;
  }

  /** The occurrences that overlap `[fromMs, toMs]`, oldest first. */
  occurrences(fromMs: number, toMs: number): Occurrence[] {
    if (!this.rule) {
      return this.first.end > fromMs && this.first.start <= toMs
        ? [this.first]
        : [];
    }
    // A day's margin on both sides covers any zone offset.
    const after = new Date(
      wallClockOf(fromMs - this.durationMs, this.zone) - DAY_MS,
    );
    const before = new Date(wallClockOf(toMs, this.zone) + DAY_MS);
    const starts = this.rule.between(
      after,
      before,
      true,
      (_date, i) => i < OCCURRENCE_LIMIT,
    );
    return starts
      .map(date => {
        const start = instantOf(date.getTime(), this.zone);
        return { start, end: start + this.durationMs };
      })
      .filter(o => o.end > fromMs && o.start <= toMs);
  }

  /** The occurrence active at `atMs`, if any. */
  activeAt(atMs: number): Occurrence | undefined {
    return this.occurrences(atMs, atMs).find(
      o => o.start <= atMs && atMs < o.end,
    );
  }
}

/** Whether promotions to a stage are allowed at a time, and if not, why and until when. */
export type PromotionWindowDecision =
  | { open: true }
  | {
      open: false;
      /** Names the window responsible, as Kargo's admission refusal does. */
      reason: string;
      /** When promotions next open, when an opening is known within a year. */
      nextOpen?: Date;
    };

/** The windows of a ProjectConfig that apply to `stage` (all when a window has no selector). */
function windowsFor(
  windows: CompiledPromotionWindow[],
  stage: SelectableStage,
): CompiledPromotionWindow[] {
  return windows.filter(
    w =>
      !w.spec.stageSelector ||
      matchesStageSelector(w.spec.stageSelector, stage),
  );
}

function closedReason(
  windows: CompiledPromotionWindow[],
  atMs: number,
): string | undefined {
  const deny = windows.find(
    w => w.spec.kind === 'Deny' && w.activeAt(atMs) !== undefined,
  );
  if (deny) return `promotion window "${deny.spec.name}" (Deny) is active`;
  const allows = windows.filter(w => w.spec.kind === 'Allow');
  if (allows.length > 0 && !allows.some(w => w.activeAt(atMs))) {
    const names = allows.map(w => `"${w.spec.name}"`).join(', ');
    return `no Allow promotion window is active (${names})`;
  }
  return undefined;
}

/**
 * Evaluates promotion windows as Kargo defines them (api/v1alpha1 PromotionWindow): promotions to a stage are
 * open at a time when no Deny window that selects it is active and, if any Allow window selects it, at least
 * one of those is active. A closed decision gives the reason and the next time they open (the first start of
 * an Allow occurrence or end of a Deny occurrence at which they are open), looked for up to a year ahead.
 */
export function evaluatePromotionWindows(options: {
  windows: CompiledPromotionWindow[];
  stage: SelectableStage;
  at: Date;
}): PromotionWindowDecision {
  const windows = windowsFor(options.windows, options.stage);
  const atMs = options.at.getTime();
  const reason = closedReason(windows, atMs);
  if (!reason) return { open: true };
  const candidates = new Set<number>();
  for (const w of windows) {
    for (const o of w.occurrences(atMs, atMs + HORIZON_MS)) {
      const boundary = w.spec.kind === 'Allow' ? o.start : o.end;
      if (boundary > atMs) candidates.add(boundary);
    }
  }
  const nextOpen = [...candidates]
    .sort((a, b) => a - b)
    .find(c => closedReason(windows, c) === undefined);
  return {
    open: false,
    reason,
    ...(nextOpen !== undefined ? { nextOpen: new Date(nextOpen) } : {}),
  };
}

/**
 * The compiled promotion windows of a project's ProjectConfig. Windows are validated when manifests load (see
 * {@link promotionWindowProblems}); one that still fails to compile is an error naming it.
 */
export function compileProjectWindows(project: {
  manifests: Array<{ kind: string }>;
}): CompiledPromotionWindow[] {
  const config = project.manifests.find(
    (m): m is ProjectConfigManifest => m.kind === 'ProjectConfig',
  );
  return (config?.spec?.promotionWindows ?? []).map((spec, i) => {
    try {
      return CompiledPromotionWindow.compile(spec);
    } catch (error) {
      if (!(error instanceof PromotionWindowError)) throw error;
      throw new InputError(
        `ProjectConfig: spec.promotionWindows[${i}].${error.field} (window "${spec.name}"): ${error.message}`,
      );
    }
  });
}

/** Problems of a ProjectConfig's promotion windows, by field path (`spec.promotionWindows[<i>].<field>`). */
export function promotionWindowProblems(
  config: ProjectConfigManifest,
): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  (config.spec?.promotionWindows ?? []).forEach((spec, i) => {
    try {
      CompiledPromotionWindow.compile(spec);
    } catch (error) {
      if (!(error instanceof PromotionWindowError)) throw error;
      problems.push({
        path: `spec.promotionWindows[${i}].${error.field}`,
        message: error.message,
      });
    }
  });
  return problems;
}
