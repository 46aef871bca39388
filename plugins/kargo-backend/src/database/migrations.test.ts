import { createHash } from 'node:crypto';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { DatabaseKargoStores } from './DatabaseKargoStores';
import {
  applyDatabaseMigrations,
  migrationsDirectory,
  rollbackDatabaseMigrations,
} from './migrations';

const databases = kargoTestDatabases();

const tables = [
  'kargo_definition_sources',
  'kargo_definition_state',
  'kargo_definition_versions',
  'kargo_freight',
  'kargo_freight_counts',
  'kargo_freight_stages',
  'kargo_metadata',
  'kargo_promotions',
  'kargo_stage_health',
  'kargo_stage_history',
  'kargo_verifications',
  'kargo_warehouses',
];

describe('migrations', () => {
  it.each(databases.eachSupportedId())(
    'go up, down and up again on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      for (const table of tables) {
        expect(await knex.schema.hasTable(table)).toBe(true);
      }
      await rollbackDatabaseMigrations(knex);
      for (const table of tables) {
        expect(await knex.schema.hasTable(table)).toBe(false);
      }
      await applyDatabaseMigrations(knex);
      expect(await knex.schema.hasTable('kargo_freight')).toBe(true);
      await knex.destroy();
    },
  );
});

describe('freight counts migration', () => {
  it.each(databases.eachSupportedId())(
    'counts the freight already stored on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const stores = DatabaseKargoStores.fromKnex(knex);
      const origins = ['app', 'app', 'cfg', 'app'];
      for (const [i, origin] of origins.entries()) {
        await stores.freight.insertFreight(
          {
            project: 'shop',
            id: i.toString(16).padStart(40, '0'),
            origin: { kind: 'Warehouse', name: origin },
            commits: [],
            images: [],
            charts: [],
            createdAt: new Date(Date.UTC(2026, 0, 1, i)),
          },
          { generateAlias: async () => `alias-${i}` },
        );
      }
      const counts = () =>
        knex('kargo_freight_counts')
          .select('origin_name')
          .select(knex.raw('CAST(?? AS INTEGER) AS count', ['count']))
          .orderBy('origin_name');
      const expected = [
        { origin_name: 'app', count: 3 },
        { origin_name: 'cfg', count: 1 },
      ];
      expect(await counts()).toEqual(expected);

      // Recreated from the freight table by the migration itself.
      await knex.migrate.down({
        directory: migrationsDirectory,
        tableName: 'kargo_knex_migrations',
        name: '20261124140000_pipeline_reads.js',
      });
      expect(await knex.schema.hasTable('kargo_freight_counts')).toBe(false);
      await applyDatabaseMigrations(knex);
      expect(await counts()).toEqual(expected);
      await knex.destroy();
    },
  );
});

describe('freight stage origin migration', () => {
  it.each(databases.eachSupportedId())(
    'copies the origin of the freight to its stage records on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const stores = DatabaseKargoStores.fromKnex(knex);
      for (const [i, origin] of ['app', 'cfg'].entries()) {
        const id = i.toString(16).padStart(40, '0');
        await stores.freight.insertFreight(
          {
            project: 'shop',
            id,
            origin: { kind: 'Warehouse', name: origin },
            commits: [],
            images: [],
            charts: [],
            createdAt: new Date(Date.UTC(2026, 0, 1, i)),
          },
          { generateAlias: async () => `alias-${i}` },
        );
        await stores.freight.markVerified({
          project: 'shop',
          freightId: id,
          stage: 'dev',
          at: new Date(),
        });
      }
      const origins = () =>
        knex('kargo_freight_stages')
          .orderBy('freight_id')
          .select('freight_id', 'origin_name');
      const expected = [
        { freight_id: '0'.padStart(40, '0'), origin_name: 'app' },
        { freight_id: '1'.padStart(40, '0'), origin_name: 'cfg' },
      ];
      expect(await origins()).toEqual(expected);
      await knex.migrate.down({
        directory: migrationsDirectory,
        tableName: 'kargo_knex_migrations',
        name: '20261124180000_freight_stage_origin.js',
      });
      await applyDatabaseMigrations(knex);
      expect(await origins()).toEqual(expected);
      await knex.destroy();
    },
  );
});

describe('freight collections migration', () => {
  it.each(databases.eachSupportedId())(
    'gives each history entry the collection of its own freight on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const stores = DatabaseKargoStores.fromKnex(knex);
      for (const [i, origin] of ['app', 'cfg'].entries()) {
        const id = i.toString(16).padStart(40, '0');
        await stores.freight.insertFreight(
          {
            project: 'shop',
            id,
            origin: { kind: 'Warehouse', name: origin },
            commits: [],
            images: [],
            charts: [],
            createdAt: new Date(Date.UTC(2026, 0, 1, i)),
          },
          { generateAlias: async () => `alias-${i}` },
        );
      }
      await knex.migrate.down({
        directory: migrationsDirectory,
        tableName: 'kargo_knex_migrations',
        name: '20261203070000_freight_collections.js',
      });
      // Entries written before collections: a stage ran one freight at a time.
      for (const [i, freightId] of ['0', '1', '0'].entries()) {
        await knex('kargo_stage_history').insert({
          project: 'shop',
          stage: 'dev',
          freight_id: freightId.padStart(40, '0'),
          promoted_at: new Date(Date.UTC(2026, 0, 2, i)).toISOString(),
        });
      }
      await applyDatabaseMigrations(knex);
      const history = await stores.stages.getStageHistory({
        project: 'shop',
        stage: 'dev',
        limit: 10,
      });
      const sha1 = (text: string) =>
        createHash('sha1').update(text).digest('hex');
      expect(history.map(h => h.collection)).toEqual(
        ['0', '1', '0'].reverse().map((n, i) => ({
          id: sha1(n.padStart(40, '0')),
          items: [
            {
              origin: { kind: 'Warehouse', name: i === 1 ? 'cfg' : 'app' },
              name: n.padStart(40, '0'),
            },
          ],
        })),
      );
      await knex.destroy();
    },
  );
});
