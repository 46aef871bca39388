import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  at,
  createStores,
  freight,
  storeTestDatabases,
  uniqueAlias,
} from '../__testUtils__/storeFixtures';

describe.each(storeTestDatabases.eachSupportedId())(
  'DatabasePromotionStore on %p',
  databaseId => {
    describe('promotions', () => {
      it('creates Pending promotions, lists them newest first and aborts a Pending one', async () => {
        const stores = await createStores(databaseId);
        await stores.freight.insertFreight(freight(1), uniqueAlias);
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const p = await stores.promotions.createPromotion({
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
        const page1 = await stores.promotions.listPromotions({
          project: 'shop',
          limit: 3,
        });
        const page2 = await stores.promotions.listPromotions({
          project: 'shop',
          limit: 3,
          cursor: page1.nextCursor,
        });
        expect([...page1.items, ...page2.items].map(p => p.id)).toEqual(
          [...ids].reverse(),
        );
        expect(
          (
            await stores.promotions.listPromotions({
              project: 'shop',
              stage: 'prod',
              limit: 10,
            })
          ).items,
        ).toHaveLength(2);

        const aborted = await stores.promotions.requestAbort({
          project: 'shop',
          id: ids[0],
          actor: 'user:default/bob',
          at: at(9),
        });
        expect(aborted).toMatchObject({
          phase: 'Aborted',
          finishedAt: at(9).toISOString(),
        });
        expect(await stores.promotions.getPromotion('shop', ids[0])).toEqual(
          aborted,
        );
        await expect(
          stores.promotions.requestAbort({
            project: 'shop',
            id: ids[0],
            actor: 'x',
            at: at(9),
          }),
        ).rejects.toThrow(ConflictError);
        await expect(
          stores.promotions.requestAbort({
            project: 'shop',
            id: 'nope',
            actor: 'x',
            at: at(9),
          }),
        ).rejects.toThrow(NotFoundError);
      });

      it('refuses a promotion of unknown freight', async () => {
        const stores = await createStores(databaseId);
        await expect(
          stores.promotions.createPromotion({
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
  },
);
