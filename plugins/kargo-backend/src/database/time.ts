/** Timestamps are stored as ISO-8601 UTC strings with milliseconds: they sort as text on every database. */
export function toDbTime(date: Date): string {
  return date.toISOString();
}

/** Reads a stored timestamp back. */
export function fromDbTime(value: string): Date {
  return new Date(value);
}
