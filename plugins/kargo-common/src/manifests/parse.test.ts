import fs from 'node:fs';
import path from 'node:path';
import {
  MAX_MANIFEST_TEXT_LENGTH,
  ManifestError,
  parseManifests,
  readManifestSource,
} from './parse';

const examplesDir = path.resolve(__dirname, '../../../../examples/kargo');
const fixturesDir = path.resolve(__dirname, '__fixtures__');

/** The YAML files of a fixtures folder, as [name, path]. */
function fixtures(folder: string): Array<[string, string]> {
  const dir = path.join(fixturesDir, folder);
  return fs
    .readdirSync(dir)
    .filter(name => name.endsWith('.yaml'))
    .sort()
    .map(name => [name, path.join(dir, name)]);
}

function problemsOf(text: string, source = 'bad.yaml'): string[] {
  try {
    parseManifests({ source, text });
  } catch (error) {
    if (error instanceof ManifestError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a ManifestError');
}

const stage = (spec: string) => `
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata:
  name: dev
  namespace: demo
spec:
${spec}`;

describe('parseManifests', () => {
  it('loads the demo pipeline', () => {
    const file = path.join(examplesDir, 'guestbook.yaml');
    const manifests = parseManifests({
      source: file,
      text: fs.readFileSync(file, 'utf8'),
    });
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`)).toEqual([
      'Project/guestbook',
      'Warehouse/guestbook',
      'Stage/dev',
      'Stage/staging',
      'Stage/prod',
      'PromotionTask/promote',
    ]);
  });

  it('gives namespace-less documents the namespace of the Project in the same source', () => {
    const manifests = parseManifests({
      source: 'p.yaml',
      text: `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: shop }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: images }
spec:
  subscriptions: [{ image: { repoURL: ghcr.io/acme/shop } }]
---
`,
    });
    expect(manifests[1].metadata.namespace).toBe('shop');
  });

  it.each([
    [
      'a document without apiVersion',
      'kind: Project\nmetadata: { name: x }',
      'bad.yaml (document 1): apiVersion: must be "kargo.akuity.io/v1alpha1", got undefined',
    ],
    [
      'an unknown kind',
      'apiVersion: kargo.akuity.io/v1alpha1\nkind: Freight\nmetadata: { name: x }',
      'bad.yaml (document 1): kind: must be one of Project, ProjectConfig, Warehouse, Stage, PromotionTask, ClusterPromotionTask, ClusterConfig, got "Freight"',
    ],
    [
      'an unknown top-level field',
      `${stage(
        '  requestedFreight: [{ origin: { kind: Warehouse, name: w }, sources: { direct: true } }]',
      )}\nstatus: {}`,
      'bad.yaml (document 1): unknown field "status"',
    ],
    [
      'a stage without sources',
      stage(
        '  requestedFreight: [{ origin: { kind: Warehouse, name: w }, sources: {} }]',
      ),
      'bad.yaml (document 1): spec.requestedFreight[0].sources: must set direct: true or list at least one upstream stage',
    ],
    [
      'a bad origin kind',
      stage(
        '  requestedFreight: [{ origin: { kind: Stage, name: w }, sources: { direct: true } }]',
      ),
      'bad.yaml (document 1): spec.requestedFreight[0].origin.kind: must be "Warehouse", got "Stage"',
    ],
    [
      'an invalid name',
      'apiVersion: kargo.akuity.io/v1alpha1\nkind: Project\nmetadata: { name: My_Project }',
      'bad.yaml (document 1): metadata.name: must be a lowercase DNS-1123 label (a-z, 0-9 and "-")',
    ],
    [
      'a warehouse without namespace or project',
      'apiVersion: kargo.akuity.io/v1alpha1\nkind: Warehouse\nmetadata: { name: w }\nspec: { subscriptions: [{ git: {} }] }',
      'bad.yaml (document 1): metadata.namespace: is required: it names the Kargo project of this Warehouse',
    ],
    [
      'an owners annotation that names no entity',
      'apiVersion: kargo.akuity.io/v1alpha1\nkind: Project\nmetadata: { name: p, annotations: { kargo-portal/owners: "group:default/a, team b" } }',
      'bad.yaml (document 1): metadata.annotations["kargo-portal/owners"]: "team b" is not a catalog entity ref (kind:namespace/name, e.g. group:default/team-a or component:default/shop)',
    ],
  ])('reports %s with the source, document and field', (_, text, expected) => {
    expect(problemsOf(text)).toContain(expected);
  });

  it('reports a YAML syntax error with the source and document', () => {
    expect(problemsOf('kind: [Stage')).toEqual([
      expect.stringMatching(/^bad\.yaml \(document 1\): .*flow sequence/i),
    ]);
  });

  describe('URLs with credentials', () => {
    const warehouse = (repoURL: string) => `
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: w, namespace: demo }
spec:
  subscriptions:
    - git: { repoURL: ${JSON.stringify(repoURL)} }`;

    it.each([
      'http://alice:S3cret@host.example/repo.git',
      'https://alice:p@ss@host.example/repo.git',
      'https://alice:pa/ss@host.example/repo.git',
      'ssh://git:S3cret@host.example/repo.git',
      'https://ghp_token@github.com/acme/repo.git',
    ])('refuses %s naming the field and where credentials belong', url => {
      expect(problemsOf(warehouse(url))).toEqual([
        expect.stringMatching(
          /^bad\.yaml \(document 1\): spec\.subscriptions\[0\]\.git\.repoURL: must not hold .* credentials belong in the backend config \(Backstage integrations for Git, kargo\.registries for registries and chart repositories\)/,
        ),
      ]);
    });

    it.each([
      'https://github.com/acme/repo.git',
      'ssh://git@github.com/acme/repo.git',
      'git@github.com:acme/repo.git',
    ])('accepts %s', url => {
      expect(() =>
        parseManifests({ source: 'w.yaml', text: warehouse(url) }),
      ).not.toThrow();
    });

    it('refuses a password in a step config too, and leaves an expression alone', () => {
      const text =
        stage(`  requestedFreight: [{ origin: { kind: Warehouse, name: w }, sources: { direct: true } }]
  promotionTemplate:
    spec:
      steps:
        - uses: git-clone
          config:
            repoURL: https://bot:hunter2@git.example/app.git
        - uses: http
          config:
            url: 'https://\${{ vars.user }}:\${{ vars.token }}@api.example/'`);
      expect(problemsOf(text)).toEqual([
        expect.stringMatching(
          /^bad\.yaml \(document 1\): spec\.promotionTemplate\.spec\.steps\[0\]\.config\.repoURL: must not hold a password/,
        ),
      ]);
    });
  });

  describe('YAML limits', () => {
    it('reports aliases over the limit as a problem of the document, not a ReferenceError', () => {
      const anchors = `a: &x 1\nb: [${Array(150).fill('*x').join(', ')}]`;
      expect(problemsOf(`apiVersion: v1\n${anchors}`)).toEqual([
        expect.stringMatching(
          /^bad\.yaml \(document 1\): uses YAML aliases to repeat values too often/,
        ),
      ]);
    });

    it('refuses a text over the size limit before parsing it', () => {
      const text = `# ${'x'.repeat(MAX_MANIFEST_TEXT_LENGTH)}`;
      expect(problemsOf(text)).toEqual([
        expect.stringMatching(/^bad\.yaml: is \d+ characters long, more than/),
      ]);
    });
  });

  it('numbers documents from one and reports every invalid one', () => {
    const good =
      'apiVersion: kargo.akuity.io/v1alpha1\nkind: Project\nmetadata: { name: ok }';
    const bad = 'apiVersion: kargo.akuity.io/v1alpha1\nkind: Nope';
    expect(problemsOf([good, bad, good, bad].join('\n---\n'))).toEqual([
      expect.stringMatching(/^bad\.yaml \(document 2\): kind:/),
      expect.stringMatching(/^bad\.yaml \(document 4\): kind:/),
    ]);
  });

  describe('valid manifests', () => {
    it.each([
      ...fixtures('valid'),
      [
        'examples/kargo/guestbook.yaml',
        path.join(examplesDir, 'guestbook.yaml'),
      ],
    ])('loads %s', (_, file) => {
      const manifests = parseManifests({
        source: file,
        text: fs.readFileSync(file, 'utf8'),
      });
      expect(manifests.length).toBeGreaterThan(0);
    });
  });

  describe('invalid manifests', () => {
    const cases = fixtures('invalid');

    it('has a corpus covering every kind', () => {
      expect(cases.length).toBeGreaterThanOrEqual(30);
      const kinds = new Set(
        cases.flatMap(([, file]) =>
          [...fs.readFileSync(file, 'utf8').matchAll(/^kind: (\w+)$/gm)].map(
            m => m[1],
          ),
        ),
      );
      expect([...kinds].sort()).toEqual(
        expect.arrayContaining([
          'ClusterPromotionTask',
          'Project',
          'ProjectConfig',
          'PromotionTask',
          'Stage',
          'Warehouse',
        ]),
      );
    });

    // Each fixture states every problem it must produce, in order, in leading "# expect: " comment lines.
    it.each(cases)('%s reports exactly its expected problems', (name, file) => {
      const text = fs.readFileSync(file, 'utf8');
      const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map(m => m[1]);
      expect(expected.length).toBeGreaterThan(0);
      expect(problemsOf(text, name)).toEqual(expected);
    });
  });

  describe('files as real repositories write them', () => {
    const project = `apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: shop }`;

    it('skips other kinds, keeps AnalysisTemplates, and lists each with why', () => {
      const result = readManifestSource({
        source: 'mixed.yaml',
        text: [
          project,
          'apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: { name: shop, namespace: argocd }\nspec: {}',
          'apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: { name: shop, namespace: argocd }',
          'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: shop-dev, namespace: argocd }',
          'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop-dev }',
          'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: shop }\ndata: { a: b }',
          'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }',
          'apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: { name: smoke }\nspec: { metrics: [{ name: up, provider: { web: { url: "http://status" } } }] }',
          'apiVersion: argoproj.io/v1alpha1\nkind: ClusterAnalysisTemplate\nmetadata: { name: global }\nspec: { metrics: [{ name: up, provider: { web: { url: "http://status" } } }] }',
        ].join('\n---\n'),
      });
      expect(result.manifests.map(m => m.kind)).toEqual(['Project']);
      expect(
        result.analysisTemplates.map(
          t => `${t.kind}/${t.metadata.namespace ?? ''}/${t.metadata.name}`,
        ),
      ).toEqual([
        'AnalysisTemplate/shop/smoke',
        'ClusterAnalysisTemplate//global',
      ]);
      expect(result.notes.map(n => [n.document, n.kind, n.level])).toEqual([
        [2, 'ApplicationSet', 'skipped'],
        [3, 'AppProject', 'skipped'],
        [4, 'Application', 'skipped'],
        [5, 'Namespace', 'skipped'],
        [6, 'ConfigMap', 'skipped'],
        [7, 'Deployment', 'skipped'],
        [8, 'AnalysisTemplate', 'kept'],
        [9, 'ClusterAnalysisTemplate', 'kept'],
      ]);
      expect(result.notes[4].message).toContain('kargo.configMaps');
      expect(result.storableText).toContain('kind: ConfigMap');
    });

    it('refuses an AnalysisTemplate whose metric uses a provider Kargo Portal does not run, naming both', () => {
      expect(() =>
        readManifestSource({
          source: 'analysis.yaml',
          text: [
            project,
            'apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: { name: smoke, namespace: shop }\nspec: { metrics: [{ name: load, provider: { job: { spec: {} } } }] }',
          ].join('\n---\n'),
        }),
      ).toThrow(
        'AnalysisTemplate "smoke" metric "load" uses the job provider: Kargo Portal runs only the web and prometheus providers',
      );
    });

    it('accepts {{args.<name>}} for timing and limits, resolved when measuring', () => {
      const result = readManifestSource({
        source: 'a.yaml',
        text: [
          project,
          'apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: { name: rate, namespace: shop }\nspec: { args: [{ name: n }, { name: every }], metrics: [{ name: up, count: "{{args.n}}", interval: "{{ args.every }}", failureLimit: "{{args.n}}", provider: { prometheus: { address: "http://p", query: "up" } } }] }',
        ].join('\n---\n'),
      });
      expect(result.analysisTemplates).toHaveLength(1);
    });

    it('refuses AnalysisTemplate fields it would not act on', () => {
      const text = [
        project,
        'apiVersion: argoproj.io/v1alpha1\nkind: ClusterAnalysisTemplate\nmetadata: { name: rate }\nspec: { dryRun: [{ metricName: up }], metrics: [{ name: up, count: 3, provider: { prometheus: { address: "http://p", query: "up", timeout: 120, insecure: true } } }] }',
      ].join('\n---\n');
      expect(() => readManifestSource({ source: 'a.yaml', text })).toThrow(
        /spec: ClusterAnalysisTemplate "rate": Kargo Portal does not run dryRun/,
      );
      expect(() => readManifestSource({ source: 'a.yaml', text })).toThrow(
        /provider.prometheus: ClusterAnalysisTemplate "rate": Kargo Portal does not run insecure/,
      );
      expect(() => readManifestSource({ source: 'a.yaml', text })).toThrow(
        /spec.metrics\[0\].interval: is required when count is more than 1/,
      );
      expect(() => readManifestSource({ source: 'a.yaml', text })).toThrow(
        /provider.prometheus.timeout: must be at most 60 seconds in Kargo Portal/,
      );
    });

    it('refuses credential Secrets without storing them or quoting their data', () => {
      const text = `${project}
---
apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: shop-repo
  namespace: shop
  labels:
    kargo.akuity.io/cred-type: git
stringData:
  repoURL: https://git.example/shop.git
  password: hunter2-token
---
apiVersion: v1
kind: Secret
metadata: { name: plain, namespace: shop }
stringData: { key: other-secret-value }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: images }
spec:
  subscriptions: [{ image: { repoURL: ghcr.io/acme/shop } }]
`;
      const result = readManifestSource({ source: 's.yaml', text });
      expect(result.manifests.map(m => m.kind)).toEqual([
        'Project',
        'Warehouse',
      ]);
      expect(result.notes).toEqual([
        expect.objectContaining({
          document: 2,
          kind: 'Secret',
          name: 'shop-repo',
          level: 'refused',
          message: expect.stringContaining('integrations'),
        }),
        expect.objectContaining({ document: 3, level: 'skipped' }),
      ]);
      const stored = result.storableText;
      expect(stored).not.toContain('hunter2-token');
      expect(stored).not.toContain('other-secret-value');
      expect(stored).not.toContain('kind: Secret');
      expect(JSON.stringify(result.notes)).not.toContain('hunter2');
      // What is stored loads to the same manifests.
      expect(parseManifests({ source: 's.yaml', text: stored })).toEqual(
        result.manifests,
      );
    });

    it('takes the last of repeated keys, with a warning naming the field, as kubectl does', () => {
      const result = readManifestSource({
        source: 'dup.yaml',
        text: `${project}
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: dev, namespace: shop }
spec:
  requestedFreight: [{ origin: { kind: Warehouse, name: w }, sources: { direct: true } }]
  promotionTemplate:
    spec:
      steps: [{ uses: first }]
  promotionTemplate:
    spec:
      steps: [{ uses: second }]
`,
      });
      const dev = result.manifests[1];
      expect(dev.kind === 'Stage' && dev.spec.promotionTemplate).toEqual({
        spec: { steps: [{ uses: 'second' }] },
      });
      expect(result.notes).toEqual([
        {
          document: 2,
          apiVersion: 'kargo.akuity.io/v1alpha1',
          kind: 'Stage',
          name: 'dev',
          path: 'spec.promotionTemplate',
          level: 'warning',
          message:
            'is repeated in its mapping; the last one is used, as kubectl does',
        },
      ]);
    });

    it('reads the deprecated allowTags and ignoreTags as their regexes, with a deprecation note', () => {
      const result = readManifestSource({
        source: 'w.yaml',
        text: `${project}
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: images, namespace: shop }
spec:
  subscriptions:
  - image:
      repoURL: ghcr.io/acme/shop
      allowTags: ^v?[0-9]+\\.[0-9]+\\.[0-9]+$
      ignoreTags: [v1.0.0+build]
  - git:
      repoURL: https://github.com/acme/shop.git
      commitSelectionStrategy: SemVer
      allowTagsRegexes: [^v]
      allowTags: ^release-
`,
      });
      const warehouse = result.manifests[1];
      if (warehouse.kind !== 'Warehouse') throw new Error('not a Warehouse');
      const [image, git] = warehouse.spec.subscriptions;
      expect(image.image).toMatchObject({
        allowTagsRegexes: ['^v?[0-9]+\\.[0-9]+\\.[0-9]+$'],
        ignoreTagsRegexes: ['^v1\\.0\\.0\\+build$'],
      });
      expect(image.image).not.toHaveProperty('allowTags');
      expect(git.git).toMatchObject({ allowTagsRegexes: ['^v', '^release-'] });
      expect(result.notes.map(n => [n.level, n.path])).toEqual([
        ['deprecated', 'spec.subscriptions[0].image.allowTags'],
        ['deprecated', 'spec.subscriptions[0].image.ignoreTags'],
        ['deprecated', 'spec.subscriptions[1].git.allowTags'],
      ]);
    });

    it('reads a ClusterConfig, refusing the fields Kargo Portal does not act on', () => {
      const [config] = parseManifests({
        source: 'c.yaml',
        text: `apiVersion: kargo.akuity.io/v1alpha1
kind: ClusterConfig
metadata: { name: cluster }
spec:
  webhookReceivers:
  - name: github
    github: { secretRef: { name: gh-secret } }
`,
      });
      expect(config).toMatchObject({
        kind: 'ClusterConfig',
        spec: { webhookReceivers: [{ name: 'github' }] },
      });
      expect(config.metadata.namespace).toBeUndefined();
    });
  });
});
