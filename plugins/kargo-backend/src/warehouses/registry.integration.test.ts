import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { kargoTestDatabases } from '../__testUtils__/databases';
import {
  TestRegistry,
  freePort,
  startRegistry,
} from '../__testUtils__/services/registry';
import {
  RegistryWriter,
  buildImage,
} from '../__testUtils__/services/registryContent';
import { haveCommands } from '../__testUtils__/services/tools';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { createDiscoverers } from './discoverers';
import { artifactSources } from './sources';
import { WarehouseService } from './WarehouseService';

const databases = kargoTestDatabases();
const describeWithRegistry = haveCommands('docker-registry', 'htpasswd')
  ? describe
  : describe.skip;

describeWithRegistry('warehouses against a real registry', () => {
  let open: TestRegistry;
  let locked: TestRegistry;
  let closedPort: number;
  let cacheDir: string;

  beforeAll(async () => {
    open = await startRegistry();
    locked = await startRegistry({
      auth: { type: 'htpasswd', users: { ci: 'right-password' } },
    });
    closedPort = await freePort();
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-mirrors-'));
    const writer = new RegistryWriter(open.url);
    const image = buildImage({ created: '2026-01-01T00:00:00Z' });
    for (const tag of ['1.0.0', '1.1.0', 'not-a-version']) {
      await writer.pushImage('shop/app', tag, image);
    }
  });

  afterAll(async () => {
    await open?.stop();
    await locked?.stop();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it.each(databases.eachSupportedId())(
    'stores a readable error per failing warehouse, makes no freight of it, and keeps the others working on %p',
    async id => {
      const manifests = `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: shop }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: good, namespace: shop }
spec:
  subscriptions:
    - image: { repoURL: '${open.host}/shop/app', imageSelectionStrategy: SemVer, strictSemvers: false }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: unreachable, namespace: shop }
spec:
  subscriptions:
    - image: { repoURL: '127.0.0.1:${closedPort}/shop/app' }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: bad-credentials, namespace: shop }
spec:
  subscriptions:
    - image: { repoURL: '${locked.host}/shop/app' }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: nothing-matches, namespace: shop }
spec:
  subscriptions:
    - image: { repoURL: '${open.host}/shop/app', constraint: '>=5.0.0' }
`;
      const knex = await databases.init(id);
      await applyDatabaseMigrations(knex);
      const stores = DatabaseKargoStores.fromKnex(knex);
      const catalog = DefinitionCatalog.fromManifests(
        parseManifests({ source: 'shop.yaml', text: manifests }),
      );
      const logger = mockServices.logger.mock();
      const service = new WarehouseService({
        stores,
        getCatalog: async () => catalog,
        sources: artifactSources(
          await createDiscoverers({
            config: new ConfigReader({
              kargo: {
                registries: [
                  {
                    host: locked.host,
                    username: 'ci',
                    password: 'wrong-password',
                  },
                ],
              },
            }),
            logger,
            cacheDir,
          }),
        ),
        logger,
      });

      await service.pollDue();

      const freight = await stores.freight.listFreight({
        project: 'shop',
        limit: 10,
      });
      expect(freight.items.map(f => [f.origin.name, f.images[0].tag])).toEqual([
        ['good', '1.1.0'],
      ]);
      const errors = Object.fromEntries(
        (await stores.warehouses.listWarehouses('shop')).map(w => [
          w.name,
          w.lastError,
        ]),
      );
      expect(errors.good).toBeUndefined();
      expect(errors.unreachable).toContain(`127.0.0.1:${closedPort}`);
      expect(errors['bad-credentials']).toContain(locked.host);
      expect(errors['bad-credentials']).not.toContain('wrong-password');
      expect(errors['nothing-matches']).toBe(
        `no images discovered for repository "${open.host}/shop/app"`,
      );
      await knex.destroy();
    },
  );
});
