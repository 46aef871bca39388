import {
  KargoManifest,
  StageManifest,
} from '@kargo-portal/plugin-kargo-common';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { listEligibleFreight } from '../eligibility/eligibility';
import {
  FreightQueries,
  eligibilityFreightOf,
  eligibilityStageOf,
} from './FreightQueries';
import { FreightStageState } from '../stores/FreightStore';
import { freightStageStateFromRow } from '../database/mappers';
import { FreightStageRow } from '../database/tables';

const databases = kargoTestDatabases();
const NOW = new Date('2026-03-01T12:00:00.000Z');
const HOUR = 3_600_000;

type Sources = StageManifest['spec']['requestedFreight'][number]['sources'];

function stage(
  name: string,
  requests: Array<{ origin: string; sources: Sources }>,
): StageManifest {
  return {
    apiVersion: 'kargo.akuity.io/v1alpha1',
    kind: 'Stage',
    metadata: { name, namespace: 'shop' },
    spec: {
      requestedFreight: requests.map(r => ({
        origin: { kind: 'Warehouse', name: r.origin },
        sources: r.sources,
      })),
    },
  } as StageManifest;
}

// Stages covering each way a request can be evaluated: in the database, or by the rules in code.
const stages = [
  stage('direct', [{ origin: 'app', sources: { direct: true } }]),
  stage('one-upstream', [{ origin: 'app', sources: { stages: ['a'] } }]),
  stage('one-of', [{ origin: 'app', sources: { stages: ['a', 'b'] } }]),
  stage('all-of', [
    {
      origin: 'app',
      sources: { stages: ['a', 'b'], availabilityStrategy: 'All' },
    },
  ]),
  stage('soaked', [
    { origin: 'app', sources: { stages: ['a'], requiredSoakTime: '2h' } },
  ]),
  stage('mixed', [
    { origin: 'app', sources: { stages: ['b'], requiredSoakTime: '30m' } },
    { origin: 'cfg', sources: { direct: true } },
  ]),
  // Counted partly from the per-origin counters (cfg) and partly row by row (app verified in a).
  stage('direct-and-upstream', [
    { origin: 'cfg', sources: { direct: true } },
    { origin: 'app', sources: { stages: ['a'] } },
  ]),
];

// A deterministic pseudo-random sequence, so a failure can be reproduced.
function random(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

describe.each(databases.eachSupportedId())(
  'FreightQueries on %p',
  databaseId => {
    it('lists exactly the freight the eligibility rules allow, for every kind of stage', async () => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const stores = DatabaseKargoStores.fromKnex(knex);
      const rnd = random(42);
      const ids: string[] = [];
      for (let i = 0; i < 120; i++) {
        const id = i.toString(16).padStart(40, '0');
        ids.push(id);
        await stores.freight.insertFreight(
          {
            project: 'shop',
            id,
            origin: { kind: 'Warehouse', name: rnd() < 0.8 ? 'app' : 'cfg' },
            commits: [],
            images: [],
            charts: [],
            createdAt: new Date(NOW.getTime() - (200 - i) * HOUR),
          },
          { generateAlias: async () => `alias-${i}` },
        );
        for (const upstream of ['a', 'b']) {
          if (rnd() < 0.4) {
            await stores.freight.markVerified({
              project: 'shop',
              freightId: id,
              stage: upstream,
              at: new Date(NOW.getTime() - 10 * HOUR),
            });
          }
        }
      }
      // Soak: stays of various lengths in a and b, some still going on.
      for (const upstream of ['a', 'b']) {
        for (let i = 0; i < 30; i++) {
          const id = ids[Math.floor(rnd() * ids.length)];
          await stores.stages.setCurrentFreight({
            project: 'shop',
            stage: upstream,
            freightId: id,
            at: new Date(NOW.getTime() - (30 - i) * 0.2 * HOUR),
          });
        }
      }
      for (let i = 0; i < 10; i++) {
        const s = stages[Math.floor(rnd() * stages.length)].metadata.name;
        await stores.freight.approveFreight({
          project: 'shop',
          freightId: ids[Math.floor(rnd() * ids.length)],
          stage: s,
          actor: 'user:default/a',
          at: NOW,
        });
      }

      const queries = new FreightQueries(stores);
      const all = (
        await stores.freight.listFreight({ project: 'shop', limit: 200 })
      ).items;
      const states = new Map<string, FreightStageState[]>();
      const rows: FreightStageRow[] = await knex('kargo_freight_stages').where({
        project: 'shop',
      });
      for (const row of rows) {
        states.set(row.freight_id, [
          ...(states.get(row.freight_id) ?? []),
          freightStageStateFromRow(row),
        ]);
      }

      const expectedCounts: number[] = [];
      for (const s of stages) {
        // What the rules say, applied to every freight.
        const expected = listEligibleFreight({
          stage: eligibilityStageOf(s),
          now: NOW,
          freight: all.map(f =>
            eligibilityFreightOf(f, states.get(f.id) ?? []),
          ),
        })
          .map(e => e.freightId)
          .sort();

        const page = await queries.listEligible({
          project: 'shop',
          stage: s,
          limit: 200,
          now: NOW,
        });
        const listed = page.items.map(f => f.id).sort();
        expect({ stage: s.metadata.name, listed }).toEqual({
          stage: s.metadata.name,
          listed: expected,
        });
        expect(await queries.countEligible('shop', s, NOW)).toBe(
          expected.length,
        );
        expectedCounts.push(expected.length);
        // A capped count stops one past the cap.
        for (const max of [0, 5, 40]) {
          expect(await queries.countEligible('shop', s, NOW, max)).toBe(
            Math.min(expected.length, max + 1),
          );
        }
        // Not a vacuous comparison: the table has both eligible and ineligible freight for each stage.
        expect(expected.length).toBeGreaterThan(0);
        expect(expected.length).toBeLessThan(all.length);
      }
      // Counted together, as the pipeline counts every stage: the same counts, capped the same way.
      const matches = [];
      for (const s of stages) {
        matches.push(await queries.eligibleMatch('shop', s, NOW));
      }
      for (const max of [undefined, 0, 5, 40]) {
        expect(
          await stores.freight.countFreightMany({
            project: 'shop',
            matches,
            max,
          }),
        ).toEqual(
          expectedCounts.map(n =>
            max === undefined ? n : Math.min(n, max + 1),
          ),
        );
      }
      await knex.destroy();
    });
  },
);

describe.each(databases.eachSupportedId())(
  'pipeline of FreightQueries on %p',
  databaseId => {
    it('gives each stage its origins and the soak its current freight is under', async () => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const stores = DatabaseKargoStores.fromKnex(knex);
      const id = 'a'.repeat(40);
      await stores.freight.insertFreight(
        {
          project: 'shop',
          id,
          origin: { kind: 'Warehouse', name: 'app' },
          commits: [],
          images: [],
          charts: [],
          createdAt: new Date(NOW.getTime() - 5 * HOUR),
        },
        { generateAlias: async () => 'calm-heron' },
      );
      const since = new Date(NOW.getTime() - HOUR);
      await stores.stages.setCurrentFreight({
        project: 'shop',
        stage: 'a',
        freightId: id,
        at: since,
      });
      const pipelineStages = [
        stage('a', [{ origin: 'app', sources: { direct: true } }]),
        stage('b', [
          { origin: 'app', sources: { stages: ['a'], requiredSoakTime: '2h' } },
        ]),
        stage('c', [
          {
            origin: 'app',
            sources: { stages: ['a'], requiredSoakTime: '30m' },
          },
        ]),
      ];
      const pipeline = await new FreightQueries(stores).getPipeline(
        {
          name: 'shop',
          warehouses: [],
          stages: pipelineStages,
          manifests: [],
          analysisTemplates: [],
        },
        NOW,
      );
      const byName = Object.fromEntries(pipeline.stages.map(s => [s.name, s]));
      expect(byName.a.origins).toEqual(['app']);
      expect(byName.a.soak).toEqual({
        since: since.toISOString(),
        requiredMs: 2 * HOUR,
      });
      // b and c run nothing, and nothing downstream of them asks for a soak.
      expect(byName.b.soak).toBeUndefined();
      expect(byName.c.soak).toBeUndefined();
      await knex.destroy();
    });

    it('shows the promotion window that keeps a stage closed, and when it next opens', async () => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const stores = DatabaseKargoStores.fromKnex(knex);
      const config = {
        apiVersion: 'kargo.akuity.io/v1alpha1',
        kind: 'ProjectConfig',
        metadata: { name: 'shop', namespace: 'shop' },
        spec: {
          promotionWindows: [
            {
              name: 'freeze',
              kind: 'Deny',
              stageSelector: { name: 'prod' },
              dtstart: '20260301T000000Z',
              dtend: '20260301T150000Z',
            },
          ],
        },
      } as unknown as KargoManifest;
      const project = {
        name: 'shop',
        warehouses: [],
        stages: [
          stage('dev', [{ origin: 'app', sources: { direct: true } }]),
          stage('prod', [{ origin: 'app', sources: { stages: ['dev'] } }]),
        ],
        manifests: [config],
        analysisTemplates: [],
      };
      const queries = new FreightQueries(stores);
      const during = await queries.getPipeline(project, NOW);
      const byName = Object.fromEntries(during.stages.map(s => [s.name, s]));
      expect(byName.dev.promotionWindow).toBeUndefined();
      expect(byName.prod.promotionWindow).toEqual({
        reason: 'promotion window "freeze" (Deny) is active',
        nextOpen: '2026-03-01T15:00:00.000Z',
      });
      const after = await queries.getPipeline(
        project,
        new Date('2026-03-01T15:00:00.000Z'),
      );
      expect(after.stages.map(s => s.promotionWindow)).toEqual([
        undefined,
        undefined,
      ]);
      await knex.destroy();
    });
  },
);

describe.each(databases.eachSupportedId())(
  'soak of FreightQueries on %p',
  databaseId => {
    // As Kargo's Freight.GetLongestSoak and FreightStatus.RemoveCurrentStage (akuity/kargo,
    // api/v1alpha1/freight_types.go): the soak is counted from when the freight entered the stage
    // (CurrentlyIn.Since), not from its verification, and counts only once the freight is verified there; a stay
    // that ended before the freight was verified completes no soak.
    it('counts the soak from entering the upstream stage, once verified there', async () => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const stores = DatabaseKargoStores.fromKnex(knex);
      const minute = 60_000;
      const at = (ms: number) => new Date(NOW.getTime() + ms);
      const ids = ['1', '2', '3'].map(n => n.repeat(40));
      for (const [i, id] of ids.entries()) {
        await stores.freight.insertFreight(
          {
            project: 'shop',
            id,
            origin: { kind: 'Warehouse', name: 'app' },
            commits: [],
            images: [],
            charts: [],
            createdAt: at(-6 * HOUR + i * minute),
          },
          { generateAlias: async () => `freight-${i}` },
        );
      }
      const [f1, f2, f3] = ids;
      const enter = (freightId: string, ms: number) =>
        stores.stages.setCurrentFreight({
          project: 'shop',
          stage: 'a',
          freightId,
          at: at(ms),
        });
      const verify = (freightId: string, ms: number) =>
        stores.freight.markVerified({
          project: 'shop',
          freightId,
          stage: 'a',
          at: at(ms),
        });
      const soaked = stage('soaked', [
        { origin: 'app', sources: { stages: ['a'], requiredSoakTime: '2h' } },
      ]);
      const queries = new FreightQueries(stores);
      const eligible = async (ms: number) =>
        (
          await queries.listEligible({
            project: 'shop',
            stage: soaked,
            limit: 10,
            now: at(ms),
          })
        ).items.map(f => f.id);

      // f2 stays almost 3 h in a but leaves before it is verified: no soak completed.
      await enter(f2, -5 * HOUR);
      await enter(f1, -2 * HOUR - 5 * minute);
      // Not verified yet: no soak at all, however long the stay.
      expect(await eligible(0)).toEqual([]);
      await verify(f2, -minute);
      // f1 entered 2 h 5 min ago and is verified a minute ago: its soak counts from its entry.
      await verify(f1, -minute);
      expect(await eligible(0)).toEqual([f1]);

      // f1 leaves after 2 h 10 min, verified: that soak is kept. f3, verified at once, soaks from its entry.
      await enter(f3, 5 * minute);
      await verify(f3, 5 * minute);
      expect(await eligible(HOUR)).toEqual([f1]);
      expect(await eligible(2 * HOUR + 5 * minute)).toEqual([f3, f1]);
      const states = (
        await stores.freight.listFreightCandidates({
          project: 'shop',
          origins: ['app'],
          verifiedIn: ['a'],
          approvedFor: 'soaked',
        })
      ).map(c => [
        c.freight.id,
        c.stages.find(s => s.stage === 'a')?.longestSoakMs,
      ]);
      expect(Object.fromEntries(states)).toEqual({
        [f1]: 2 * HOUR + 10 * minute,
        [f2]: undefined,
        [f3]: undefined,
      });
      await knex.destroy();
    });
  },
);
