import {
  at,
  createStores,
  freight,
  storeTestDatabases,
  uniqueAlias,
} from '../__testUtils__/storeFixtures';

describe.each(storeTestDatabases.eachSupportedId())(
  'DatabaseAutoPromotionStore on %p',
  databaseId => {
    let stores: Awaited<ReturnType<typeof createStores>>;

    beforeEach(async () => {
      stores = await createStores(databaseId);
      await stores.freight.insertFreight(freight(1), uniqueAlias);
    });

    const key = {
      project: 'shop',
      stage: 'dev',
      freightId: freight(1).id,
      afterPromotion: '',
    };

    it('claims an auto-promotion once per stage, freight and stage state', async () => {
      const first = await stores.transaction(tx =>
        stores.autoPromotions.claim(
          { ...key, promotionId: 'p1', at: at(1) },
          tx,
        ),
      );
      const again = await stores.transaction(tx =>
        stores.autoPromotions.claim(
          { ...key, promotionId: 'p2', at: at(2) },
          tx,
        ),
      );
      // After another promotion to the stage, the same freight may be auto-promoted again.
      const later = await stores.transaction(tx =>
        stores.autoPromotions.claim(
          { ...key, afterPromotion: 'p9', promotionId: 'p3', at: at(3) },
          tx,
        ),
      );
      expect([first, again, later]).toEqual([true, false, true]);
      expect(await stores.autoPromotions.isClaimed(key)).toBe(true);
      expect(
        await stores.autoPromotions.isClaimed({ ...key, afterPromotion: 'p8' }),
      ).toBe(false);
    });

    it('lets one of two transactions claiming at once win, the other after it commits', async () => {
      let commitFirst!: () => void;
      const firstMayCommit = new Promise<void>(resolve => {
        commitFirst = resolve;
      });
      let firstClaimed!: () => void;
      const firstHasClaimed = new Promise<void>(resolve => {
        firstClaimed = resolve;
      });
      const first = stores.transaction(async tx => {
        const claimed = await stores.autoPromotions.claim(
          { ...key, promotionId: 'p1', at: at(1) },
          tx,
        );
        firstClaimed();
        await firstMayCommit;
        return claimed;
      });
      await firstHasClaimed;
      const second = stores.transaction(tx =>
        stores.autoPromotions.claim(
          { ...key, promotionId: 'p2', at: at(1) },
          tx,
        ),
      );
      commitFirst();
      expect(await Promise.all([first, second])).toEqual([true, false]);
    });

    it("reads what auto-promotion needs of the stage's promotions (PromotionStore)", async () => {
      const facts = () =>
        stores.promotions.getStagePromotionFacts({
          project: 'shop',
          stage: 'dev',
          freightId: freight(1).id,
        });
      expect(await facts()).toEqual({ active: false });
      const failed = await stores.promotions.createPromotion({
        project: 'shop',
        stage: 'dev',
        freightId: freight(1).id,
        at: at(1),
      });
      expect(await facts()).toEqual({ active: true, newest: failed.id });
      await stores.promotions.claim({
        id: failed.id,
        workerId: 'w',
        now: at(2),
        leaseMs: 10_000,
      });
      await stores.promotions.finish({
        id: failed.id,
        workerId: 'w',
        phase: 'Failed',
        now: at(3),
      });
      await stores.freight.insertFreight(freight(2), uniqueAlias);
      const other = await stores.promotions.createPromotion({
        project: 'shop',
        stage: 'dev',
        freightId: freight(2).id,
        at: at(4),
      });
      expect(await facts()).toEqual({
        active: true,
        newest: other.id,
        lastOfFreight: { id: failed.id, phase: 'Failed' },
      });
    });

    it('keeps one hold per stage and origin, replaced by the next and released', async () => {
      const hold = {
        project: 'shop',
        stage: 'dev',
        origin: 'app',
        freightId: freight(1).id,
        promotionId: 'p1',
        actor: 'user:default/ops',
        rollback: false,
        since: at(1),
      };
      await stores.autoPromotions.setHold(hold);
      await stores.autoPromotions.setHold({
        ...hold,
        promotionId: 'p2',
        rollback: true,
        since: at(2),
      });
      await stores.autoPromotions.setHold({ ...hold, origin: 'config' });
      const { project: _project, ...stored } = hold;
      expect(await stores.autoPromotions.getHolds('shop')).toEqual({
        dev: [
          { ...stored, promotionId: 'p2', rollback: true, since: at(2) },
          { ...stored, origin: 'config' },
        ],
      });
      expect(await stores.autoPromotions.getHolds('other')).toEqual({});
      // One origin's hold, then the rest.
      expect(
        await stores.autoPromotions.releaseHold({
          project: 'shop',
          stage: 'dev',
          origin: 'app',
        }),
      ).toBe(true);
      expect(await stores.autoPromotions.getHolds('shop')).toEqual({
        dev: [{ ...stored, origin: 'config' }],
      });
      expect(
        await stores.autoPromotions.releaseHold({
          project: 'shop',
          stage: 'dev',
        }),
      ).toBe(true);
      expect(
        await stores.autoPromotions.releaseHold({
          project: 'shop',
          stage: 'dev',
        }),
      ).toBe(false);
      expect(await stores.autoPromotions.getHolds('shop')).toEqual({});
    });
  },
);
