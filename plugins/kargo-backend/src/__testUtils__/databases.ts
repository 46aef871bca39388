import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';

/**
 * The databases every store test runs on: SQLite, and the PostgreSQL that `./portal test` points
 * `BACKSTAGE_TEST_DATABASE_POSTGRES<major>_CONNECTION_STRING` at (`KARGO_TEST_POSTGRES_ID` names its id).
 * Under CI a missing PostgreSQL is an error, never a silent SQLite-only run.
 */
export function kargoTestDatabases(): TestDatabases {
  const postgres = (process.env.KARGO_TEST_POSTGRES_ID ??
    'POSTGRES_17') as TestDatabaseId;
  const databases = TestDatabases.create({
    ids: [postgres, 'SQLITE_3'],
    disableDocker: true,
  });
  if (process.env.CI && !databases.supports(postgres)) {
    throw new Error(
      `Store tests need PostgreSQL under CI: run them with ./portal test, or set KARGO_TEST_POSTGRES_ID and BACKSTAGE_TEST_DATABASE_${postgres.replace(
        '_',
        '',
      )}_CONNECTION_STRING`,
    );
  }
  return databases;
}
