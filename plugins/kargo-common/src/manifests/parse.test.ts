import fs from 'node:fs';
import path from 'node:path';
import {
  MAX_MANIFEST_TEXT_LENGTH,
  ManifestError,
  parseManifests,
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
      'a foreign apiVersion',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }',
      'bad.yaml (document 1): apiVersion: must be "kargo.akuity.io/v1alpha1", got "v1"',
    ],
    [
      'an unknown kind',
      'apiVersion: kargo.akuity.io/v1alpha1\nkind: Freight\nmetadata: { name: x }',
      'bad.yaml (document 1): kind: must be one of Project, ProjectConfig, Warehouse, Stage, PromotionTask, ClusterPromotionTask, got "Freight"',
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
});
