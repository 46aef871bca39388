import {
  at,
  createStores,
  storeTestDatabases,
} from '../__testUtils__/storeFixtures';

describe.each(storeTestDatabases.eachSupportedId())(
  'DatabaseWarehouseStore on %p',
  databaseId => {
    describe('warehouses', () => {
      it('records refresh requests', async () => {
        const stores = await createStores(databaseId);
        await stores.warehouses.requestRefresh({
          project: 'shop',
          warehouse: 'app',
          actor: 'user:default/amy',
          at: at(1),
        });
        const status = await stores.warehouses.requestRefresh({
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
        expect(await stores.warehouses.listWarehouses('shop')).toEqual([
          status,
        ]);
      });
    });
  },
);
