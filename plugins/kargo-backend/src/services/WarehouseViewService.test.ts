import { NotFoundError } from '@backstage/errors';
import { createApiFixture } from '../__testUtils__/apiFixture';
import { kargoTestDatabases } from '../__testUtils__/databases';

const databases = kargoTestDatabases();
const NOW = new Date('2026-03-01T12:00:00.000Z');

describe.each(databases.eachSupportedId())('WarehouseViewService on %p', id => {
  it('shows each warehouse with its newest freight, and refreshes known warehouses only', async () => {
    const fx = await createApiFixture({
      knex: await databases.init(id),
      now: () => NOW,
    });
    const warehouses = fx.services.warehouses;
    expect(await warehouses.listWarehouses('guestbook')).toEqual([
      expect.not.objectContaining({ latestFreight: expect.anything() }),
    ]);
    for (const [n, alias] of [
      [1, 'older-owl'],
      [2, 'newer-newt'],
    ] as const) {
      await fx.stores.freight.insertFreight(
        {
          project: 'guestbook',
          id: String(n).repeat(40),
          origin: { kind: 'Warehouse', name: 'guestbook' },
          commits: [],
          images: [],
          charts: [],
          createdAt: new Date(`2026-02-0${n}T00:00:00Z`),
        },
        { generateAlias: async () => alias },
      );
    }
    expect(await warehouses.listWarehouses('guestbook')).toEqual([
      expect.objectContaining({
        project: 'guestbook',
        name: 'guestbook',
        latestFreight: 'newer-newt',
      }),
    ]);

    const status = await warehouses.refresh({
      project: 'guestbook',
      warehouse: 'guestbook',
      origin: { actor: 'user:default/ops' },
    });
    expect(status.refreshRequestedBy).toBe('user:default/ops');
    expect(fx.polls).toHaveLength(1);
    await expect(
      warehouses.refresh({
        project: 'guestbook',
        warehouse: 'nope',
        origin: { actor: 'user:default/ops' },
      }),
    ).rejects.toThrow(NotFoundError);
    expect(fx.audits.map(a => [a.eventId, a.outcome])).toEqual([
      ['warehouse-refresh', 'success'],
    ]);
  });
});
