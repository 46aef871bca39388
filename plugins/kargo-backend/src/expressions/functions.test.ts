import {
  asJSON,
  asYAML,
  configMapFunctions,
  ExpressionFreight,
  freightFunctions,
  freightStatusFunctions,
  quote,
  RequestedFreightOrigin,
  secretFunctions,
  semverDiff,
  semverParse,
  sharedSecretFunctions,
  statusFunctions,
  unsafeQuote,
  utilityFunctions,
} from './functions';
import { evaluateExpression, evaluateTemplate } from './templates';
import { ExprStruct } from './values';

describe('quoting functions', () => {
  it('quote() gives Go %q for strings and JSON otherwise', () => {
    expect(quote('foo')).toBe('"foo"');
    expect(quote('a"b')).toBe('"a\\"b"');
    expect(quote(42)).toBe('"42"');
    expect(quote(null)).toBe('"null"');
    expect(quote({ b: 1, a: '<' })).toBe('"{"a":"\\u003c","b":1}"');
  });

  it('unsafeQuote() keeps JSON quotes of strings', () => {
    expect(unsafeQuote('foo')).toBe('""foo""');
    expect(unsafeQuote(true)).toBe('"true"');
  });

  it('asYAML() and asJSON() quote their output for templates', () => {
    expect(asYAML({ a: 1 })).toBe('"a: 1\n"');
    expect(asJSON([1])).toBe('"[\n  1\n]\n"');
  });

  it('insists on one argument', () => {
    expect(() => quote()).toThrow('expected 1 argument, got 0');
    expect(() => unsafeQuote(1, 2)).toThrow('expected 1 argument, got 2');
  });
});

/** akuity/kargo pkg/expressions/function/functions_test.go, Test_semverDiff. */
describe('semverDiff', () => {
  it.each([
    ['1.1.1', '2.2.2', 'Major'],
    ['1.1.1', '1.2.2', 'Minor'],
    ['1.1.1', '1.1.2', 'Patch'],
    ['1.1.1+build1', '1.1.1+build2', 'Metadata'],
    ['1.2.3', '1.2.3', 'None'],
    ['invalid', '1.0.0', 'Incomparable'],
    ['1.0.0', 'invalid', 'Incomparable'],
    ['invalid1', 'invalid2', 'Incomparable'],
    ['1.0.0-alpha', '1.0.0-beta', 'None'],
    ['1.0.0-alpha.1+build.1', '1.0.0-alpha.1+build.2', 'Metadata'],
    ['1.0.0-alpha', '2.0.0-alpha', 'Major'],
    ['1.1.0-alpha', '1.2.0-alpha', 'Minor'],
    ['1.1.1-alpha', '1.1.2-alpha', 'Patch'],
    ['', '', 'Incomparable'],
    ['v1.0.0', 'v2.0.0', 'Major'],
    ['1.2', '1.2.0', 'None'],
  ])('%j vs %j is %s', (a, b, expected) => {
    expect(semverDiff(a, b)).toBe(expected);
  });

  it.each<[unknown[], string]>([
    [[], 'expected 2 arguments'],
    [['1.0.0'], 'expected 2 arguments'],
    [['1.0.0', '2.0.0', '3.0.0'], 'expected 2 arguments'],
    [[123, '1.0.0'], 'first argument must be string'],
    [['1.0.0', 123], 'second argument must be string'],
  ])('refuses %j', (args, message) => {
    expect(() => semverDiff(...args)).toThrow(message);
  });
});

/** Test_semverParse, and the methods Kargo documents for its result (docs 40-expressions.md). */
describe('semverParse', () => {
  it.each<[unknown[], string]>([
    [[], 'expected 1 argument'],
    [['1.0.0', '2.0.0'], 'expected 1 argument'],
    [[123], 'argument must be string'],
    [['invalid'], 'invalid semantic version'],
  ])('refuses %j', (args, message) => {
    expect(() => semverParse(...args)).toThrow(message);
  });

  it('gives a version', () => {
    expect(semverParse('1.2.3')).toBeInstanceOf(ExprStruct);
  });

  const env = {
    values: { v: 'v1.2.3-rc.1+build.5' },
    functions: utilityFunctions(),
  };
  it.each<[string, unknown]>([
    ['semverParse(v).Major()', 1],
    ['semverParse(v).Minor()', 2],
    ['semverParse(v).Patch()', 3],
    ['semverParse(v).Prerelease()', 'rc.1'],
    ['semverParse(v).Metadata()', 'build.5'],
    ['semverParse(v).Original()', 'v1.2.3-rc.1+build.5'],
    ['semverParse(v).String()', '1.2.3-rc.1+build.5'],
    ['semverParse(v).IncPatch().String()', '1.2.3'],
    ['semverParse("1.2.3").IncPatch().String()', '1.2.4'],
    ['semverParse(v).IncMinor().String()', '1.3.0'],
    ['semverParse(v).IncMajor().String()', '2.0.0'],
    ['semverParse(v).IncMajor().Original()', 'v2.0.0'],
    ['semverParse("1.2").String()', '1.2.0'],
    ['semverParse("1.2.3").SetPrerelease("beta.2").String()', '1.2.3-beta.2'],
    ['semverParse("1.2.3").SetMetadata("sha.abc").String()', '1.2.3+sha.abc'],
    ['semverParse("1.2.3").LessThan(semverParse("1.10.0"))', true],
    ['semverParse("1.2.3").GreaterThan(semverParse("1.2.3-rc.1"))', true],
    ['semverParse("1.2.3+a").Equal(semverParse("1.2.3+b"))', true],
    ['semverParse("2.0.0").Compare(semverParse("1.0.0"))', 1],
    ['semverParse(v)', '1.2.3-rc.1+build.5'],
    ['string(semverParse(v))', '1.2.3-rc.1+build.5'],
    ['semverParse("1.0.0") == semverParse("1.0.0")', true],
  ])('%s', (source, expected) => {
    expect(evaluateExpression(source, env)).toEqual(expected);
  });

  it('gives its string form in templates', () => {
    expect(
      evaluateTemplate('${{ semverParse("1.2.3").IncMinor() }}', env),
    ).toBe('1.3.0');
  });

  it.each([
    [
      'semverParse("1.2.3").SetPrerelease("01")',
      'Version segment starts with 0',
    ],
    ['semverParse("1.2.3").SetPrerelease("a_b")', 'Invalid Prerelease string'],
    ['semverParse("1.2.3").SetMetadata("a..b")', 'Invalid Metadata string'],
    [
      'semverParse("1.2.3").Compare("1.2.3")',
      'argument must be *semver.Version',
    ],
    ['semverParse("1.2.3").Major(1)', 'expected 0 arguments'],
    ['semverParse("1.2.3").Nope()', 'type *semver.Version has no method Nope'],
    ['semverParse("1.2.3").major', 'type *semver.Version has no field major'],
  ])('refuses %s', (source, message) => {
    expect(() => evaluateExpression(source, env)).toThrow(message);
  });
});

describe('freightFunctions', () => {
  const freight: ExpressionFreight[] = [
    {
      origin: { kind: 'Warehouse', name: 'app' },
      commits: [
        {
          repoURL: 'https://github.com/example/app.git',
          id: 'abc123',
          tag: 'v1.0.0',
          message: 'Release',
        },
      ],
      images: [
        {
          repoURL: 'ghcr.io/example/app',
          tag: '1.0.0',
          digest: 'sha256:aaa',
          annotations: { 'org.opencontainers.image.source': 'x' },
        },
      ],
      charts: [
        {
          repoURL: 'https://charts.example.com',
          name: 'app',
          version: '0.1.0',
        },
        { repoURL: 'oci://ghcr.io/example/charts/app', version: '0.2.0' },
      ],
      artifacts: [
        {
          artifactType: 'application/vnd.example',
          subscriptionName: 'custom',
          version: '7',
          metadata: { size: 3 },
        },
      ],
    },
    {
      origin: { kind: 'Warehouse', name: 'infra' },
      images: [{ repoURL: 'ghcr.io/example/shared', tag: '2.0.0' }],
    },
  ];
  const requested: RequestedFreightOrigin[] = [
    {
      origin: { kind: 'Warehouse', name: 'app' },
      subscriptions: [
        { git: { repoURL: 'https://github.com/example/app' } },
        { image: { repoURL: 'ghcr.io/example/app' } },
        { image: { repoURL: 'ghcr.io/example/shared' } },
        { chart: { repoURL: 'https://charts.example.com', name: 'app' } },
        { chart: { repoURL: 'oci://ghcr.io/example/charts/app' } },
        { name: 'custom' },
      ],
    },
    {
      origin: { kind: 'Warehouse', name: 'infra' },
      subscriptions: [{ image: { repoURL: 'ghcr.io/example/shared' } }],
    },
  ];
  const env = {
    values: { repo: 'ghcr.io/example/app' },
    functions: freightFunctions(freight, requested),
  };
  const evaluate = (source: string) => evaluateExpression(source, env);

  it.each<[string, unknown]>([
    ['warehouse("app")', { kind: 'Warehouse', name: 'app' }],
    ['warehouse("app").Name', 'app'],
    ['warehouse("app").Kind', 'Warehouse'],
    ['warehouse("a") == warehouse("a")', true],
    ['imageFrom(repo).Tag', '1.0.0'],
    ['imageFrom(repo).Digest', 'sha256:aaa'],
    ['imageFrom(repo).RepoURL', 'ghcr.io/example/app'],
    ['imageFrom(repo).Annotations["org.opencontainers.image.source"]', 'x'],
    [
      'imageFrom(repo)',
      {
        repoURL: 'ghcr.io/example/app',
        tag: '1.0.0',
        digest: 'sha256:aaa',
        annotations: { 'org.opencontainers.image.source': 'x' },
      },
    ],
    ['imageFrom("ghcr.io/example/shared", warehouse("infra")).Tag', '2.0.0'],
    ['imageFrom("ghcr.io/example/none")', null],
    ['imageFrom("ghcr.io/example/none")?.Tag ?? "latest"', 'latest'],
    ['imageFrom(repo, warehouse("infra"))', null],
    ['commitFrom("https://github.com/example/app").ID', 'abc123'],
    ['commitFrom("HTTPS://GITHUB.COM/example/app.git/").Tag', 'v1.0.0'],
    ['commitFrom("https://github.com/example/app").Branch', ''],
    [
      'commitFrom("https://github.com/example/app")',
      {
        repoURL: 'https://github.com/example/app.git',
        id: 'abc123',
        tag: 'v1.0.0',
        message: 'Release',
      },
    ],
    ['commitFrom("https://github.com/example/other")', null],
    ['chartFrom("https://charts.example.com", "app").Version', '0.1.0'],
    ['chartFrom("oci://ghcr.io/example/charts/app").Version', '0.2.0'],
    [
      'chartFrom("oci://ghcr.io/example/charts/app", warehouse("app")).Version',
      '0.2.0',
    ],
    [
      'chartFrom("https://charts.example.com", "app", warehouse("app")).Name',
      'app',
    ],
    [
      'chartFrom("https://charts.example.com", "app", warehouse("infra"))',
      null,
    ],
    ['artifactFrom("custom").Version', '7'],
    ['artifactFrom("custom").Metadata.size', 3],
    [
      'artifactFrom("custom")',
      {
        ArtifactType: 'application/vnd.example',
        SubscriptionName: 'custom',
        Version: '7',
        Metadata: { size: 3 },
      },
    ],
  ])('%s', (source, expected) => {
    expect(evaluate(source)).toEqual(expected);
  });

  it.each([
    ['warehouse("")', 'name must not be empty'],
    ['warehouse(1)', 'argument must be string, got int'],
    ['warehouse()', 'expected 1 argument, got 0'],
    [
      'imageFrom("ghcr.io/example/shared")',
      'multiple requested Freight could potentially provide a container image from repository ghcr.io/example/shared',
    ],
    [
      'imageFrom(repo, {"kind": "Warehouse", "name": "app"})',
      'second argument must be FreightOrigin, got map[string]interface {}',
    ],
    ['commitFrom()', 'expected 1-2 arguments, got 0'],
    ['commitFrom(1)', 'first argument must be string, got int'],
    [
      'chartFrom("https://charts.example.com")',
      'chart from repo https://charts.example.com not found in referenced Freight',
    ],
    [
      'chartFrom("https://x", "nope")',
      'chart "nope" from repo https://x not found in referenced Freight',
    ],
    [
      'chartFrom("https://x", 1)',
      'second argument must be string or FreightOrigin, got int',
    ],
    [
      'chartFrom("https://x", warehouse("a"), warehouse("a"))',
      'when using three arguments, second argument must be string',
    ],
    [
      'chartFrom("https://x", "n", "w")',
      'third argument must be FreightOrigin, got string',
    ],
  ])('refuses %s', (source, message) => {
    expect(() => evaluate(source)).toThrow(message);
  });

  it('reports a requested Warehouse that does not exist', () => {
    const missing = freightFunctions(freight, [
      { origin: { kind: 'Warehouse', name: 'gone' }, subscriptions: undefined },
    ]);
    expect(() =>
      evaluateExpression('imageFrom("x")', { values: {}, functions: missing }),
    ).toThrow('Warehouse "gone" not found');
  });
});

describe('statusFunctions', () => {
  const steps = [
    { alias: 'clone', status: 'Succeeded' },
    { alias: 'optional', status: 'Errored', continueOnError: true },
    { alias: 'task-1::update', status: 'Failed' },
    { alias: 'update', status: 'Skipped' },
  ];

  it('ignores failures of steps that may continue on error', () => {
    const fns = statusFunctions(steps.slice(0, 2));
    expect(fns.success()).toBe(true);
    expect(fns.failure()).toBe(false);
    expect(fns.always()).toBe(true);
  });

  it('counts Failed and Errored steps as failures', () => {
    const fns = statusFunctions(steps);
    expect(fns.success()).toBe(false);
    expect(fns.failure()).toBe(true);
  });

  it('looks aliases up within the current step\u2019s task', () => {
    expect(statusFunctions(steps).status('update')).toBe('Skipped');
    expect(statusFunctions(steps, 'task-1::push').status('update')).toBe(
      'Failed',
    );
    expect(statusFunctions(steps, 'task-2::push').status('update')).toBe('');
    expect(statusFunctions(steps).status('nope')).toBe('');
  });

  it('checks arguments', () => {
    const fns = statusFunctions(steps);
    expect(() => fns.success(1)).toThrow('expected 0 arguments, got 1');
    expect(() => fns.status()).toThrow('expected 1 argument, got 0');
    expect(() => fns.status(1)).toThrow('argument must be string, got int');
    expect(() => fns.status('')).toThrow('argument must not be empty');
  });
});

describe('secretFunctions and configMapFunctions', () => {
  it('returns a copy of the data, or an empty map', () => {
    const data = { slack: { token: 't' } };
    const { secret } = secretFunctions(data);
    const copy = secret('slack') as Record<string, string>;
    expect(copy).toEqual({ token: 't' });
    copy.token = 'changed';
    expect(data.slack.token).toBe('t');
    expect(secret('missing')).toEqual({});
    expect(secret('toString')).toEqual({});
    expect(() => secret(1)).toThrow('argument must be string, got int');
  });

  it('accepts a Map', () => {
    const { configMap } = configMapFunctions(new Map([['cfg', { a: 'b' }]]));
    expect(configMap('cfg')).toEqual({ a: 'b' });
  });
});

describe('configMap(), sharedConfigMap(), sharedSecret() in expressions', () => {
  const functions = {
    ...configMapFunctions(
      { settings: { repoURL: 'https://git.example/app.git' } },
      { org: { region: 'eu' } },
    ),
    ...sharedSecretFunctions({ slack: { token: 'xoxb' } }),
  };
  it.each<[string, unknown]>([
    ["configMap('settings').repoURL", 'https://git.example/app.git'],
    ["configMap('missing')", {}],
    ["configMap('org')", {}],
    ["sharedConfigMap('org').region", 'eu'],
    ["sharedConfigMap('settings')", {}],
    ["sharedSecret('slack').token", 'xoxb'],
    ["sharedSecret('missing').token ?? 'none'", 'none'],
    ["'Bearer ' + sharedSecret('slack').token", 'Bearer xoxb'],
  ])('%s is %p', (expression, expected) => {
    expect(evaluateExpression(expression, { values: {}, functions })).toEqual(
      expected,
    );
  });

  it('has no sharedConfigMap() without shared config maps', () => {
    expect(configMapFunctions({})).not.toHaveProperty('sharedConfigMap');
  });
});

describe('freightStatus()', () => {
  const status = {
    currentlyIn: { dev: {} },
    verifiedIn: { dev: { verifiedAt: '2026-01-01T00:00:00Z' } },
    approvedFor: { prod: { approvedAt: '2026-01-02T00:00:00Z' } },
    metadata: { owner: 'amy' },
  };
  const functions = freightStatusFunctions(
    { abc123: status },
    { 'wise-otter': 'abc123' },
  );
  it.each<[string, unknown]>([
    ["freightStatus('abc123')", status],
    ["freightStatus('wise-otter').metadata.owner", 'amy'],
    ["'dev' in freightStatus('abc123').currentlyIn", true],
    ["freightStatus('abc123').approvedFor?.prod?.approvedAt != nil", true],
    ["freightStatus('abc123').approvedFor?.qa?.approvedAt ?? 'no'", 'no'],
    ["keys(freightStatus('abc123').verifiedIn)", ['dev']],
  ])('%s is %p', (expression, expected) => {
    expect(evaluateExpression(expression, { values: {}, functions })).toEqual(
      expected,
    );
  });

  it.each([
    ["freightStatus('other')", 'freight "other" is not part of this promotion'],
    ["freightStatus('')", 'freight name must not be empty'],
    ['freightStatus(1)', 'argument must be string, got int'],
    ["freightStatus('a', 'b')", 'expected 1 argument, got 2'],
  ])('refuses %s', (expression, message) => {
    expect(() =>
      evaluateExpression(expression, { values: {}, functions }),
    ).toThrow(message);
  });

  it('hands out a copy', () => {
    const copy = functions.freightStatus('abc123') as typeof status;
    copy.metadata.owner = 'mallory';
    expect(status.metadata.owner).toBe('amy');
  });
});
