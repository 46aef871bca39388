import { PromotionStepLogEntry } from '@kargo-portal/plugin-kargo-common';
import { redact } from '../../git/redact';

/** Longest stored log line or message, in characters. */
export const MAX_TEXT_LENGTH = 2000;
/** Most log lines kept per step: the first half and the last half when there are more. */
export const MAX_LOG_LINES = 200;

/**
 * Secret values known to a promotion run (credentials handed to steps, values read with `secret()`): every
 * text the engine stores (log lines, messages, outputs) goes through {@link Redactor.redact} first.
 */
export class Redactor {
  private secrets: string[] = [];

  add(value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    if (this.secrets.includes(value)) return;
    // Longest first, so that a secret containing another is masked whole.
    this.secrets = [...this.secrets, value].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    return redact(text, this.secrets);
  }

  /** A copy of a JSON-like value with every string redacted. */
  redactDeep<T>(value: T): T {
    if (this.secrets.length === 0) return value;
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map(v => this.walk(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [this.redact(k), this.walk(v)]),
      );
    }
    return value;
  }
}

/** Cuts a text to {@link MAX_TEXT_LENGTH}, saying how much was left out. */
export function bounded(text: string, max = MAX_TEXT_LENGTH): string {
  if (text.length <= max) return text;
  const omitted = text.length - max;
  return `${text.slice(0, max)}… [${omitted} characters omitted]`;
}

const OMITTED = /^\[(\d+) log lines omitted\]$/;
const HEAD = MAX_LOG_LINES / 2;

/**
 * The log of one step across its attempts, bounded: lines are redacted and cut, and past
 * {@link MAX_LOG_LINES} the middle is replaced by one line saying how many were left out.
 */
export class StepLog {
  private readonly entries: PromotionStepLogEntry[];
  private omitted: number;

  constructor(
    private readonly redactor: Redactor,
    previous: PromotionStepLogEntry[] = [],
    private readonly now: () => Date = () => new Date(),
  ) {
    this.entries = [...previous];
    const marker = this.entries[HEAD]?.message.match(OMITTED);
    this.omitted = marker ? Number(marker[1]) : 0;
  }

  append(level: PromotionStepLogEntry['level'], message: string): void {
    this.entries.push({
      time: this.now().toISOString(),
      level,
      message: bounded(this.redactor.redact(String(message))),
    });
    if (this.entries.length <= MAX_LOG_LINES) return;
    // Drop the oldest line after the kept head (and after the marker, once there is one).
    const markerPresent = this.omitted > 0;
    this.entries.splice(markerPresent ? HEAD + 1 : HEAD, 1);
    this.omitted += 1;
    const marker: PromotionStepLogEntry = {
      time: this.entries[HEAD].time,
      level: 'warn',
      message: `[${this.omitted} log lines omitted]`,
    };
    if (markerPresent) {
      this.entries[HEAD] = marker;
    } else {
      // The marker takes the place of one more line, so that the total stays at the bound.
      this.entries.splice(HEAD, 1, marker);
      this.omitted += 1;
      this.entries[HEAD] = {
        ...marker,
        message: `[${this.omitted} log lines omitted]`,
      };
    }
  }

  lines(): PromotionStepLogEntry[] {
    return [...this.entries];
  }
}
