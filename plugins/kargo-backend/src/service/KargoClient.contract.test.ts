import http from 'node:http';
import { AddressInfo } from 'node:net';
import { ResponseError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  KargoClient,
  kargoStagePromotePermission,
} from '@kargo-portal/plugin-kargo-common';
import { createApiFixture } from '../__testUtils__/apiFixture';
import { kargoTestDatabases } from '../__testUtils__/databases';

const databases = kargoTestDatabases();

// The typed client of kargo-common against the real router: paths, bodies, query strings and errors agree.
describe.each(databases.eachSupportedId())(
  'KargoClient against the router on %p',
  databaseId => {
    it('reads, promotes, rolls back, approves, aborts and refreshes', async () => {
      const fx = await createApiFixture({
        knex: await databases.init(databaseId),
      });
      const id = 'e'.repeat(40);
      await fx.stores.freight.insertFreight(
        {
          project: 'guestbook',
          id,
          origin: { kind: 'Warehouse', name: 'guestbook' },
          commits: [],
          images: [],
          charts: [],
          createdAt: new Date(),
        },
        { generateAlias: async () => 'calm-heron' },
      );
      const server = http.createServer(fx.app);
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      const client = new KargoClient({
        discoveryApi: { getBaseUrl: async () => `http://127.0.0.1:${port}` },
      });
      try {
        expect((await client.listProjects()).items.map(p => p.name)).toEqual([
          'guestbook',
        ]);
        expect(
          (await client.getPipeline('guestbook')).stages.map(s => s.name),
        ).toEqual(['dev', 'staging', 'prod']);
        expect(
          (
            await client.listFreight('guestbook', { stage: 'dev', limit: 10 })
          ).items.map(f => f.alias),
        ).toEqual(['calm-heron']);
        expect((await client.getFreight('guestbook', 'calm-heron')).id).toBe(
          id,
        );
        const promotion = await client.promote(
          'guestbook',
          'dev',
          'calm-heron',
        );
        expect(promotion).toMatchObject({
          stage: 'dev',
          freight: id,
          phase: 'Pending',
        });
        // The replica's worker is told at once instead of waiting for its next poll.
        expect(fx.createdPromotions).toHaveLength(1);
        expect(
          (await client.listPromotions('guestbook', { stage: 'dev' })).items,
        ).toHaveLength(1);
        expect(
          (await client.abortPromotion('guestbook', promotion.id)).phase,
        ).toBe('Aborted');
        expect(
          (await client.approveFreight('guestbook', 'prod', id)).status
            .approvedFor.prod,
        ).toBeDefined();
        expect(
          (await client.refreshWarehouse('guestbook', 'guestbook'))
            .refreshRequestedBy,
        ).toBe('user:default/guest');
        expect((await client.listWarehouses('guestbook')).items).toHaveLength(
          1,
        );
        expect(
          (await client.getStageHistory('guestbook', 'dev')).items,
        ).toEqual([]);
        expect(await client.getStageHealth('guestbook', 'dev')).toMatchObject({
          status: 'Unknown',
          applications: [],
        });
        const commit = 'a'.repeat(40);
        await fx.stores.warehouses.recordDiscovery({
          project: 'guestbook',
          warehouse: 'guestbook',
          at: new Date(),
          result: {
            discovered: {
              discoveredAt: new Date().toISOString(),
              commits: [
                {
                  repoURL: 'file:///tmp/kargo-portal-demo/app.git',
                  commits: [{ id: commit }],
                },
              ],
            },
          },
        });
        const created = await client.createFreight('guestbook', 'guestbook', {
          commits: [
            {
              repoURL: 'file:///tmp/kargo-portal-demo/app.git',
              id: commit,
            },
          ],
        });
        expect(created.commits[0].id).toBe(commit);
        // dev ran the first freight, then the new one: a rollback goes back to the first.
        for (const freightId of [id, created.id]) {
          await fx.stores.stages.setCurrentFreight({
            project: 'guestbook',
            stage: 'dev',
            freightId,
            at: new Date(),
          });
        }
        expect(await client.rollback('guestbook', 'dev')).toMatchObject({
          stage: 'dev',
          freight: id,
          rollback: true,
        });
        expect((await client.listWebhookReceivers('guestbook')).items).toEqual(
          [],
        );
        expect(
          (await client.listDefinitionSources()).items[0].projects,
        ).toEqual(['guestbook']);

        fx.permissions.decisions[kargoStagePromotePermission.name] = {
          result: AuthorizeResult.DENY,
        };
        const refused = await client
          .promote('guestbook', 'dev', id)
          .catch(e => e);
        expect(refused).toBeInstanceOf(ResponseError);
        expect(refused.response.status).toBe(403);
        expect(refused.body.error.message).toContain('kargo.stage.promote');
      } finally {
        server.close();
      }
    });
  },
);
