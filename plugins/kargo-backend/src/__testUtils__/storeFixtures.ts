import { NewFreight } from '../stores/FreightStore';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { kargoTestDatabases } from './databases';

// Shared by the store tests: migrated stores on each test database, and freight to put in them.

export const storeTestDatabases = kargoTestDatabases();

export async function createStores(
  databaseId: Parameters<typeof storeTestDatabases.init>[0],
) {
  const knex = await storeTestDatabases.init(databaseId);
  await applyDatabaseMigrations(knex);
  return DatabaseKargoStores.fromKnex(knex);
}

const t0 = Date.parse('2026-01-01T00:00:00.000Z');
export const at = (minutes: number) => new Date(t0 + minutes * 60_000);

export function freight(n: number, origin = 'app'): NewFreight {
  return {
    project: 'shop',
    id: n.toString(16).padStart(40, '0'),
    origin: { kind: 'Warehouse', name: origin },
    commits: [{ repoURL: 'https://git.example/app', id: `c${n}` }],
    images: [],
    charts: [],
    createdAt: at(n),
  };
}

let aliasCounter = 0;
export const uniqueAlias = {
  generateAlias: async () => `alias-${++aliasCounter}`,
};
