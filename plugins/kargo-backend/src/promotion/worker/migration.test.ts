import { kargoTestDatabases } from '../../__testUtils__/databases';
import {
  applyDatabaseMigrations,
  migrationsDirectory,
} from '../../database/migrations';

const databases = kargoTestDatabases();
const columns = [
  'claimed_by',
  'lease_expires_at',
  'next_run_at',
  'current_step',
  'plan',
  'run_state',
  'run_count',
];

describe('promotion runner migration', () => {
  it.each(databases.eachSupportedId())(
    'adds and removes the worker columns and the one-Running-per-stage index on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const promotion = (id: string, stage: string) => ({
        id,
        project: 'shop',
        stage,
        freight_id: 'f',
        phase: 'Running',
        steps: '[]',
        created_at: `2026-01-01T00:00:0${id.length}.000Z`,
      });
      for (const column of columns) {
        expect([
          column,
          await knex.schema.hasColumn('kargo_promotions', column),
        ]).toEqual([column, true]);
      }
      await knex('kargo_promotions').insert(promotion('a', 'dev'));
      await knex('kargo_promotions').insert(promotion('bb', 'prod'));
      const third = await knex('kargo_promotions')
        .insert(promotion('ccc', 'dev'))
        .then(
          async () => ({
            rows: await knex('kargo_promotions').select('id', 'stage', 'phase'),
          }),
          error => ({ error: String(error) }),
        );
      expect(third).toEqual({ error: expect.stringMatching(/unique/i) });

      await knex.migrate.down({
        directory: migrationsDirectory,
        tableName: 'kargo_knex_migrations',
        name: '20261124130000_promotion_runner.js',
      });
      for (const column of columns) {
        expect([
          column,
          await knex.schema.hasColumn('kargo_promotions', column),
        ]).toEqual([column, false]);
      }
      await knex('kargo_promotions').insert(promotion('ccc', 'dev'));
      await knex('kargo_promotions').where({ id: 'ccc' }).delete();

      await applyDatabaseMigrations(knex);
      const row = await knex('kargo_promotions').where({ id: 'a' }).first();
      expect(Number(row.run_count)).toBe(0);
      await knex.destroy();
    },
  );
});
