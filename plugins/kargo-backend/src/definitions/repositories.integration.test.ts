import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { GitTestServer } from '../__testUtils__/services/gitServer';
import {
  TestRegistry,
  startRegistry,
} from '../__testUtils__/services/registry';
import {
  RegistryWriter,
  buildImage,
} from '../__testUtils__/services/registryContent';
import { haveCommands } from '../__testUtils__/services/tools';
import { DatabaseDefinitionStore } from '../database/DatabaseDefinitionStore';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { createDiscoverers } from '../warehouses/discoverers';
import { artifactSources } from '../warehouses/sources';
import { WarehouseService } from '../warehouses/WarehouseService';
import { DefinitionService } from './DefinitionService';

/*
 * Repositories of the shapes of Kargo's public examples (kargo-simple, kargo-advanced, kargo-helm, the quickstart;
 * see __fixtures__/repositories/README.md) load unchanged through file locations, and their warehouses discover
 * against a real registry and Git repository.
 */

const databases = kargoTestDatabases();
const describeWithRegistry = haveCommands('docker-registry')
  ? describe
  : describe.skip;
const FIXTURES = path.join(__dirname, '__fixtures__', 'repositories');

/** Copies the fixtures, pointing them at the test's registry and Git repository. */
async function copyFixtures(
  to: string,
  replacements: Record<string, string>,
): Promise<void> {
  for (const entry of await fs.readdir(FIXTURES, {
    recursive: true,
    withFileTypes: true,
  })) {
    if (!entry.isFile() || !entry.name.endsWith('.yaml')) continue;
    const from = path.join(entry.parentPath, entry.name);
    let text = await fs.readFile(from, 'utf8');
    for (const [token, value] of Object.entries(replacements)) {
      text = text.replaceAll(token, value);
    }
    const target = path.join(to, path.relative(FIXTURES, from));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, text);
  }
}

describeWithRegistry('Kargo example repositories', () => {
  let registry: TestRegistry;
  let gitServer: GitTestServer;
  let root: string;

  beforeAll(async () => {
    registry = await startRegistry();
    const writer = new RegistryWriter(registry.url);
    const image = buildImage({ created: '2026-01-01T00:00:00Z' });
    for (const tag of ['v1.0.0', 'v1.1.0', 'latest']) {
      await writer.pushImage('acme/storefront', tag, image);
    }
    for (const tag of ['1.28.0', '1.29.0', '1.29.2']) {
      await writer.pushImage('acme/web', tag, image);
    }
    gitServer = await GitTestServer.create();
    await gitServer.createRepository('gitops', {
      commits: [
        { files: { 'base/flags.yaml': 'beta: false\n' }, message: 'flags' },
        { files: { 'env/dev/values.yaml': 'image: {}\n' }, message: 'dev' },
      ],
    });
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'kargo-repositories-'));
    await copyFixtures(root, {
      REGISTRY: registry.host,
      GIT_REPO: gitServer.fileUrl('gitops'),
    });
  });

  afterAll(async () => {
    await registry?.stop();
    await gitServer?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it.each(databases.eachSupportedId())(
    'load unchanged, list what they skip, keep and refuse, and discover on %p',
    async id => {
      const knex = await databases.init(id);
      await applyDatabaseMigrations(knex);
      const logger = mockServices.logger.mock();
      const store = DatabaseDefinitionStore.create({ knex });
      const definitions = new DefinitionService({
        locations: [
          { type: 'file', target: 'simple/kargo/*.yaml' },
          { type: 'file', target: 'advanced/kargo/*.yaml' },
          { type: 'file', target: 'advanced/argocd/*.yaml' },
          { type: 'file', target: 'helm/kargo/*.yaml' },
          { type: 'file', target: 'helm/argocd/*.yaml' },
          { type: 'file', target: 'quickstart/*.yaml' },
        ],
        store,
        logger,
        urlReader: mockServices.urlReader.mock(),
        baseDir: root,
      });
      await definitions.syncConfiguredSources();

      const sources = await definitions.listSources();
      expect(sources.filter(s => s.lastError)).toEqual([]);
      const notesOf = (file: string) =>
        sources
          .find(s => s.target.endsWith(file))
          ?.notes?.map(n => `${n.level} ${n.kind} ${n.path}`.trim());
      expect(notesOf('advanced/kargo/analysis.yaml')).toEqual([
        'kept AnalysisTemplate',
      ]);
      expect(notesOf('advanced/kargo/warehouse.yaml')).toEqual([
        'deprecated Warehouse spec.subscriptions[0].image.allowTags',
      ]);
      expect(notesOf('advanced/argocd/appproj.yaml')).toEqual([
        'skipped AppProject',
      ]);
      expect(notesOf('helm/kargo/stages.yaml')).toEqual([
        'warning Stage spec.promotionTemplate',
      ]);
      expect(notesOf('quickstart/kargo.yaml')).toEqual(['refused Secret']);
      expect(notesOf('quickstart/argocd.yaml')).toEqual([
        'skipped ApplicationSet',
      ]);
      expect(
        sources.find(s => s.target.endsWith('quickstart/kargo.yaml'))
          ?.notes?.[0].message,
      ).toContain('integrations');
      const stored = await store.loadDefinitions();
      expect(JSON.stringify(stored)).not.toContain('QUICKSTART-TOKEN-VALUE');
      expect(JSON.stringify(sources)).not.toContain('QUICKSTART-TOKEN-VALUE');

      const catalog = await definitions.getCatalog();
      expect(catalog.listProjects().map(p => p.name)).toEqual([
        'advanced-shop',
        'helm-shop',
        'quick-shop',
        'simple-shop',
      ]);
      expect(
        catalog.getAnalysisTemplate('advanced-shop', 'latency-check')?.spec,
      ).toMatchObject({ metrics: [{ name: 'latency' }] });
      const stages = (project: string) =>
        catalog
          .getProject(project)
          ?.stages.map(s => s.metadata.name)
          .sort();
      expect(stages('advanced-shop')).toEqual([
        'canary',
        'dev',
        'prod',
        'prod-eu',
      ]);
      expect(stages('helm-shop')).toEqual(['dev', 'prod-eu', 'staging']);

      const stores = DatabaseKargoStores.fromKnex(knex);
      const warehouses = new WarehouseService({
        stores,
        getCatalog: () => definitions.getCatalog(),
        sources: artifactSources(
          await createDiscoverers({
            config: new ConfigReader({}),
            logger,
            cacheDir: path.join(root, `mirrors-${id}`),
          }),
        ),
        logger,
      });
      await warehouses.pollDue();
      const freightOf = async (project: string, warehouse: string) => {
        const state = await stores.warehouses.getWarehouse(project, warehouse);
        expect(state?.lastError).toBeUndefined();
        const { items } = await stores.freight.listFreight({
          project,
          limit: 10,
        });
        return items.filter(f => f.origin.name === warehouse);
      };
      const [simple] = await freightOf('simple-shop', 'storefront');
      expect(simple.images[0].tag).toBe('v1.1.0');
      const [advanced] = await freightOf('advanced-shop', 'storefront');
      expect(advanced.images[0].tag).toBe('v1.1.0');
      expect(advanced.commits[0].repoURL).toBe(gitServer.fileUrl('gitops'));
      expect(
        (await freightOf('helm-shop', 'storefront'))[0].images[0].tag,
      ).toBe('v1.1.0');
      expect(
        (await freightOf('helm-shop', 'flags'))[0].commits[0].message,
      ).toBe('flags');
      expect(
        (await freightOf('quick-shop', 'quick-shop'))[0].images[0].tag,
      ).toBe('1.29.2');
      await knex.destroy();
    },
  );
});
