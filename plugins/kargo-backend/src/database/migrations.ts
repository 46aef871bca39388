import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/** Where the knex migrations of the plugin are. */
export const migrationsDirectory = resolvePackagePath(
  '@kargo-portal/plugin-kargo-backend',
  'migrations',
);

/** Brings the database schema up to date. */
export async function applyDatabaseMigrations(knex: Knex): Promise<void> {
  await knex.migrate.latest({
    directory: migrationsDirectory,
    tableName: 'kargo_knex_migrations',
  });
}

/** Undoes every migration (used by the migration tests). */
export async function rollbackDatabaseMigrations(knex: Knex): Promise<void> {
  await knex.migrate.rollback(
    { directory: migrationsDirectory, tableName: 'kargo_knex_migrations' },
    true,
  );
}
