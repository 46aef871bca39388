import { ConflictError, NotFoundError } from '@backstage/errors';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { DatabaseKargoStore } from './DatabaseKargoStore';
import { NewFreight } from './KargoStore';
import { applyDatabaseMigrations } from './migrations';

const databases = kargoTestDatabases();

async function createStore(databaseId: Parameters<typeof databases.init>[0]) {
  const knex = await databases.init(databaseId);
  await applyDatabaseMigrations(knex);
  return DatabaseKargoStore.fromKnex(knex);
}

const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (minutes: number) => new Date(t0 + minutes * 60_000);

function freight(n: number, origin = 'app'): NewFreight {
  return {
    project: 'shop',
    id: n.toString(16).padStart(40, '0'),
    origin: { kind: 'Warehouse', name: origin },
    commits: [{ repoURL: 'https://git.example/app', id: `c${n}` }],
    images: [],
    charts: [],
    createdAt: at(n),
  };
}

let aliasCounter = 0;
const uniqueAlias = {
  generateAlias: async () => `alias-${++aliasCounter}`,
};

describe.each(databases.eachSupportedId())(
  'DatabaseKargoStore on %p',
  databaseId => {
    describe('definitions', () => {
      it('versions a source and keeps the last good version when a reload fails', async () => {
        const store = await createStore(databaseId);
        const source = {
          sourceKey: 'file:/a.yaml',
          kind: 'file' as const,
          target: '/a.yaml',
        };
        const rev0 = await store.getDefinitionRevision();

        expect(
          await store.saveDefinitionVersion({
            ...source,
            content: 'v1',
            projects: ['shop'],
          }),
        ).toEqual({ version: 1, changed: true });
        expect(
          await store.saveDefinitionVersion({
            ...source,
            content: 'v1',
            projects: ['shop'],
          }),
        ).toEqual({ version: 1, changed: false });
        expect(await store.getDefinitionRevision()).toBe(rev0 + 1);

        await store.saveDefinitionVersion({
          ...source,
          content: 'v2',
          projects: ['shop'],
          actor: 'user:default/amy',
        });
        await store.recordDefinitionError({ ...source, error: 'bad field' });

        expect(await store.loadDefinitions()).toEqual([
          { ...source, version: 2, content: 'v2' },
        ]);
        expect(await store.listDefinitionSources()).toEqual([
          expect.objectContaining({
            key: 'file:/a.yaml',
            version: 2,
            projects: ['shop'],
            lastError: 'bad field',
          }),
        ]);

        expect(await store.removeDefinitionSource('file:/a.yaml')).toBe(true);
        expect(await store.loadDefinitions()).toEqual([]);
        expect(await store.getDefinitionRevision()).toBe(rev0 + 3);
      });

      it('records an error for a source that never loaded', async () => {
        const store = await createStore(databaseId);
        await store.recordDefinitionError({
          sourceKey: 'url:https://x/y.yaml',
          kind: 'url',
          target: 'https://x/y.yaml',
          error: '404',
        });
        expect(await store.listDefinitionSources()).toEqual([
          expect.objectContaining({
            kind: 'url',
            version: undefined,
            lastError: '404',
            projects: [],
          }),
        ]);
        expect(await store.loadDefinitions()).toEqual([]);
      });
    });

    describe('freight', () => {
      it('stores freight once: inserting an existing id is a no-op', async () => {
        const store = await createStore(databaseId);
        const first = await store.insertFreight(freight(1), uniqueAlias);
        const again = await store.insertFreight(freight(1), uniqueAlias);
        expect(first.created).toBe(true);
        expect(again).toEqual({ freight: first.freight, created: false });
        expect(await store.getFreight('shop', first.freight.alias)).toEqual({
          ...first.freight,
          status: {
            currentlyIn: [],
            verifiedIn: {},
            approvedFor: {},
            previouslyIn: [],
          },
        });
        expect(
          await store.getFreight('other', first.freight.id),
        ).toBeUndefined();
      });

      it('picks another alias when one is taken in the project', async () => {
        const store = await createStore(databaseId);
        const tried: string[] = [];
        const aliases = ['calm-otter', 'calm-otter', 'brave-lynx'];
        const generateAlias = async (
          isTaken: (a: string) => Promise<boolean>,
        ) => {
          for (;;) {
            const alias = aliases.shift()!;
            tried.push(alias);
            if (!(await isTaken(alias))) return alias;
          }
        };
        await store.insertFreight(freight(1), { generateAlias });
        const second = await store.insertFreight(freight(2), { generateAlias });
        expect(second.freight.alias).toBe('brave-lynx');
        expect(tried).toEqual(['calm-otter', 'calm-otter', 'brave-lynx']);
      });

      it('lists newest first in pages, filtered by origin', async () => {
        const store = await createStore(databaseId);
        for (let n = 1; n <= 25; n++) {
          await store.insertFreight(
            freight(n, n % 5 === 0 ? 'charts' : 'app'),
            uniqueAlias,
          );
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listFreight({
            project: 'shop',
            limit: 10,
            cursor,
          });
          seen.push(...page.items.map(f => f.commits[0].id));
          cursor = page.nextCursor;
          pages++;
        } while (cursor);
        expect(pages).toBe(3);
        expect(seen).toEqual(
          Array.from({ length: 25 }, (_, i) => `c${25 - i}`),
        );

        const charts = await store.listFreight({
          project: 'shop',
          origins: ['charts'],
          limit: 10,
        });
        expect(charts.items.map(f => f.commits[0].id)).toEqual([
          'c25',
          'c20',
          'c15',
          'c10',
          'c5',
        ]);
        expect(charts.nextCursor).toBeUndefined();
        expect(
          await store.countFreight({
            project: 'shop',
            match: { origins: ['app'] },
          }),
        ).toBe(20);
      });

      it('breaks ties of discovery time by id', async () => {
        const store = await createStore(databaseId);
        for (const n of [3, 1, 2]) {
          await store.insertFreight(
            { ...freight(n), createdAt: at(0) },
            uniqueAlias,
          );
        }
        const first = await store.listFreight({ project: 'shop', limit: 2 });
        const rest = await store.listFreight({
          project: 'shop',
          limit: 2,
          cursor: first.nextCursor,
        });
        expect(
          [...first.items, ...rest.items].map(f => f.commits[0].id),
        ).toEqual(['c3', 'c2', 'c1']);
      });

      it('rejects a cursor it did not issue', async () => {
        const store = await createStore(databaseId);
        await expect(
          store.listFreight({ project: 'shop', limit: 1, cursor: 'nope' }),
        ).rejects.toThrow('cursor: not a cursor returned by this API');
      });

      it('records approvals and verifications, and finds candidates by them', async () => {
        const store = await createStore(databaseId);
        for (const n of [1, 2, 3])
          await store.insertFreight(freight(n), uniqueAlias);
        await store.markVerified({
          project: 'shop',
          freightId: freight(1).id,
          stage: 'dev',
          at: at(10),
        });
        await store.approveFreight({
          project: 'shop',
          freightId: freight(2).id,
          stage: 'prod',
          actor: 'user:default/amy',
          at: at(11),
        });

        const candidates = await store.listFreightCandidates({
          project: 'shop',
          origins: ['app'],
          verifiedIn: ['dev'],
          approvedFor: 'prod',
        });
        expect(candidates.map(c => c.freight.commits[0].id).sort()).toEqual([
          'c1',
          'c2',
        ]);
        const approved = await store.getFreight('shop', freight(2).id);
        expect(approved?.status.approvedFor).toEqual({
          prod: {
            approvedAt: at(11).toISOString(),
            approvedBy: 'user:default/amy',
          },
        });
        await expect(
          store.approveFreight({
            project: 'shop',
            freightId: 'f'.repeat(40),
            stage: 'prod',
            actor: 'x',
            at: at(1),
          }),
        ).rejects.toThrow(NotFoundError);
      });
    });

    describe('stages', () => {
      it('moves the current freight, keeps history and the longest completed soak', async () => {
        const store = await createStore(databaseId);
        for (const n of [1, 2])
          await store.insertFreight(freight(n), uniqueAlias);
        const [f1, f2] = [freight(1).id, freight(2).id];
        await store.setCurrentFreight({
          project: 'shop',
          stage: 'dev',
          freightId: f1,
          at: at(0),
        });
        await store.markVerified({
          project: 'shop',
          freightId: f1,
          stage: 'dev',
          at: at(5),
        });
        await store.setCurrentFreight({
          project: 'shop',
          stage: 'dev',
          freightId: f2,
          promotionId: 'p2',
          at: at(90),
        });

        const one = await store.getFreight('shop', f1);
        expect(one?.status.currentlyIn).toEqual([]);
        expect(one?.status.previouslyIn).toEqual(['dev']);
        expect(one?.status.verifiedIn.dev.longestSoakMs).toBe(90 * 60_000);
        expect(
          (await store.getFreight('shop', f2))?.status.currentlyIn,
        ).toEqual(['dev']);
        expect(
          await store.getStageHistory({
            project: 'shop',
            stage: 'dev',
            limit: 10,
          }),
        ).toEqual([
          { freight: f2, promotion: 'p2', promotedAt: at(90).toISOString() },
          {
            freight: f1,
            promotion: undefined,
            promotedAt: at(0).toISOString(),
          },
        ]);
      });

      it('summarises each stage with its current freight and latest promotion', async () => {
        const store = await createStore(databaseId);
        for (const n of [1, 2])
          await store.insertFreight(freight(n), uniqueAlias);
        await store.setCurrentFreight({
          project: 'shop',
          stage: 'dev',
          freightId: freight(1).id,
          at: at(1),
        });
        await store.createPromotion({
          project: 'shop',
          stage: 'dev',
          freightId: freight(1).id,
          at: at(1),
        });
        const latest = await store.createPromotion({
          project: 'shop',
          stage: 'dev',
          freightId: freight(2).id,
          at: at(2),
        });
        await store.createPromotion({
          project: 'shop',
          stage: 'prod',
          freightId: freight(1).id,
          at: at(3),
        });

        const summaries = await store.getStageSummaries('shop', [
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
      });
    });

    describe('promotions', () => {
      it('creates Pending promotions, lists them newest first and aborts a Pending one', async () => {
        const store = await createStore(databaseId);
        await store.insertFreight(freight(1), uniqueAlias);
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const p = await store.createPromotion({
            project: 'shop',
            stage: i % 2 ? 'prod' : 'dev',
            freightId: freight(1).id,
            actor: 'user:default/amy',
            at: at(i),
          });
          expect(p).toMatchObject({
            phase: 'Pending',
            steps: [],
            createdBy: 'user:default/amy',
          });
          ids.push(p.id);
        }
        const page1 = await store.listPromotions({ project: 'shop', limit: 3 });
        const page2 = await store.listPromotions({
          project: 'shop',
          limit: 3,
          cursor: page1.nextCursor,
        });
        expect([...page1.items, ...page2.items].map(p => p.id)).toEqual(
          [...ids].reverse(),
        );
        expect(
          (
            await store.listPromotions({
              project: 'shop',
              stage: 'prod',
              limit: 10,
            })
          ).items,
        ).toHaveLength(2);

        const aborted = await store.requestAbort({
          project: 'shop',
          id: ids[0],
          actor: 'user:default/bob',
          at: at(9),
        });
        expect(aborted).toMatchObject({
          phase: 'Aborted',
          finishedAt: at(9).toISOString(),
        });
        expect(await store.getPromotion('shop', ids[0])).toEqual(aborted);
        await expect(
          store.requestAbort({
            project: 'shop',
            id: ids[0],
            actor: 'x',
            at: at(9),
          }),
        ).rejects.toThrow(ConflictError);
        await expect(
          store.requestAbort({
            project: 'shop',
            id: 'nope',
            actor: 'x',
            at: at(9),
          }),
        ).rejects.toThrow(NotFoundError);
      });

      it('refuses a promotion of unknown freight', async () => {
        const store = await createStore(databaseId);
        await expect(
          store.createPromotion({
            project: 'shop',
            stage: 'dev',
            freightId: 'a'.repeat(40),
            at: at(0),
          }),
        ).rejects.toThrow(
          `Freight "${'a'.repeat(40)}" not found in project "shop"`,
        );
      });
    });

    describe('warehouses', () => {
      it('records refresh requests', async () => {
        const store = await createStore(databaseId);
        await store.requestRefresh({
          project: 'shop',
          warehouse: 'app',
          actor: 'user:default/amy',
          at: at(1),
        });
        const status = await store.requestRefresh({
          project: 'shop',
          warehouse: 'app',
          actor: 'user:default/bob',
          at: at(2),
        });
        expect(status).toEqual({
          project: 'shop',
          name: 'app',
          refreshRequestedAt: at(2).toISOString(),
          refreshRequestedBy: 'user:default/bob',
        });
        expect(await store.listWarehouses('shop')).toEqual([status]);
      });
    });

    describe('metadata', () => {
      it('upserts Stage metadata key by key and refuses a stage not defined', async () => {
        const store = await createStore(databaseId);
        const stages = ['dev', 'prod'];
        await store.upsertMetadata({
          project: 'shop',
          kind: 'Stage',
          name: 'dev',
          values: { team: 'a', checks: { passed: 3 } },
          stages,
        });
        // Again, with one key changed: the others stay, and repeating changes nothing more.
        for (let i = 0; i < 2; i++) {
          await store.upsertMetadata({
            project: 'shop',
            kind: 'Stage',
            name: 'dev',
            values: { team: 'b', list: [1, 'two', null] },
            stages,
          });
        }
        await store.upsertMetadata({
          project: 'other',
          kind: 'Stage',
          name: 'dev',
          values: { team: 'elsewhere' },
        });
        expect(
          await store.getMetadata({ project: 'shop', kind: 'Stage' }),
        ).toEqual({
          dev: { team: 'b', checks: { passed: 3 }, list: [1, 'two', null] },
        });
        expect(
          await store.getMetadata({
            project: 'shop',
            kind: 'Stage',
            names: ['prod', 'dev'],
          }),
        ).toEqual({
          dev: { team: 'b', checks: { passed: 3 }, list: [1, 'two', null] },
        });
        await expect(
          store.upsertMetadata({
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
          await store.getMetadata({
            project: 'shop',
            kind: 'Stage',
            names: ['qa'],
          }),
        ).toEqual({});
      });

      it('keys Freight metadata by id, accepts an alias, and serves it with the freight', async () => {
        const store = await createStore(databaseId);
        const { freight: one } = await store.insertFreight(freight(901), {
          generateAlias: async () => 'meta-one',
        });
        const { freight: two } = await store.insertFreight(freight(902), {
          generateAlias: async () => 'meta-two',
        });
        expect(
          await store.upsertMetadata({
            project: 'shop',
            kind: 'Freight',
            name: 'meta-one',
            values: { score: 7 },
          }),
        ).toEqual({ name: one.id });
        await store.upsertMetadata({
          project: 'shop',
          kind: 'Freight',
          name: one.id,
          values: { approvedBy: 'qa' },
        });
        const expected = { score: 7, approvedBy: 'qa' };
        const byId = await store.getMetadata({
          project: 'shop',
          kind: 'Freight',
        });
        expect(Object.keys(byId)).toEqual([one.id]);
        expect(byId[one.id]).toEqual(expected);
        expect(
          await store.getMetadata({
            project: 'shop',
            kind: 'Freight',
            names: ['meta-one', one.id, 'meta-two'],
          }),
        ).toEqual({ 'meta-one': expected, [one.id]: expected });

        expect((await store.getFreight('shop', 'meta-one'))?.metadata).toEqual(
          expected,
        );
        const page = await store.listFreight({ project: 'shop', limit: 10 });
        expect(page.items.map(f => [f.id, f.metadata])).toEqual([
          [two.id, undefined],
          [one.id, expected],
        ]);

        await expect(
          store.upsertMetadata({
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
