/**
 * The part of Kubernetes JSONPath that Argo Rollouts' web provider reads a result with (`{$.data.ok}`,
 * `{$.items[0].value}`, `{$['a-b']}`): fields and array indexes from the root. Wildcards, slices, filters and
 * recursive descent are refused with an error naming the path, never evaluated partly.
 */

type Segment = string | number;

const SEGMENT =
  /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[(-?[0-9]+)\]|\['([^']*)'\]|\["([^"]*)"\])/;

/** Parses a JSONPath such as `{$.data.ok}` into its segments. */
export function parseJsonPath(path: string): Segment[] {
  let text = path.trim();
  if (text.startsWith('{') && text.endsWith('}'))
    text = text.slice(1, -1).trim();
  if (text.startsWith('$')) text = text.slice(1);
  const segments: Segment[] = [];
  while (text.length > 0) {
    const match = SEGMENT.exec(text);
    if (!match) {
      throw new Error(
        `jsonPath ${JSON.stringify(
          path,
        )}: only fields and array indexes are supported (at ${JSON.stringify(
          text,
        )})`,
      );
    }
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(match[3] ?? match[4]);
    text = text.slice(match[0].length);
  }
  return segments;
}

/** The value at `path` in `data`; a path that finds nothing is an error, as in Rollouts. */
export function readJsonPath(data: unknown, path: string): unknown {
  let value = data;
  for (const segment of parseJsonPath(path)) {
    if (typeof segment === 'number') {
      if (!Array.isArray(value)) {
        throw new Error(
          `jsonPath ${path}: ${segment} is not an index of an array`,
        );
      }
      const index = segment < 0 ? value.length + segment : segment;
      if (index < 0 || index >= value.length) {
        throw new Error(
          `jsonPath ${path}: array index ${segment} is out of range`,
        );
      }
      value = value[index];
      continue;
    }
    if (
      typeof value !== 'object' ||
      value === null ||
      Array.isArray(value) ||
      !Object.hasOwn(value, segment)
    ) {
      throw new Error(`jsonPath ${path}: ${segment} is not found`);
    }
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
