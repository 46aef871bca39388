import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { createDiscoverers } from './discoverers';
import { artifactSources } from './sources';
import { WarehouseService } from './WarehouseService';

const databases = kargoTestDatabases();

function git(cwd: string, ...args: string[]) {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Test',
      '-c',
      'user.email=test@example.invalid',
      '-c',
      'init.defaultBranch=main',
      ...args,
    ],
    { cwd, encoding: 'utf8' },
  ).trim();
}

/** A bare repository on disk and a clone to commit from. */
function createRepository(root: string) {
  const bare = path.join(root, 'app.git');
  const work = path.join(root, 'work');
  git(root, 'init', '-q', '--bare', bare);
  git(root, 'clone', '-q', bare, work);
  let n = 0;
  return {
    url: `file://${bare}`,
    commit(): string {
      n += 1;
      fs.writeFileSync(path.join(work, 'VERSION'), `${n}\n`);
      git(work, 'add', 'VERSION');
      git(work, 'commit', '-q', '-m', `version ${n}`);
      git(work, 'push', '-q', 'origin', 'HEAD:main');
      return git(work, 'rev-parse', 'HEAD');
    },
  };
}

describe.each(databases.eachSupportedId())(
  'warehouses against real Git repositories on %p',
  id => {
    let root: string;
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it('turns new commits into freight at the next due poll, and stores an unreachable repository as an error', async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-warehouse-'));
      const repo = createRepository(root);
      const first = repo.commit();
      const manifests = `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: shop }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: shop }
spec:
  interval: 10m
  subscriptions:
    - git: { repoURL: '${repo.url}', branch: main }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: gone, namespace: shop }
spec:
  subscriptions:
    - git: { repoURL: 'file://${root}/missing.git', branch: main }
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
            config: new ConfigReader({}),
            logger,
            cacheDir: path.join(root, 'mirrors'),
          }),
        ),
        logger,
      });
      const commitsOfFreight = async () =>
        (
          await stores.freight.listFreight({ project: 'shop', limit: 10 })
        ).items.map(f => f.commits[0].id);

      await service.pollDue();
      expect(await commitsOfFreight()).toEqual([first]);
      const gone = await stores.warehouses.getWarehouse('shop', 'gone');
      expect(gone?.lastError).toContain(`file://${root}/missing.git`);
      expect(gone?.lastError).not.toMatch(/undefined|\[object/);

      const second = repo.commit();
      await service.pollDue(); // not due yet: the interval is 10 minutes
      expect(await commitsOfFreight()).toEqual([first]);

      await stores.warehouses.requestRefresh({
        project: 'shop',
        warehouse: 'app',
        actor: 'user:default/amy',
        at: new Date(),
      });
      await service.pollDue();
      expect(await commitsOfFreight()).toEqual([second, first]);
      const app = await stores.warehouses.getWarehouse('shop', 'app');
      expect(app?.lastError).toBeUndefined();
      expect(app?.discovered?.commits?.[0].commits[0]).toMatchObject({
        id: second,
        subject: 'version 2',
      });
      await knex.destroy();
    });
  },
);
