import { createHash } from 'node:crypto';
import { NotFoundError } from '@backstage/errors';
import {
  at,
  createStores,
  freight,
  storeTestDatabases,
  uniqueAlias,
} from '../__testUtils__/storeFixtures';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const item = (origin: string, name: string) => ({
  origin: { kind: 'Warehouse', name: origin },
  name,
});

describe.each(storeTestDatabases.eachSupportedId())(
  'DatabaseStageStore on %p',
  databaseId => {
    describe('stage health', () => {
      it('stores a health only when it changed, keeping the time it became so', async () => {
        const stores = await createStores(databaseId);
        const healthy = {
          status: 'Healthy' as const,
          promotion: 'p1',
          applications: [
            {
              cluster: 'c1',
              namespace: 'argocd',
              name: 'web',
              status: 'Healthy' as const,
              syncStatus: 'Synced',
              revision: 'abc',
            },
          ],
        };
        const put = (health: typeof healthy | object, minute: number) =>
          stores.stages.putStageHealth({
            project: 'shop',
            stage: 'dev',
            health: health as typeof healthy,
            at: at(minute),
          });
        expect(await stores.stages.getStageHealth({ project: 'shop' })).toEqual(
          {},
        );
        expect(await put(healthy, 1)).toBe(true);
        expect(await put(healthy, 2)).toBe(false);
        expect(
          await stores.stages.getStageHealth({
            project: 'shop',
            stages: ['dev'],
          }),
        ).toEqual({ dev: { ...healthy, updatedAt: at(1).toISOString() } });
        const unknown = {
          status: 'Unknown' as const,
          message: 'promotion p2 is in progress',
          applications: [],
        };
        expect(await put(unknown, 3)).toBe(true);
        await stores.stages.putStageHealth({
          project: 'shop',
          stage: 'prod',
          health: healthy,
          at: at(4),
        });
        expect(await stores.stages.getStageHealth({ project: 'shop' })).toEqual(
          {
            dev: { ...unknown, updatedAt: at(3).toISOString() },
            prod: { ...healthy, updatedAt: at(4).toISOString() },
          },
        );
        expect(
          await stores.stages.getStageHealth({ project: 'other' }),
        ).toEqual({});
      });
    });

    describe('stages', () => {
      it('moves the current freight, keeps history and the longest completed soak', async () => {
        const stores = await createStores(databaseId);
        for (const n of [1, 2])
          await stores.freight.insertFreight(freight(n), uniqueAlias);
        const [f1, f2] = [freight(1).id, freight(2).id];
        await stores.stages.setCurrentFreight({
          project: 'shop',
          stage: 'dev',
          freightId: f1,
          at: at(0),
        });
        await stores.freight.markVerified({
          project: 'shop',
          freightId: f1,
          stage: 'dev',
          at: at(5),
        });
        await stores.stages.setCurrentFreight({
          project: 'shop',
          stage: 'dev',
          freightId: f2,
          promotionId: 'p2',
          at: at(90),
        });

        const one = await stores.freight.getFreight('shop', f1);
        expect(one?.status.currentlyIn).toEqual([]);
        expect(one?.status.previouslyIn).toEqual(['dev']);
        expect(one?.status.verifiedIn.dev.longestSoakMs).toBe(90 * 60_000);
        expect(
          (await stores.freight.getFreight('shop', f2))?.status.currentlyIn,
        ).toEqual(['dev']);
        expect(
          await stores.stages.getStageHistory({
            project: 'shop',
            stage: 'dev',
            limit: 10,
          }),
        ).toEqual([
          {
            freight: f2,
            promotion: 'p2',
            promotedAt: at(90).toISOString(),
            collection: { id: sha1(f2), items: [item('app', f2)] },
          },
          {
            freight: f1,
            promotion: undefined,
            promotedAt: at(0).toISOString(),
            collection: { id: sha1(f1), items: [item('app', f1)] },
          },
        ]);
      });

      it('keeps one freight per origin: promoting one warehouse leaves the other alone', async () => {
        const stores = await createStores(databaseId);
        const [a1, g1, a2] = [freight(1), freight(2, 'gitops'), freight(3)];
        for (const f of [a1, g1, a2]) {
          await stores.freight.insertFreight(f, uniqueAlias);
        }
        const promote = (freightId: string, minute: number) =>
          stores.stages.setCurrentFreight({
            project: 'shop',
            stage: 'dev',
            freightId,
            promotionId: `p${minute}`,
            at: at(minute),
          });
        await promote(a1.id, 0);
        await stores.freight.markVerified({
          project: 'shop',
          freightId: g1.id,
          stage: 'dev',
          at: at(1),
        });
        await promote(g1.id, 10);
        await promote(a2.id, 30);

        // The gitops freight stayed through the promotion of new application freight, and keeps its soak.
        const gitops = await stores.freight.getFreight('shop', g1.id);
        expect(gitops?.status.currentlyIn).toEqual(['dev']);
        expect(
          (await stores.freight.getFreight('shop', a1.id))?.status.currentlyIn,
        ).toEqual([]);
        const [summary] = await stores.stages.getStageSummaries('shop', [
          'dev',
        ]);
        expect(
          summary.current.map(c => [
            c.freight.origin.name,
            c.freight.id,
            c.since,
          ]),
        ).toEqual([
          ['app', a2.id, at(30).toISOString()],
          ['gitops', g1.id, at(10).toISOString()],
        ]);
        expect(summary.currentFreight?.id).toBe(a2.id);
        expect(summary.currentSince).toBe(at(30).toISOString());

        const history = await stores.stages.getStageHistory({
          project: 'shop',
          stage: 'dev',
          limit: 10,
        });
        expect(history.map(h => [h.freight, h.collection])).toEqual([
          [
            a2.id,
            {
              id: sha1([a2.id, g1.id].sort().join(',')),
              items: [item('app', a2.id), item('gitops', g1.id)],
            },
          ],
          [
            g1.id,
            {
              id: sha1([a1.id, g1.id].sort().join(',')),
              items: [item('app', a1.id), item('gitops', g1.id)],
            },
          ],
          [a1.id, { id: sha1(a1.id), items: [item('app', a1.id)] }],
        ]);
        expect(summary.freightHistory).toEqual(history);
      });

      it('keeps the whole history and summarises the last ten collections', async () => {
        const stores = await createStores(databaseId);
        for (const n of [1, 2])
          await stores.freight.insertFreight(freight(n), uniqueAlias);
        for (let i = 0; i < 12; i++) {
          await stores.stages.setCurrentFreight({
            project: 'shop',
            stage: 'dev',
            freightId: freight(1 + (i % 2)).id,
            at: at(i),
          });
        }
        const all = await stores.stages.getStageHistory({
          project: 'shop',
          stage: 'dev',
          limit: 100,
        });
        expect(all).toHaveLength(12);
        const [summary] = await stores.stages.getStageSummaries('shop', [
          'dev',
        ]);
        expect(summary.freightHistory).toEqual(all.slice(0, 10));
      });

      it('summarises each stage with its current freight and latest promotion', async () => {
        const stores = await createStores(databaseId);
        for (const n of [1, 2])
          await stores.freight.insertFreight(freight(n), uniqueAlias);
        await stores.stages.setCurrentFreight({
          project: 'shop',
          stage: 'dev',
          freightId: freight(1).id,
          at: at(1),
        });
        await stores.promotions.createPromotion({
          project: 'shop',
          stage: 'dev',
          freightId: freight(1).id,
          at: at(1),
        });
        const latest = await stores.promotions.createPromotion({
          project: 'shop',
          stage: 'dev',
          freightId: freight(2).id,
          at: at(2),
        });
        await stores.promotions.createPromotion({
          project: 'shop',
          stage: 'prod',
          freightId: freight(1).id,
          at: at(3),
        });

        const summaries = await stores.stages.getStageSummaries('shop', [
          'dev',
          'staging',
          'prod',
        ]);
        const byStage = Object.fromEntries(summaries.map(s => [s.stage, s]));
        expect(byStage.dev.currentFreight?.id).toBe(freight(1).id);
        expect(byStage.dev.currentSince).toBe(at(1).toISOString());
        expect(byStage.dev.lastPromotion?.id).toBe(latest.id);
        expect(byStage.prod.currentFreight).toBeUndefined();
        expect(byStage.prod.lastPromotion?.stage).toBe('prod');
        // Only the stages asked for: a stage that runs freight but was not asked for is left out.
        expect(
          (await stores.stages.getStageSummaries('shop', ['prod'])).map(
            s => s.stage,
          ),
        ).toEqual(['prod']);
      });

      it('summarizes only the stages asked for', async () => {
        const stores = await createStores(databaseId);
        for (const n of [1, 2]) {
          await stores.freight.insertFreight(freight(n), uniqueAlias);
        }
        // dev comes first by name: a summary of staging alone must not be dev's (the verification worker and
        // the re-verify route read the first summary returned).
        for (const [stage, n] of [
          ['dev', 2],
          ['staging', 1],
        ] as const) {
          await stores.stages.setCurrentFreight({
            project: 'shop',
            stage,
            freightId: freight(n).id,
            at: at(n),
          });
        }
        const summaries = await stores.stages.getStageSummaries('shop', [
          'staging',
        ]);
        expect(summaries.map(s => s.stage)).toEqual(['staging']);
        expect(summaries[0].currentFreight?.id).toBe(freight(1).id);
        expect(summaries[0].freightHistory[0]?.freight).toBe(freight(1).id);
        expect(await stores.stages.getStageSummaries('shop', [])).toEqual([]);
      });
    });

    describe('metadata', () => {
      it('upserts Stage metadata key by key and refuses a stage not defined', async () => {
        const stores = await createStores(databaseId);
        const stages = ['dev', 'prod'];
        await stores.stages.upsertMetadata({
          project: 'shop',
          kind: 'Stage',
          name: 'dev',
          values: { team: 'a', checks: { passed: 3 } },
          stages,
        });
        // Again, with one key changed: the others stay, and repeating changes nothing more.
        for (let i = 0; i < 2; i++) {
          await stores.stages.upsertMetadata({
            project: 'shop',
            kind: 'Stage',
            name: 'dev',
            values: { team: 'b', list: [1, 'two', null] },
            stages,
          });
        }
        await stores.stages.upsertMetadata({
          project: 'other',
          kind: 'Stage',
          name: 'dev',
          values: { team: 'elsewhere' },
        });
        expect(
          await stores.stages.getMetadata({ project: 'shop', kind: 'Stage' }),
        ).toEqual({
          dev: { team: 'b', checks: { passed: 3 }, list: [1, 'two', null] },
        });
        expect(
          await stores.stages.getMetadata({
            project: 'shop',
            kind: 'Stage',
            names: ['prod', 'dev'],
          }),
        ).toEqual({
          dev: { team: 'b', checks: { passed: 3 }, list: [1, 'two', null] },
        });
        await expect(
          stores.stages.upsertMetadata({
            project: 'shop',
            kind: 'Stage',
            name: 'qa',
            values: { team: 'c' },
            stages,
          }),
        ).rejects.toThrow(
          new NotFoundError('Stage "qa" not found in project "shop"'),
        );
        expect(
          await stores.stages.getMetadata({
            project: 'shop',
            kind: 'Stage',
            names: ['qa'],
          }),
        ).toEqual({});
      });

      it('keys Freight metadata by id, accepts an alias, and serves it with the freight', async () => {
        const stores = await createStores(databaseId);
        const { freight: one } = await stores.freight.insertFreight(
          freight(901),
          {
            generateAlias: async () => 'meta-one',
          },
        );
        const { freight: two } = await stores.freight.insertFreight(
          freight(902),
          {
            generateAlias: async () => 'meta-two',
          },
        );
        expect(
          await stores.stages.upsertMetadata({
            project: 'shop',
            kind: 'Freight',
            name: 'meta-one',
            values: { score: 7 },
          }),
        ).toEqual({ name: one.id });
        await stores.stages.upsertMetadata({
          project: 'shop',
          kind: 'Freight',
          name: one.id,
          values: { approvedBy: 'qa' },
        });
        const expected = { score: 7, approvedBy: 'qa' };
        const byId = await stores.stages.getMetadata({
          project: 'shop',
          kind: 'Freight',
        });
        expect(Object.keys(byId)).toEqual([one.id]);
        expect(byId[one.id]).toEqual(expected);
        expect(
          await stores.stages.getMetadata({
            project: 'shop',
            kind: 'Freight',
            names: ['meta-one', one.id, 'meta-two'],
          }),
        ).toEqual({ 'meta-one': expected, [one.id]: expected });

        expect(
          (await stores.freight.getFreight('shop', 'meta-one'))?.metadata,
        ).toEqual(expected);
        const page = await stores.freight.listFreight({
          project: 'shop',
          limit: 10,
        });
        expect(page.items.map(f => [f.id, f.metadata])).toEqual([
          [two.id, undefined],
          [one.id, expected],
        ]);

        await expect(
          stores.stages.upsertMetadata({
            project: 'shop',
            kind: 'Freight',
            name: 'nope',
            values: { score: 1 },
          }),
        ).rejects.toThrow(
          new NotFoundError('Freight "nope" not found in project "shop"'),
        );
      });
    });
  },
);
