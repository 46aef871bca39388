// Readers for fields the backend serves in newer versions only. They check shapes at runtime, so the frontend
// works against backends from before and after those fields were added, without casts.

/** `value[name]` when `value` is an object, else undefined. */
export function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? Reflect.get(value, name)
    : undefined;
}

export function stringField(value: unknown, name: string): string | undefined {
  const v = field(value, name);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function numberField(value: unknown, name: string): number | undefined {
  const v = field(value, name);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function arrayField(value: unknown, name: string): unknown[] {
  const v = field(value, name);
  return Array.isArray(v) ? v : [];
}

export function objectField(
  value: unknown,
  name: string,
): Record<string, unknown> | undefined {
  const v = field(value, name);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  return Object.fromEntries(Object.entries(v));
}
