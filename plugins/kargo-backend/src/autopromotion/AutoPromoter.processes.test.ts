import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { TestDatabaseId } from '@backstage/backend-test-utils';
import { kargoTestDatabases } from '../__testUtils__/databases';
import {
  TestProcess,
  killGroup,
  startTestProcess,
} from '../__testUtils__/testProcesses';
import type { AutoPromoterProcessConfig } from '../__testUtils__/autoPromoterProcess';
import { freight, uniqueAlias } from '../__testUtils__/storeFixtures';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { AUTO_PROMOTION_ACTOR, AUTO_ROLLBACK_ACTOR } from './policies';

// An auto-promoter process killed with SIGKILL right after it claimed an auto-promotion (inside the transaction
// that creates it) or right after it created one (committed), for an auto-promotion and for an automatic rollback:
// another process takes over; nothing is lost (the promotion exists, once), nothing is promoted twice, and a
// transaction the dead process left open writes nothing.

jest.setTimeout(120_000);

const databases = kargoTestDatabases();
const childScript = 'src/__testUtils__/autoPromoterProcess.ts';

function startPromoter(config: AutoPromoterProcessConfig): TestProcess {
  return startTestProcess(childScript, {
    KARGO_TEST_AUTO_PROMOTER: JSON.stringify(config),
  });
}

/** The promotions a process printed it created. */
const createdBy = (p: TestProcess) =>
  p.output
    .join('')
    .split('\n')
    .filter(line => line.startsWith('created '))
    .map(line => line.split(' ').slice(1));

const manifests = (policy: string) => `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: shop }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: ProjectConfig
metadata: { name: shop, namespace: shop }
spec:
  promotionPolicies:
    - stage: dev
      autoPromotionEnabled: true
${policy}
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: shop }
spec:
  subscriptions: [{ git: { repoURL: https://git.example/app } }]
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: dev, namespace: shop }
spec:
  requestedFreight: [{ origin: { kind: Warehouse, name: app }, sources: { direct: true } }]
`;

let tmp: string;
const running: TestProcess[] = [];
const opened: Knex[] = [];
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-autopromoter-test-'));
});
afterEach(async () => {
  running.splice(0).forEach(killGroup);
  await Promise.all(opened.splice(0).map(k => k.destroy()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ids: Array<TestDatabaseId | 'SQLITE_FILE'> = [
  ...databases
    .eachSupportedId()
    .map(([id]) => id)
    .filter(id => id.startsWith('POSTGRES')),
  'SQLITE_FILE',
];

async function openDatabase(id: TestDatabaseId | 'SQLITE_FILE') {
  let knex: Knex;
  if (id === 'SQLITE_FILE') {
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(tmp, 'kargo.sqlite') },
      useNullAsDefault: true,
    });
    opened.push(knex);
  } else {
    knex = await databases.init(id);
  }
  await applyDatabaseMigrations(knex);
  return { knex, stores: DatabaseKargoStores.fromKnex(knex) };
}

async function waitForFile(file: string, p: TestProcess) {
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) {
      throw new Error(
        `the process never reached ${file}: ${p.output.join('')}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

describe.each(ids)('auto-promoter processes on %p', id => {
  /** Kills the first process at `stopAt`, runs a second one, and gives both. */
  async function crashAndTakeOver(
    knex: Knex,
    policy: string,
    stopAt: 'claimed' | 'created',
  ) {
    const config = {
      database: knex.client.config as Knex.Config,
      manifests: manifests(policy),
    };
    const markerFile = path.join(tmp, 'marker');
    const first = startPromoter({
      ...config,
      name: 'first',
      stopAt,
      markerFile,
    });
    running.push(first);
    await waitForFile(markerFile, first);
    killGroup(first);
    await first.exited;
    const afterCrash = await knex('kargo_promotions').select('id');
    const second = startPromoter({ ...config, name: 'second' });
    running.push(second);
    const code = await second.exited;
    expect({ code, output: second.output.join('') }).toMatchObject({ code: 0 });
    return { first, second, afterCrash };
  }

  it.each(['claimed', 'created'] as const)(
    'an auto-promotion survives its process killed once %s: one promotion, once',
    async stopAt => {
      const { knex, stores } = await openDatabase(id);
      const f = freight(1);
      await stores.freight.insertFreight(f, uniqueAlias);

      const { second, afterCrash } = await crashAndTakeOver(knex, '', stopAt);
      // Killed inside its transaction, the first process wrote nothing; killed after, its promotion stays.
      expect(afterCrash).toHaveLength(stopAt === 'claimed' ? 0 : 1);
      const promotions = (
        await stores.promotions.listPromotions({ project: 'shop', limit: 10 })
      ).items;
      expect(promotions.map(p => [p.stage, p.freight, p.createdBy])).toEqual([
        ['dev', f.id, AUTO_PROMOTION_ACTOR],
      ]);
      // The second process created it only when the first had not.
      expect(createdBy(second)).toEqual(
        stopAt === 'claimed' ? [['dev', f.id, 'false', promotions[0].id]] : [],
      );
      const claims = await knex('kargo_auto_promotions').select('promotion_id');
      expect(claims).toEqual([{ promotion_id: promotions[0].id }]);
    },
  );

  it.each(['claimed', 'created'] as const)(
    'an automatic rollback survives its process killed once %s: one rollback and its hold, once',
    async stopAt => {
      const { knex, stores } = await openDatabase(id);
      const f1 = freight(1);
      const f2 = freight(2);
      await stores.freight.insertFreight(f1, uniqueAlias);
      await stores.freight.insertFreight(f2, uniqueAlias);
      // dev ran f1 (verified), then f2, whose verification failed.
      for (const [f, verifyAtOnce] of [
        [f1, true],
        [f2, false],
      ] as const) {
        const p = await stores.promotions.createPromotion({
          project: 'shop',
          stage: 'dev',
          freightId: f.id,
          actor: 'user:default/ops',
          at: new Date(),
        });
        await stores.promotions.claim({
          id: p.id,
          workerId: 'setup',
          now: new Date(),
          leaseMs: 10_000,
        });
        await stores.promotions.finish({
          id: p.id,
          workerId: 'setup',
          phase: 'Succeeded',
          now: new Date(),
          verifyAtOnce,
        });
      }
      const [entry] = await stores.stages.getStageHistory({
        project: 'shop',
        stage: 'dev',
        limit: 1,
      });
      const v = await stores.verifications.create({
        project: 'shop',
        stage: 'dev',
        collectionId: entry.collection.id,
        freightIds: [f2.id],
        analysis: { templates: [], metrics: [], args: [] },
        first: true,
        at: new Date(),
      });
      await stores.verifications.claim({
        id: v!.id,
        workerId: 'setup',
        now: new Date(),
        leaseMs: 10_000,
      });
      await stores.verifications.finish({
        id: v!.id,
        workerId: 'setup',
        phase: 'Failed',
        measurements: [],
        at: new Date(),
      });
      const before = (
        await stores.promotions.listPromotions({ project: 'shop', limit: 10 })
      ).items.map(p => p.id);

      const { second, afterCrash } = await crashAndTakeOver(
        knex,
        '      autoRollback: { onVerification: [Failed] }',
        stopAt,
      );
      expect(afterCrash).toHaveLength(
        before.length + (stopAt === 'claimed' ? 0 : 1),
      );
      const rollbacks = (
        await stores.promotions.listPromotions({ project: 'shop', limit: 10 })
      ).items.filter(p => !before.includes(p.id));
      expect(
        rollbacks.map(p => [p.stage, p.freight, p.rollback, p.createdBy]),
      ).toEqual([['dev', f1.id, true, AUTO_ROLLBACK_ACTOR]]);
      expect(createdBy(second)).toEqual(
        stopAt === 'claimed' ? [['dev', f1.id, 'true', rollbacks[0].id]] : [],
      );
      // The hold was written with the rollback, in its transaction.
      expect((await stores.autoPromotions.getHolds('shop')).dev).toEqual([
        expect.objectContaining({
          freightId: f1.id,
          promotionId: rollbacks[0].id,
          rollback: true,
        }),
      ]);
    },
  );
});
