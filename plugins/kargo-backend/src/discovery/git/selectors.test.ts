import fs from 'node:fs';
import path from 'node:path';
import { evaluateExpression, parse } from '../../expressions';
import {
  compileSelector,
  matchesRef,
  MAX_OBSERVED_TAGS,
  observeRefs,
  observedRefPatterns,
  selectBranchCommits,
  selectTags,
  shortenString,
  type CommitMetadata,
  type GitSelection,
  type TagMetadata,
} from './selectors';

/** The portal's expr-lang evaluator, as the warehouse service hands it to discovery. */
const evaluateFilter = (expression: string, env: Record<string, unknown>) =>
  evaluateExpression(expression, { values: env });
const compileFilter = (expression: string) => {
  parse(expression);
};

const VECTORS = path.resolve(
  __dirname,
  '../../../../../test-vectors/kargo/02-git-commit-selection',
);

function load<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8'));
}

type Subscription = Partial<GitSelection>;

/**
 * A subscription as Kargo's unit tests build selectors: Go zero values (strictSemvers false, no discovery limit
 * unless given) rather than the CRD defaults.
 */
function selection(strategy: string, fields: Subscription = {}): GitSelection {
  return {
    repoURL: 'https://github.com/example/repo.git',
    commitSelectionStrategy:
      strategy as GitSelection['commitSelectionStrategy'],
    strictSemvers: false,
    discoveryLimit: 0,
    ...fields,
  };
}

function commit(
  id: string,
  fields: Partial<CommitMetadata> = {},
): CommitMetadata {
  return {
    id,
    commitDate: new Date('2024-01-01T00:00:00Z'),
    author: 'A <a@example.com>',
    committer: 'A <a@example.com>',
    subject: `subject of ${id}`,
    ...fields,
  };
}

function tag(name: string, fields: Partial<TagMetadata> = {}): TagMetadata {
  return {
    tag: name,
    id: `commit-of-${name}`,
    creatorDate: new Date('2024-01-01T00:00:00Z'),
    author: 'A <a@example.com>',
    committer: 'A <a@example.com>',
    subject: `subject of ${name}`,
    tagger: '',
    annotation: '',
    ...fields,
  };
}

/** Branch history over an array, honouring skip and limit like `git log --skip --max-count`. */
function history(
  commits: CommitMetadata[],
  options: {
    diffPathsByCommit?: Record<string, string[]>;
    diffPathsError?: string;
    calls?: Array<{ skip: number; limit: number; since?: Date }>;
  } = {},
) {
  return {
    listCommits: async (o: { skip: number; limit: number; since?: Date }) => {
      options.calls?.push(o);
      return commits.slice(o.skip, o.skip + o.limit);
    },
    diffPaths: async (id: string) => {
      if (options.diffPathsError) throw new Error(options.diffPathsError);
      return options.diffPathsByCommit?.[id] ?? [];
    },
  };
}

const noDiff = async () => {
  throw new Error('path filters are not configured: no diff expected');
};

describe('ref matching (Kargo MatchesRef vectors)', () => {
  const { cases } = load<{
    cases: Array<{
      id: string;
      name: string;
      input: { strategy: string; selector: Subscription; ref: string };
      expected: { matches: boolean };
    }>;
  }>('ref-matching.json');

  it('has the vectors', () => {
    expect(cases).toHaveLength(23);
  });

  it.each(
    cases.map(c => [`${c.id} ${c.input.strategy}: ${c.name}`, c] as const),
  )('%s', (_name, c) => {
    // Tag-based cases hold for both tag strategies that share Kargo's tagBasedSelector.
    const strategies = c.input.strategy.startsWith('TagBased')
      ? ['Lexical', 'NewestTag']
      : [c.input.strategy];
    for (const strategy of strategies) {
      const selector = compileSelector(selection(strategy, c.input.selector));
      expect([strategy, matchesRef(selector, c.input.ref)]).toEqual([
        strategy,
        c.expected.matches,
      ]);
    }
  });
});

describe('observed refs (Kargo ListRefs vectors)', () => {
  const { cases } = load<{
    cases: Array<{
      id: string;
      name: string;
      input: {
        strategy: string;
        branch?: string;
        allowTagsRegexes?: string[];
        semverConstraint?: string;
        strictSemvers?: boolean;
        lsRemotePattern?: string;
        remoteRefs: Array<{ name: string; id: string }> | string;
      };
      expected: {
        tags?: Array<{ name: string; id: string }>;
        branchHead?: string;
        refs?: null;
      };
    }>;
  }>('list-refs.json');

  it('has the vectors', () => {
    expect(cases).toHaveLength(7);
  });

  it.each(cases.map(c => [`${c.id} ${c.name}`, c] as const))(
    '%s',
    (_name, c) => {
      const strategy =
        c.input.strategy === 'TagBased' ? 'Lexical' : c.input.strategy;
      const selector = compileSelector(
        selection(strategy, {
          branch: c.input.branch || undefined,
          allowTagsRegexes: c.input.allowTagsRegexes,
          semverConstraint: c.input.semverConstraint,
          strictSemvers: c.input.strictSemvers ?? false,
        }),
      );
      // listrefs-02 describes its input: one tag more than the cap.
      const remoteRefs =
        typeof c.input.remoteRefs === 'string'
          ? Array.from({ length: MAX_OBSERVED_TAGS + 1 }, (_, i) => ({
              name: `refs/tags/v0.${i}`,
              id: `id-${i}`,
            }))
          : c.input.remoteRefs;
      const expected = 'refs' in c.expected ? null : { ...c.expected };
      expect(observeRefs(selector, remoteRefs)).toEqual(expected);
    },
  );

  it.each([
    ['NewestFromBranch', { branch: 'main' }, ['refs/heads/main']],
    ['NewestFromBranch', {}, ['HEAD']],
    ['SemVer', {}, ['refs/tags/*']],
  ] as const)(
    'lists %s %j with the patterns of the vectors',
    (strategy, fields, patterns) => {
      expect(
        observedRefPatterns(compileSelector(selection(strategy, fields))),
      ).toEqual(patterns);
    },
  );
});

describe('tag selection (Kargo Select vectors)', () => {
  const { cases } = load<{
    cases: Array<{
      id: string;
      name: string;
      input: { strategy: string; subscription: Subscription; tags: string[] };
      expected: { count: number; first?: string; order?: string[] };
    }>;
  }>('select-tags.json');

  it('has the vectors', () => {
    expect(cases).toHaveLength(15);
  });

  it.each(
    cases.map(c => [`${c.id} ${c.input.strategy}: ${c.name}`, c] as const),
  )('%s', async (_name, c) => {
    const selector = compileSelector(
      selection(c.input.strategy, c.input.subscription),
    );
    const selected = await selectTags(
      selector,
      c.input.tags.map(name => tag(name)),
      noDiff,
    );
    expect(selected).toHaveLength(c.expected.count);
    const names = selected.map(t => t.tag);
    expect(names[0]).toBe(c.expected.first ?? names[0]);
    expect(names).toEqual(c.expected.order ?? names);
  });

  it('breaks SemVer ties by the original text, descending', async () => {
    const selector = compileSelector(selection('SemVer'));
    const selected = await selectTags(
      selector,
      ['1.0.0', 'v1.0.0', 'v1.0.0+build', 'v0.9.0'].map(name => tag(name)),
      noDiff,
    );
    expect(selected.map(t => t.tag)).toEqual([
      'v1.0.0+build',
      'v1.0.0',
      '1.0.0',
      'v0.9.0',
    ]);
  });

  it('keeps the listing order for NewestTag', async () => {
    const selector = compileSelector(selection('NewestTag'));
    const selected = await selectTags(
      selector,
      ['b', 'c', 'a'].map(name => tag(name)),
      noDiff,
    );
    expect(selected.map(t => t.tag)).toEqual(['b', 'c', 'a']);
  });

  it('applies strictSemvers and the constraint', async () => {
    const tags = ['v1.2', 'v1.2.3', '1.3.0', 'v2.0.0'].map(name => tag(name));
    const strict = compileSelector(
      selection('SemVer', { strictSemvers: true, semverConstraint: '<2.0.0' }),
    );
    expect((await selectTags(strict, tags, noDiff)).map(t => t.tag)).toEqual([
      '1.3.0',
      'v1.2.3',
    ]);
    const loose = compileSelector(
      selection('SemVer', { semverConstraint: '<2.0.0' }),
    );
    expect((await selectTags(loose, tags, noDiff)).map(t => t.tag)).toEqual([
      '1.3.0',
      'v1.2.3',
      'v1.2',
    ]);
  });

  it('filters by paths after sorting, stopping at the discovery limit', async () => {
    const diffs: Record<string, string[]> = {
      'commit-of-v3': ['docs/readme.md'],
      'commit-of-v2': ['app/main.go'],
      'commit-of-v1': ['app/util.go'],
      'commit-of-v0': ['app/old.go'],
    };
    const asked: string[] = [];
    const selector = compileSelector(
      selection('Lexical', { includePaths: ['app'], discoveryLimit: 2 }),
    );
    const selected = await selectTags(
      selector,
      ['v0', 'v2', 'v3', 'v1'].map(name => tag(name)),
      async id => {
        asked.push(id);
        return diffs[id];
      },
    );
    expect(selected.map(t => t.tag)).toEqual(['v2', 'v1']);
    expect(asked).toEqual(['commit-of-v3', 'commit-of-v2', 'commit-of-v1']);
  });

  // A backtracking engine would not return from these; Jest's timeout bounds the test.
  it('filters tags and paths with catastrophic regexes in linear time', async () => {
    const long = 'a'.repeat(50_000);
    const selector = compileSelector(
      selection('Lexical', {
        allowTagsRegexes: ['^(a|aa)*b$', '(a+)+$'],
        ignoreTagsRegexes: ['(a|a)*c$'],
        includePaths: ['regexp:^(a|aa)*/b$', 'regex:(a+)+$'],
        excludePaths: ['regexp:(a|a)*c$'],
        discoveryLimit: 10,
      }),
    );
    const diffs: Record<string, string[]> = {
      [`commit-of-${long}b`]: [`${long}/c`, `${long}!`],
      [`commit-of-${long}`]: [`${long}/b`],
    };
    const selected = await selectTags(
      selector,
      [`${long}!`, `${long}b`, `${long}c`, long].map(name => tag(name)),
      async id => diffs[id] ?? [],
    );
    expect(selected.map(t => t.tag)).toEqual([long]);
  }, 5_000);

  it('passes tag fields to the expression filter', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const selector = compileSelector(
      selection('NewestTag', { expressionFilter: 'tagger != ""' }),
      {
        evaluateFilter: (expression, env) => {
          seen.push(env);
          return evaluateFilter(expression, env);
        },
      },
    );
    const selected = await selectTags(
      selector,
      [
        tag('light'),
        tag('annotated', {
          tagger: 'T <t@example.com>',
          annotation: 'release',
        }),
      ],
      noDiff,
    );
    expect(selected.map(t => t.tag)).toEqual(['annotated']);
    expect(Object.keys(seen[0]).sort()).toEqual(
      [
        'annotation',
        'author',
        'committer',
        'creatorDate',
        'id',
        'subject',
        'tag',
        'tagger',
      ].sort(),
    );
  });
});

describe('NewestFromBranch selection (Kargo selectCommits vectors)', () => {
  const { cases } = load<{
    cases: Array<{
      id: string;
      name: string;
      input: {
        discoveryLimit?: number;
        expressionFilter?: string;
        includePaths?: string[];
        since?: string;
        commits?: Array<{ id?: string }>;
        commitsReturnedByGitLogSince?: Array<{
          id: string;
          commitDate: string;
        }>;
        diffPathsByCommit?: Record<string, string[]>;
        diffPathsError?: string;
      };
      expected: {
        count?: number;
        commits?: Array<{ id: string; commitDate?: string }>;
        errorContains?: string;
      };
    }>;
  }>('newest-from-branch.json');

  it('has the vectors', () => {
    expect(cases).toHaveLength(6);
  });

  function prepare(c: (typeof cases)[number]) {
    const selector = compileSelector(
      selection('NewestFromBranch', {
        discoveryLimit: c.input.discoveryLimit ?? 20,
        expressionFilter: c.input.expressionFilter,
        includePaths: c.input.includePaths,
        since: c.input.since,
      }),
      { evaluateFilter },
    );
    const commits = c.input.commitsReturnedByGitLogSince
      ? c.input.commitsReturnedByGitLogSince.map(x =>
          commit(x.id, { commitDate: new Date(x.commitDate) }),
        )
      : (c.input.commits ?? []).map((x, i) => commit(x.id ?? `commit-${i}`));
    const calls: Array<{ skip: number; limit: number; since?: Date }> = [];
    const source = history(commits, {
      diffPathsByCommit: c.input.diffPathsByCommit,
      diffPathsError: c.input.diffPathsError,
      calls,
    });
    return { selector, source, calls };
  }

  it.each(
    cases
      .filter(c => c.expected.errorContains)
      .map(c => [`${c.id} ${c.name}`, c] as const),
  )('%s', async (_name, c) => {
    const { selector, source } = prepare(c);
    await expect(selectBranchCommits(selector, source)).rejects.toThrow(
      c.expected.errorContains,
    );
  });

  it.each(
    cases
      .filter(c => !c.expected.errorContains)
      .map(c => [`${c.id} ${c.name}`, c] as const),
  )('%s', async (_name, c) => {
    const { selector, source, calls } = prepare(c);
    const selected = await selectBranchCommits(selector, source);
    expect(selected).toHaveLength(
      c.expected.count ?? c.expected.commits?.length ?? -1,
    );
    const expected = c.expected.commits;
    const actual = selected.map(x => ({
      id: x.id,
      commitDate: x.commitDate.toISOString(),
    }));
    expect(actual.map(x => x.id)).toEqual(
      expected?.map(x => x.id) ?? actual.map(x => x.id),
    );
    expect(
      actual.filter(
        (x, i) =>
          expected?.[i]?.commitDate &&
          new Date(expected[i].commitDate!).toISOString() !== x.commitDate,
      ),
    ).toEqual([]);
    expect(calls[0].since?.toISOString()).toBe(
      c.input.since ? new Date(c.input.since).toISOString() : undefined,
    );
  });

  it('reads history in growing batches until enough commits pass the filters', async () => {
    const commits = Array.from({ length: 200 }, (_, i) => commit(`c${i}`));
    const diffs = Object.fromEntries(
      commits.map((c, i) => [c.id, i % 10 === 9 ? ['app/x'] : ['docs/y']]),
    );
    const calls: Array<{ skip: number; limit: number }> = [];
    const selector = compileSelector(
      selection('NewestFromBranch', {
        includePaths: ['app'],
        discoveryLimit: 5,
      }),
    );
    const selected = await selectBranchCommits(
      selector,
      history(commits, { diffPathsByCommit: diffs, calls }),
    );
    expect(selected.map(c => c.id)).toEqual(['c9', 'c19', 'c29', 'c39', 'c49']);
    expect(calls.map(c => [c.skip, c.limit])).toEqual([
      [0, 5],
      [5, 10],
      [15, 20],
      [35, 40],
    ]);
  });

  it('treats a truthy string result as Kargo does (strconv.ParseBool)', async () => {
    const selector = compileSelector(
      selection('NewestFromBranch', {
        expressionFilter: 'x',
        discoveryLimit: 5,
      }),
      { evaluateFilter: (_e, env) => (env.id === 'keep' ? 'true' : 'F') },
    );
    const selected = await selectBranchCommits(
      selector,
      history([commit('drop'), commit('keep')]),
    );
    expect(selected.map(c => c.id)).toEqual(['keep']);
  });
});

describe('selector construction (Kargo constructor vectors)', () => {
  const { constructionErrors, shortenString: shorten } = load<{
    constructionErrors: {
      cases: Array<{
        source: { test: string };
        subscription: Subscription;
        errorContains?: string;
        ok?: boolean;
      }>;
    };
    shortenString: {
      cases: Array<{ str: string; length: number; want: string }>;
    };
  }>('misc.json');

  function strategyOf(test: string): string {
    if (test.includes('Semver')) return 'SemVer';
    if (test.includes('TagBased')) return 'Lexical';
    return 'NewestFromBranch';
  }

  it.each(
    constructionErrors.cases
      .filter(c => c.errorContains)
      .map(c => [`${c.source.test}: ${c.errorContains}`, c] as const),
  )('%s', (_name, c) => {
    expect(() =>
      compileSelector(selection(strategyOf(c.source.test), c.subscription), {
        evaluateFilter,
        compileFilter,
      }),
    ).toThrow(c.errorContains);
  });

  it.each(
    constructionErrors.cases
      .filter(c => c.ok)
      .map(c => [c.source.test, c] as const),
  )('%s accepts a valid subscription', (_name, c) => {
    expect(
      compileSelector(selection(strategyOf(c.source.test), c.subscription)),
    ).toBeDefined();
  });

  it('refuses a filter when no evaluator is available', () => {
    expect(() =>
      compileSelector(
        selection('NewestFromBranch', { expressionFilter: 'true' }),
      ),
    ).toThrow(/no expression evaluator/);
  });

  it.each(shorten.cases.map(c => [c.str, c.length, c.want] as const))(
    'shortenString(%j, %d) = %j',
    (str, length, want) => {
      expect(shortenString(str, length)).toBe(want);
    },
  );
});
