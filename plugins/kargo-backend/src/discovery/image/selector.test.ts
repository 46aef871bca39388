import fs from 'node:fs';
import path from 'node:path';
import { createImageSelector, ImageSelectorSpec } from './selector';
import { compareNewestBuild, imagesToReferences } from './discoverImages';

const vectors = path.resolve(
  __dirname,
  '../../../../../test-vectors/kargo/01-image-selection',
);

function load<T>(file: string): T[] {
  return JSON.parse(fs.readFileSync(path.join(vectors, file), 'utf8')).cases;
}

/** Go zero values of kargoapi.ImageSubscription, which Kargo's unit tests build on. */
const GO_ZERO: ImageSelectorSpec = { repoURL: '', strictSemvers: false };

// Kargo's construction tests call one selector's constructor; the strategy follows from the test's name.
const STRATEGY_OF_TEST: Record<string, string> = {
  TestNewBaseSelector: 'SemVer',
  TestNewTagBasedSelector: 'Lexical',
  TestNewSemverSelector: 'SemVer',
  TestNewLexicalSelector: 'Lexical',
  TestNewDigestSelector: 'Digest',
  TestNewNewestBuildSelector: 'NewestBuild',
};

interface ConstructionCase {
  id: string;
  source: { test: string };
  input: { subscription: Partial<ImageSelectorSpec> };
  expected: {
    errorContains?: string;
    ok?: boolean;
    platform?: { os: string; arch: string };
    constraint?: null;
    mutableTag?: string;
    selectorKind?: string;
  };
}

function construct(c: ConstructionCase) {
  const { subscription } = c.input;
  const spec: ImageSelectorSpec = {
    ...GO_ZERO,
    imageSelectionStrategy: STRATEGY_OF_TEST[c.source.test],
    ...subscription,
  };
  try {
    const selector = createImageSelector(spec);
    return {
      ok: true,
      platform: selector.platform,
      constraint: selector.constraint ?? null,
      mutableTag: selector.mutableTag,
      selectorKind: `${selector.strategy}Selector`.toLowerCase(),
    };
  } catch (error) {
    return { error: String(error) };
  }
}

describe('createImageSelector (Kargo vectors)', () => {
  const cases = load<ConstructionCase>('selector-construction.json');

  it('has the vectors to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  const failing = cases.filter(c => c.expected.errorContains);
  const passing = cases.filter(c => !c.expected.errorContains);

  it.each(passing.map(c => [c.id, c] as const))('%s', (_id, c) => {
    const { selectorKind, platform, ...rest } = c.expected;
    expect(construct(c)).toMatchObject({
      ...rest,
      ...(platform ? { platform: { ...platform, variant: '' } } : {}),
      ...(selectorKind ? { selectorKind: selectorKind.toLowerCase() } : {}),
    });
  });

  it.each(failing.map(c => [c.id, c] as const))('%s', (_id, c) => {
    expect(construct(c)).toEqual({
      error: expect.stringContaining(c.expected.errorContains ?? '?'),
    });
  });

  it('names the field at fault', () => {
    expect(
      construct({
        id: 'constraint',
        source: { test: 'TestNewSemverSelector' },
        input: { subscription: { repoURL: 'a/b', constraint: '>= foo' } },
        expected: {},
      }),
    ).toEqual({
      error: expect.stringContaining(
        'error parsing semver constraint (constraint): invalid semver constraint ">= foo"',
      ),
    });
  });
});

interface MatchCase {
  id: string;
  input: {
    strategy: string;
    allowTagsRegexes: string[];
    ignoreTagsRegexes: string[];
    tag: string;
    strictSemvers?: boolean;
    constraint?: string | null;
  };
  expected: { matches: boolean };
}

describe('SemVer tag matching (Kargo vectors)', () => {
  const cases = load<MatchCase>('tag-filter-matches.json').filter(
    c => c.input.strategy === 'SemVer',
  );

  it('has the vectors to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases.map(c => [c.id, c] as const))(
    '%s',
    (_id, { input, expected }) => {
      const selector = createImageSelector({
        repoURL: 'example/image',
        imageSelectionStrategy: 'SemVer',
        allowTagsRegexes: input.allowTagsRegexes,
        ignoreTagsRegexes: input.ignoreTagsRegexes,
        strictSemvers: input.strictSemvers,
        constraint: input.constraint ?? undefined,
      });
      expect(selector.matchesTag(input.tag)).toBe(expected.matches);
    },
  );
});

interface SortCase {
  id: string;
  input: {
    strategy: string;
    tags?: string[];
    createdAtOffsetsHours?: number[];
  };
  expected: { order?: string[]; orderOffsetsHours?: number[] };
}

describe('candidate order (Kargo vectors)', () => {
  const cases = load<SortCase>('sort-order.json');
  const tagCases = cases.filter(c => c.input.tags);
  const buildCases = cases.filter(c => c.input.createdAtOffsetsHours);

  it('has the vectors to run', () => {
    expect(tagCases.length).toBeGreaterThanOrEqual(2);
    expect(buildCases.length).toBeGreaterThanOrEqual(1);
  });

  it.each(tagCases.map(c => [c.id, c] as const))(
    '%s',
    (_id, { input, expected }) => {
      const selector = createImageSelector({
        repoURL: 'example/image',
        imageSelectionStrategy: input.strategy,
      });
      expect(selector.candidateTags(input.tags ?? [])).toEqual(expected.order);
    },
  );

  it.each(buildCases.map(c => [c.id, c] as const))(
    '%s',
    (_id, { input, expected }) => {
      const now = Date.parse('2025-01-01T00:00:00Z');
      const hour = 3600_000;
      const images = (input.createdAtOffsetsHours ?? []).map(offset => ({
        tag: '',
        createdAt: new Date(now + offset * hour),
      }));
      images.sort(compareNewestBuild);
      expect(
        images.map(image => (image.createdAt.getTime() - now) / hour),
      ).toEqual(expected.orderOffsetsHours);
    },
  );

  it('puts 1.0.0 before the equal 1.0, and breaks NewestBuild ties by greater tag', () => {
    const selector = createImageSelector({
      repoURL: 'a/b',
      strictSemvers: false,
    });
    expect(selector.candidateTags(['1.0', '1.0.0', 'v1.0.0'])).toEqual([
      'v1.0.0',
      '1.0.0',
      '1.0',
    ]);
    const at = new Date(0);
    expect(
      [{ tag: 'a', createdAt: at }, { tag: 'b', createdAt: at }, { tag: 'c' }]
        .sort(compareNewestBuild)
        .map(image => image.tag),
    ).toEqual(['b', 'a', 'c']);
  });

  // A backtracking engine would not return from these; Jest's timeout bounds the test.
  it('selects tags with catastrophic regexes in linear time', () => {
    const long = 'a'.repeat(50_000);
    const selector = createImageSelector({
      repoURL: 'a/b',
      imageSelectionStrategy: 'Lexical',
      allowTagsRegexes: ['^(a|aa)*b$', '(a+)+$'],
      ignoreTagsRegexes: ['(a|a)*c$'],
    });
    expect(
      selector.candidateTags([`${long}!`, `${long}b`, `${long}c`, long]),
    ).toEqual([`${long}b`, long]);
  }, 5_000);
});

interface LimitCase {
  id: string;
  input: {
    images: Array<{
      tag: string;
      digest: string;
      annotations: Record<string, string>;
    }>;
    limit: number;
  };
  expected: { images: unknown[] };
}

describe('imagesToReferences (Kargo vectors)', () => {
  const cases = load<LimitCase>('discovery-limit.json');

  it('has the vectors to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(1);
  });

  it.each(cases.map(c => [c.id, c] as const))(
    '%s',
    (_id, { input, expected }) => {
      const images = input.images.map(image => ({ ...image, platforms: [] }));
      expect(imagesToReferences(images, input.limit)).toEqual(expected.images);
      expect(imagesToReferences(images, 0)).toHaveLength(images.length);
    },
  );

  it('adds the chosen platform annotations over the image annotations', () => {
    const image = {
      tag: 't',
      digest: 'sha256:i',
      annotations: { a: 'index', b: 'index' },
      platforms: [
        { os: 'linux', arch: 'amd64', annotations: { b: 'amd64' } },
        { os: 'linux', arch: 'arm64', annotations: { b: 'arm64' } },
      ],
    };
    expect(
      imagesToReferences([image], 1, {
        os: 'linux',
        arch: 'arm64',
        variant: '',
      }),
    ).toEqual([
      { tag: 't', digest: 'sha256:i', annotations: { a: 'index', b: 'arm64' } },
    ]);
  });
});
