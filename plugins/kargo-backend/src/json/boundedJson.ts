import { InputError } from '@backstage/errors';

/**
 * How deep a JSON body may nest (arrays and objects). The API's bodies nest four levels at most; a flood of deeply
 * nested arrays costs the parser memory in proportion to its depth, so the depth is checked on the bytes before
 * any value is built.
 */
export const MAX_JSON_DEPTH = 32;

const OPEN_ARRAY = 0x5b; // [
const OPEN_OBJECT = 0x7b; // {
const CLOSE_ARRAY = 0x5d; // ]
const CLOSE_OBJECT = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Follows the nesting of JSON text chunk by chunk, without building anything: strings (and their escapes) are
 * skipped, brackets counted. It does not validate the text; `JSON.parse` does that once the depth is known to be
 * bounded. Multi-byte UTF-8 sequences never contain these ASCII bytes, so bytes can be read one by one.
 */
export class JsonDepthScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxDepth: number = MAX_JSON_DEPTH) {}

  /** Reads the next chunk; throws an InputError as soon as the nesting goes deeper than allowed. */
  write(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
      } else if (byte === QUOTE) {
        this.inString = true;
      } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
        this.depth += 1;
        if (this.depth > this.maxDepth) {
          throw new InputError(
            `body: JSON nested deeper than ${this.maxDepth} levels`,
          );
        }
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
        this.depth = Math.max(0, this.depth - 1);
      }
    }
  }
}

/**
 * `JSON.parse` of a text whose nesting is checked first (see {@link JsonDepthScanner}); a text that is not JSON
 * is an InputError naming what it is (`what`: "body", "payload").
 */
export function parseBoundedJson(
  bytes: Uint8Array,
  what: string,
  maxDepth: number = MAX_JSON_DEPTH,
): unknown {
  const scanner = new JsonDepthScanner(maxDepth);
  try {
    scanner.write(bytes);
  } catch (error) {
    throw new InputError(
      (error as Error).message.replace(/^body:/, `${what}:`),
    );
  }
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new InputError(
      `${what}: not valid JSON: ${(error as Error).message}`,
    );
  }
}
