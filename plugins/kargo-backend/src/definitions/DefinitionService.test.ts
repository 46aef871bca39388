import fs from 'node:fs/promises';
import path from 'node:path';
import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { DatabaseDefinitionStore } from '../database/DatabaseDefinitionStore';
import { applyDatabaseMigrations } from '../database/migrations';
import { DefinitionService, DefinitionLocation } from './DefinitionService';

const databases = kargoTestDatabases();

const project = (name: string, stages = ['dev']) => `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: ${name} }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: images, namespace: ${name} }
spec:
  subscriptions: [{ image: { repoURL: ghcr.io/acme/${name} } }]
${stages
  .map(
    s => `---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: ${s}, namespace: ${name} }
spec:
  requestedFreight: [{ origin: { kind: Warehouse, name: images }, sources: { direct: true } }]
`,
  )
  .join('')}`;

describe.each(databases.eachSupportedId())(
  'DefinitionService on %p',
  databaseId => {
    const dir = createMockDirectory();
    beforeEach(() => dir.clear());

    async function service(
      locations: DefinitionLocation[],
      urls: Record<string, string> = {},
      projectsWithSecrets: string[] = [],
    ) {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const store = DatabaseDefinitionStore.create({ knex });
      const urlReader = mockServices.urlReader.mock({
        readUrl: async (url: string) => {
          if (!(url in urls))
            throw new Error(`NotFoundError: ${url} does not exist`);
          return { buffer: async () => Buffer.from(urls[url]) } as never;
        },
      });
      return {
        store,
        definitions: new DefinitionService({
          locations,
          store,
          logger: mockServices.logger.mock(),
          urlReader,
          baseDir: dir.path,
          projectsWithSecrets,
        }),
      };
    }

    const stagesOf = async (d: DefinitionService, name: string) =>
      (await d.getCatalog()).getProject(name)?.stages.map(s => s.metadata.name);

    it('keeps the last good version of a file that stops validating, and reports why', async () => {
      dir.setContent({ 'shop.yaml': project('shop', ['dev', 'prod']) });
      const { definitions } = await service([
        { type: 'file', target: '*.yaml' },
      ]);
      await definitions.syncConfiguredSources();
      expect(await stagesOf(definitions, 'shop')).toEqual(['dev', 'prod']);

      await fs.writeFile(
        path.join(dir.path, 'shop.yaml'),
        project('shop', ['dev', 'prod']).replace(
          'sources: { direct: true }',
          'sources: { stages: [nowhere] }',
        ),
      );
      await definitions.syncConfiguredSources();
      expect(await stagesOf(definitions, 'shop')).toEqual(['dev', 'prod']);
      const [source] = await definitions.listSources();
      expect(source).toMatchObject({ version: 1, kind: 'file' });
      expect(source.lastError).toContain(
        'shop.yaml: Stage dev: spec.requestedFreight[0].sources.stages: Stage "nowhere" is not defined in project "shop"',
      );

      await fs.writeFile(
        path.join(dir.path, 'shop.yaml'),
        project('shop', ['dev']),
      );
      await definitions.syncConfiguredSources();
      expect(await stagesOf(definitions, 'shop')).toEqual(['dev']);
      expect((await definitions.listSources())[0]).toMatchObject({
        version: 2,
        lastError: undefined,
      });
    });

    it('reads URLs through the UrlReader and records unreachable ones', async () => {
      const good = 'https://git.example/acme/gitops/blob/main/kargo.yaml';
      const missing = 'https://git.example/acme/gitops/blob/main/missing.yaml';
      const { definitions } = await service(
        [
          { type: 'url', target: good },
          { type: 'url', target: missing },
        ],
        { [good]: project('web') },
      );
      await definitions.syncConfiguredSources();
      expect(await stagesOf(definitions, 'web')).toEqual(['dev']);
      const sources = await definitions.listSources();
      expect(sources.find(s => s.target === missing)?.lastError).toContain(
        `could not read ${missing}`,
      );
    });

    it('refuses a second location defining the same project', async () => {
      dir.setContent({
        'a.yaml': project('shop'),
        'b.yaml': project('shop', ['qa']),
      });
      const { definitions } = await service([
        { type: 'file', target: 'a.yaml' },
        { type: 'file', target: 'b.yaml' },
      ]);
      await definitions.syncConfiguredSources();
      expect(await stagesOf(definitions, 'shop')).toEqual(['dev']);
      const b = (await definitions.listSources()).find(s =>
        s.target.endsWith('b.yaml'),
      );
      expect(b?.lastError).toContain('Kargo project "shop" already defined by');
    });

    it('validates the files of one location together, naming the file of each problem', async () => {
      const [projectDoc, warehouseDoc, ...stageDocs] = project('shop', [
        'dev',
      ]).split('---');
      dir.setContent({
        'kargo/project.yaml': projectDoc,
        'kargo/warehouse.yaml': warehouseDoc,
        'kargo/stages.yaml': stageDocs.join('---'),
      });
      const { definitions } = await service([
        { type: 'file', target: 'kargo/*.yaml' },
      ]);
      await definitions.syncConfiguredSources();
      expect(await stagesOf(definitions, 'shop')).toEqual(['dev']);
      expect(
        (await definitions.listSources()).map(s => [s.version, s.lastError]),
      ).toEqual([
        [1, undefined],
        [1, undefined],
        [1, undefined],
      ]);

      // A stage requesting a warehouse no file defines: every file keeps its last good version.
      await fs.writeFile(
        path.join(dir.path, 'kargo/warehouse.yaml'),
        warehouseDoc.replace('name: images', 'name: renamed'),
      );
      await definitions.syncConfiguredSources();
      expect(await stagesOf(definitions, 'shop')).toEqual(['dev']);
      const stages = (await definitions.listSources()).find(s =>
        s.target.endsWith('stages.yaml'),
      );
      expect(stages?.lastError).toContain(
        `${path.join(
          dir.path,
          'kargo/stages.yaml',
        )}: Stage dev: spec.requestedFreight[0].origin.name: Warehouse "images" is not defined in project "shop"`,
      );
    });

    it('stores a project posted with a credentials Secret without the Secret, and lists it as refused', async () => {
      const { definitions, store } = await service([]);
      const text = `${project('open')}---
apiVersion: v1
kind: Secret
metadata:
  name: repo
  namespace: open
  labels: { kargo.akuity.io/cred-type: git }
stringData: { password: posted-token }
`;
      await definitions.createProject(text, 'user:default/amy');
      const [stored] = await store.loadDefinitions();
      expect(stored.content).not.toContain('posted-token');
      const [source] = await definitions.listSources();
      expect(source.notes).toEqual([
        expect.objectContaining({
          level: 'refused',
          kind: 'Secret',
          name: 'repo',
        }),
      ]);
      expect(await stagesOf(definitions, 'open')).toEqual(['dev']);
    });

    it('refuses a second location defining the ClusterConfig', async () => {
      const clusterConfig = `apiVersion: kargo.akuity.io/v1alpha1
kind: ClusterConfig
metadata: { name: cluster }
spec:
  webhookReceivers: [{ name: gh, github: { secretRef: { name: gh } } }]
`;
      dir.setContent({ 'a.yaml': clusterConfig, 'b.yaml': clusterConfig });
      const { definitions } = await service([
        { type: 'file', target: 'a.yaml' },
        { type: 'file', target: 'b.yaml' },
      ]);
      await definitions.syncConfiguredSources();
      await definitions.syncConfiguredSources();
      const sources = await definitions.listSources();
      expect(sources.map(s => [s.version, s.lastError])).toEqual([
        [1, undefined],
        [
          undefined,
          `ClusterConfig "cluster" is already defined by ${path.join(
            dir.path,
            'a.yaml',
          )}`,
        ],
      ]);
      expect(
        (await definitions.getCatalog()).getClusterConfig()?.spec
          ?.webhookReceivers,
      ).toEqual([{ name: 'gh', github: { secretRef: { name: 'gh' } } }]);
    });

    it('refuses to create through the API a project that has configured secrets', async () => {
      const { definitions } = await service([], {}, ['vault']);
      await expect(
        definitions.createProject(project('vault'), 'user:default/mallory'),
      ).rejects.toThrow(
        'Kargo project "vault" has secrets in the backend config (kargo.secrets.vault): it can only be defined by a configured manifest source (kargo.definitions)',
      );
      await expect(
        definitions.createProject(project('open'), 'user:default/mallory'),
      ).resolves.toBe('open');
    });

    it('forgets a file that is no longer configured or present', async () => {
      dir.setContent({ 'shop.yaml': project('shop') });
      const { definitions } = await service([
        { type: 'file', target: '*.yaml' },
      ]);
      await definitions.syncConfiguredSources();
      await fs.rm(path.join(dir.path, 'shop.yaml'));
      await definitions.syncConfiguredSources();
      expect((await definitions.getCatalog()).listProjects()).toEqual([]);
    });
  },
);
