import { kargoTestDatabases } from '../__testUtils__/databases';
import {
  applyDatabaseMigrations,
  rollbackDatabaseMigrations,
} from './migrations';

const databases = kargoTestDatabases();

const tables = [
  'kargo_definition_sources',
  'kargo_definition_state',
  'kargo_definition_versions',
  'kargo_freight',
  'kargo_freight_stages',
  'kargo_promotions',
  'kargo_stage_history',
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
