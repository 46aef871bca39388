import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { GitClient } from '../git';
import { StepRegistry } from './engine';
import { evaluateExpression } from '../expressions';
import { builtinPromotionSteps } from './builtinSteps';
import { createPromotionWorker } from './worker';

const databases = kargoTestDatabases();
const seed = path.resolve(
  __dirname,
  '../../../kargo-common/src/manifests/__fixtures__/valid/seed-002-kargo-poc.yaml',
);
const IMAGE = '123456789012.dkr.ecr.eu-central-1.amazonaws.com/application';

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Seed',
      '-c',
      'user.email=seed@example.invalid',
      '-c',
      'init.defaultBranch=main',
      ...args,
    ],
    { cwd, encoding: 'utf8' },
  ).trim();
}

// The PromotionTask of the article in ../shared/seeds/002 ("Argo CD and Kargo in practice"), as written there
// (git-clone, yaml-update with imageFrom, git-clone of a commit with commitFrom, copy, git-commit with a
// conditional message, git-push), run against a local repository instead of GitHub. Its last step,
// argocd-update, is replaced by a compose-output that shows what imageFrom and commitFrom see: the stage takes
// both warehouses, and keeps the freight of one while the other's is promoted.
describe.each(databases.eachSupportedId())(
  "the seed article's PromotionTask on %p",
  id => {
    let root: string;
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it('promotes an image and GitOps commits into a local repository, keeping both origins', async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-seed-'));
      const work = path.join(root, 'work');
      fs.mkdirSync(path.join(work, 'env/dev'), { recursive: true });
      fs.mkdirSync(path.join(work, 'base'), { recursive: true });
      fs.writeFileSync(
        path.join(work, 'env/dev/values.yaml'),
        '# dev\nimage:\n  tag: 1.0.0 # the running version\n',
      );
      fs.writeFileSync(
        path.join(work, 'base/feature-flags.yaml'),
        'beta: false\n',
      );
      git(work, 'init', '-q');
      git(work, 'add', '.');
      git(work, 'commit', '-q', '-m', 'initial');
      fs.writeFileSync(
        path.join(work, 'base/feature-flags.yaml'),
        'beta: true\n',
      );
      git(work, 'commit', '-q', '-am', 'enable beta');
      const flagsCommit = git(work, 'rev-parse', 'HEAD');
      fs.writeFileSync(
        path.join(work, 'base/feature-flags.yaml'),
        'beta: true\ngamma: true\n',
      );
      git(work, 'commit', '-q', '-am', 'enable gamma');
      const gammaCommit = git(work, 'rev-parse', 'HEAD');
      const bare = path.join(root, 'kargo-poc.git');
      git(root, 'clone', '-q', '--bare', work, bare);
      const repoURL = `file://${bare}`;

      const text = fs
        .readFileSync(seed, 'utf8')
        .replaceAll('https://github.com/example-org/kargo-poc.git', repoURL);
      // In place of argocd-update, a step that shows what imageFrom and commitFrom see in a GitOps promotion.
      const withoutArgo = text.replace(
        /\n {4}- uses: argocd-update\n(?: {6,}.*\n?)*/,
        [
          '',
          '    - if: ${{ ctx.targetFreight.origin.name == "gitops" }}',
          '      uses: compose-output',
          '      as: seen',
          '      config:',
          '        image: ${{ imageFrom( vars.image ).Tag }}',
          '        commit: ${{ commitFrom( vars.repoURL ).ID }}',
          '',
        ].join('\n'),
      );
      expect(withoutArgo).not.toContain('argocd-update');
      const catalog = DefinitionCatalog.fromManifests(
        parseManifests({ source: 'seed-002.yaml', text: withoutArgo }),
      );

      const knex = await databases.init(id);
      await applyDatabaseMigrations(knex);
      const stores = DatabaseKargoStores.fromKnex(knex);
      const image = await stores.freight.insertFreight(
        {
          project: 'kargo-poc',
          id: 'a'.repeat(40),
          origin: { kind: 'Warehouse', name: 'application' },
          commits: [],
          images: [{ repoURL: IMAGE, tag: '1.4.0', digest: 'sha256:1' }],
          charts: [],
          createdAt: new Date('2026-01-01T00:00:00Z'),
        },
        { generateAlias: async () => 'image-freight' },
      );
      const gitops = await stores.freight.insertFreight(
        {
          project: 'kargo-poc',
          id: 'b'.repeat(40),
          origin: { kind: 'Warehouse', name: 'gitops' },
          commits: [{ repoURL, id: flagsCommit, branch: 'main' }],
          images: [],
          charts: [],
          createdAt: new Date('2026-01-01T00:01:00Z'),
        },
        { generateAlias: async () => 'gitops-freight' },
      );
      const gamma = await stores.freight.insertFreight(
        {
          project: 'kargo-poc',
          id: 'c'.repeat(40),
          origin: { kind: 'Warehouse', name: 'gitops' },
          commits: [{ repoURL, id: gammaCommit, branch: 'main' }],
          images: [],
          charts: [],
          createdAt: new Date('2026-01-01T00:02:00Z'),
        },
        { generateAlias: async () => 'gamma-freight' },
      );
      const worker = createPromotionWorker({
        stores,
        definitions: { getCatalog: async () => catalog },
        registry: StepRegistry.create(
          builtinPromotionSteps({
            config: new ConfigReader({}),
            git: await GitClient.create(),
            evaluateExpression,
          }),
        ),
        logger: mockServices.logger.mock(),
        config: new ConfigReader({
          kargo: { promotions: { workDir: path.join(root, 'promotions') } },
        }),
      });

      const seen: unknown[] = [];
      // The image, then a GitOps commit, then a newer GitOps commit: the stage keeps the image throughout.
      for (const freight of [image.freight, gitops.freight, gamma.freight]) {
        const promotion = await stores.promotions.createPromotion({
          project: 'kargo-poc',
          stage: 'dev',
          freightId: freight.id,
          actor: 'user:default/amy',
          at: new Date(),
        });
        while ((await worker.runOnce()) > 0) {
          // until the promotion has run
        }
        const done = await stores.promotions.getPromotion(
          'kargo-poc',
          promotion.id,
        );
        const isImage = freight === image.freight;
        expect({
          freight: freight.alias,
          phase: done?.phase,
          message: done?.message,
          steps: done?.steps.map(s => [s.alias, s.status]),
        }).toEqual({
          freight: freight.alias,
          phase: 'Succeeded',
          message: done?.message,
          steps: [
            ['step-1', 'Succeeded'],
            ['update-image', isImage ? 'Succeeded' : 'Skipped'],
            ['step-3', isImage ? 'Skipped' : 'Succeeded'],
            ['step-4', isImage ? 'Skipped' : 'Succeeded'],
            ['commit', 'Succeeded'],
            ['step-6', 'Succeeded'],
            ['seen', isImage ? 'Skipped' : 'Succeeded'],
          ].map(([alias, status]) => [`task-1::${alias}`, status]),
        });
        if (!isImage) {
          seen.push(done?.steps.find(s => s.alias === 'task-1::seen')?.output);
        }
      }
      // Each GitOps promotion still saw the image promoted before it.
      expect(seen).toEqual([
        { image: '1.4.0', commit: flagsCommit },
        { image: '1.4.0', commit: gammaCommit },
      ]);
      const [dev] = await stores.stages.getStageSummaries('kargo-poc', ['dev']);
      expect(dev.current.map(c => c.freight.alias)).toEqual([
        'image-freight',
        'gamma-freight',
      ]);
      expect(dev.freightHistory.map(h => h.collection.items)).toEqual([
        [
          {
            origin: { kind: 'Warehouse', name: 'application' },
            name: 'a'.repeat(40),
          },
          {
            origin: { kind: 'Warehouse', name: 'gitops' },
            name: 'c'.repeat(40),
          },
        ],
        [
          {
            origin: { kind: 'Warehouse', name: 'application' },
            name: 'a'.repeat(40),
          },
          {
            origin: { kind: 'Warehouse', name: 'gitops' },
            name: 'b'.repeat(40),
          },
        ],
        [
          {
            origin: { kind: 'Warehouse', name: 'application' },
            name: 'a'.repeat(40),
          },
        ],
      ]);

      const show = (file: string) =>
        git(root, `--git-dir=${bare}`, 'show', `main:${file}`);
      expect(show('env/dev/values.yaml')).toBe(
        '# dev\nimage:\n  tag: 1.4.0 # the running version',
      );
      expect(show('env/dev/feature-flags.yaml')).toBe(
        'beta: true\ngamma: true',
      );
      expect(
        git(root, `--git-dir=${bare}`, 'log', '--format=%s', '-3').split('\n'),
      ).toEqual([
        `updates dev gitops.yaml from ${gammaCommit}`,
        `updates dev gitops.yaml from ${flagsCommit}`,
        'updated dev application to 1.4.0',
      ]);
      await knex.destroy();
    }, 60_000);
  },
);
