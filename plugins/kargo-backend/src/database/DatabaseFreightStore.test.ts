import { NotFoundError } from '@backstage/errors';
import {
  at,
  createStores,
  freight,
  storeTestDatabases,
  uniqueAlias,
} from '../__testUtils__/storeFixtures';

describe.each(storeTestDatabases.eachSupportedId())(
  'DatabaseFreightStore on %p',
  databaseId => {
    describe('freight', () => {
      it('stores freight once: inserting an existing id is a no-op', async () => {
        const stores = await createStores(databaseId);
        const first = await stores.freight.insertFreight(
          freight(1),
          uniqueAlias,
        );
        const again = await stores.freight.insertFreight(
          freight(1),
          uniqueAlias,
        );
        expect(first.created).toBe(true);
        expect(again).toEqual({ freight: first.freight, created: false });
        expect(
          await stores.freight.getFreight('shop', first.freight.alias),
        ).toEqual({
          ...first.freight,
          status: {
            currentlyIn: [],
            verifiedIn: {},
            approvedFor: {},
            previouslyIn: [],
          },
        });
        expect(
          await stores.freight.getFreight('other', first.freight.id),
        ).toBeUndefined();
      });

      it('picks another alias when one is taken in the project', async () => {
        const stores = await createStores(databaseId);
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
        await stores.freight.insertFreight(freight(1), { generateAlias });
        const second = await stores.freight.insertFreight(freight(2), {
          generateAlias,
        });
        expect(second.freight.alias).toBe('brave-lynx');
        expect(tried).toEqual(['calm-otter', 'calm-otter', 'brave-lynx']);
      });

      it('lists newest first in pages, filtered by origin', async () => {
        const stores = await createStores(databaseId);
        for (let n = 1; n <= 25; n++) {
          await stores.freight.insertFreight(
            freight(n, n % 5 === 0 ? 'charts' : 'app'),
            uniqueAlias,
          );
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await stores.freight.listFreight({
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

        const charts = await stores.freight.listFreight({
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
          await stores.freight.countFreight({
            project: 'shop',
            match: { origins: ['app'] },
          }),
        ).toBe(20);
      });

      it('breaks ties of discovery time by id', async () => {
        const stores = await createStores(databaseId);
        for (const n of [3, 1, 2]) {
          await stores.freight.insertFreight(
            { ...freight(n), createdAt: at(0) },
            uniqueAlias,
          );
        }
        const first = await stores.freight.listFreight({
          project: 'shop',
          limit: 2,
        });
        const rest = await stores.freight.listFreight({
          project: 'shop',
          limit: 2,
          cursor: first.nextCursor,
        });
        expect(
          [...first.items, ...rest.items].map(f => f.commits[0].id),
        ).toEqual(['c3', 'c2', 'c1']);
      });

      it('rejects a cursor it did not issue', async () => {
        const stores = await createStores(databaseId);
        await expect(
          stores.freight.listFreight({
            project: 'shop',
            limit: 1,
            cursor: 'nope',
          }),
        ).rejects.toThrow('cursor: not a cursor returned by this API');
      });

      it('records approvals and verifications, and finds candidates by them', async () => {
        const stores = await createStores(databaseId);
        for (const n of [1, 2, 3])
          await stores.freight.insertFreight(freight(n), uniqueAlias);
        await stores.freight.markVerified({
          project: 'shop',
          freightId: freight(1).id,
          stage: 'dev',
          at: at(10),
        });
        await stores.freight.approveFreight({
          project: 'shop',
          freightId: freight(2).id,
          stage: 'prod',
          actor: 'user:default/amy',
          at: at(11),
        });

        const candidates = await stores.freight.listFreightCandidates({
          project: 'shop',
          origins: ['app'],
          verifiedIn: ['dev'],
          approvedFor: 'prod',
        });
        expect(candidates.map(c => c.freight.commits[0].id).sort()).toEqual([
          'c1',
          'c2',
        ]);
        const approved = await stores.freight.getFreight('shop', freight(2).id);
        expect(approved?.status.approvedFor).toEqual({
          prod: {
            approvedAt: at(11).toISOString(),
            approvedBy: 'user:default/amy',
          },
        });
        await expect(
          stores.freight.approveFreight({
            project: 'shop',
            freightId: 'f'.repeat(40),
            stage: 'prod',
            actor: 'x',
            at: at(1),
          }),
        ).rejects.toThrow(NotFoundError);
      });
    });
  },
);
