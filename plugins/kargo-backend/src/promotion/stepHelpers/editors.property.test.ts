import fc from 'fast-check';
import { setJsonValue } from './sjson';
import { setYamlValues } from './yamlValues';

/**
 * The JSON and YAML editors of json-update and yaml-update read files of a repository and paths of a config: on
 * any input they return an edited text or throw an Error with a message, never a TypeError, a RangeError (a stack
 * overflow) or a hang.
 */
function problemWith(edit: () => string): string | undefined {
  try {
    const result = edit();
    if (typeof result !== 'string') return `returned ${typeof result}`;
  } catch (error) {
    if (!(error instanceof Error)) return `threw ${String(error)}`;
    if (error instanceof TypeError || error instanceof RangeError) {
      return `threw ${error.name}: ${error.message}`;
    }
    if (!error.message) return 'threw an Error without a message';
  }
  return undefined;
}

const pathPart = fc.oneof(
  fc.constantFrom('a', 'b', '0', '1', '-1', ':1', 'a\\.b', '#', '*', ''),
  fc.string({ maxLength: 4 }),
);
const path = fc
  .array(pathPart, { minLength: 1, maxLength: 5 })
  .map(parts => parts.join('.'));
const scalar = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
);

const jsonishText = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc
    .array(
      fc.constantFrom(
        '{',
        '}',
        '[',
        ']',
        '"a"',
        ':',
        ',',
        '1',
        'null',
        ' ',
        '\\',
        '"',
      ),
      {
        maxLength: 30,
      },
    )
    .map(tokens => tokens.join('')),
  fc.string({ maxLength: 40 }),
);

const yamlishText = fc.oneof(
  fc
    .array(
      fc.constantFrom(
        'a:',
        ' b',
        '\n',
        '  ',
        '- ',
        '&x ',
        '*x',
        '"q"',
        "'s'",
        '{',
        '}',
        '[',
        ']',
        ',',
        '#c',
        '---',
        '? ',
        '|',
        '>',
        '!!str ',
        '1',
        ': ',
      ),
      { maxLength: 40 },
    )
    .map(tokens => tokens.join('')),
  fc.string({ maxLength: 60 }),
);

describe('JSON and YAML editors on any input', () => {
  it('setJsonValue edits or says why not; an edit of valid JSON is valid JSON', () => {
    fc.assert(
      fc.property(jsonishText, path, scalar, (text, key, value) => {
        expect(
          problemWith(() => setJsonValue(text, key, value)),
        ).toBeUndefined();
        let edited: string | undefined;
        try {
          JSON.parse(text);
          edited = setJsonValue(text, key, value);
        } catch {
          return;
        }
        if (typeof value === 'number' && !Number.isFinite(value)) return;
        expect(() => JSON.parse(edited!)).not.toThrow();
      }),
      { numRuns: 600 },
    );
  });

  it('setYamlValues edits or says why not', () => {
    const updates = fc.array(
      fc.record({ key: path, value: fc.oneof(scalar, fc.constant(null)) }),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(yamlishText, updates, (text, changes) => {
        expect(problemWith(() => setYamlValues(text, changes))).toBeUndefined();
      }),
      { numRuns: 600 },
    );
  });

  it('deeply nested documents are edited or refused without overflowing the stack', () => {
    const depth = 100_000;
    const json = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(problemWith(() => setJsonValue(json, '0.0.0', 1))).toBeUndefined();
    const yaml = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    expect(
      problemWith(() => setYamlValues(yaml, [{ key: 'a', value: 1 }])),
    ).toBeUndefined();
  });
});
