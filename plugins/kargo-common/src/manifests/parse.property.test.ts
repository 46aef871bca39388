import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ManifestError, parseManifests } from './parse';

const example = fs.readFileSync(
  path.resolve(__dirname, '../../../../examples/kargo/guestbook.yaml'),
  'utf8',
);

/**
 * What is wrong with parsing `text`, if anything: it must give manifests or a ManifestError whose every problem
 * names its source and says what is wrong; nothing else (a TypeError, a ReferenceError of the yaml library, a
 * stack overflow).
 */
function problemWith(text: string): string | undefined {
  try {
    const manifests = parseManifests({ source: 'fuzz.yaml', text });
    if (!Array.isArray(manifests)) return 'did not return a list';
  } catch (error) {
    if (!(error instanceof ManifestError)) {
      return `threw ${(error as Error)?.name}: ${(error as Error)?.message}`;
    }
    for (const p of error.problems) {
      if (p.source !== 'fuzz.yaml' || !p.message) {
        return `unclear problem ${JSON.stringify(p)}`;
      }
    }
  }
  return undefined;
}

const yamlToken = fc.constantFrom(
  'apiVersion: kargo.akuity.io/v1alpha1\n',
  'kind: Stage\n',
  'kind: Warehouse\n',
  'kind: Project\n',
  'metadata: {name: x, namespace: p}\n',
  'spec:\n',
  '  ',
  '- ',
  '&a ',
  '*a',
  '<<: *a\n',
  '---\n',
  '{',
  '}',
  '[',
  ']',
  ': ',
  '"',
  "'",
  '\n',
  '!!binary ',
  '!custom ',
  '? ',
  '|\n',
  '%YAML 1.2\n',
  'https://u:p@h/r.git',
  '${{ x }}',
);

/** A piece of a manifest in a random place: what a careless (or hostile) edit of a valid file gives. */
const mutated = fc
  .tuple(
    fc.nat({ max: example.length }),
    fc.nat({ max: 40 }),
    fc.array(yamlToken, { maxLength: 4 }),
  )
  .map(
    ([at, cut, tokens]) =>
      example.slice(0, at) + tokens.join('') + example.slice(at + cut),
  );

describe('parseManifests on any input', () => {
  it('random YAML-ish token soup gives manifests or a ManifestError', () => {
    fc.assert(
      fc.property(
        fc.array(yamlToken, { maxLength: 30 }).map(t => t.join('')),
        text => {
          expect(problemWith(text)).toBeUndefined();
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a valid manifest edited anywhere does too', () => {
    fc.assert(
      fc.property(mutated, text => {
        expect(problemWith(text)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('any JSON-like value as a document does too', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), value => {
        expect(problemWith(stringify(value))).toBeUndefined();
        expect(
          problemWith(
            stringify({
              apiVersion: 'kargo.akuity.io/v1alpha1',
              kind: 'Stage',
              metadata: { name: 's', namespace: 'p' },
              spec: value,
            }),
          ),
        ).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('random text does too', () => {
    fc.assert(
      fc.property(fc.fullUnicodeString({ maxLength: 200 }), text => {
        expect(problemWith(text)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['deep flow nesting', `a: ${'['.repeat(50_000)}`],
    [
      'deep block nesting',
      Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
    ],
    [
      'an alias bomb',
      `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${Array(10)
        .fill('*a')
        .join(',')}]\nc: [${Array(10).fill('*b').join(',')}]`,
    ],
  ])('%s gives a ManifestError quickly', (_, text) => {
    const started = Date.now();
    expect(problemWith(text)).toBeUndefined();
    expect(() => parseManifests({ source: 'fuzz.yaml', text })).toThrow(
      ManifestError,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
