import { Knex } from 'knex';

/** How many prepared statements each SQLite connection keeps: those of the SQL texts it ran most recently. */
export const SQLITE_STATEMENTS_KEPT = 100;

interface PreparingConnection {
  prepare(sql: string): unknown;
}

interface QueryingClient {
  driverName?: string;
  _query?: (connection: unknown, query: unknown) => Promise<unknown>;
}

const reusing = new WeakSet<object>();

/**
 * On SQLite (better-sqlite3), makes the plugin's connections reuse the statements of the SQL texts they ran
 * recently, rather than prepare a new statement for every query as knex does. A statement's compiled program lives
 * in native memory that V8 does not see (about 5 KB for a simple query, 90 KB for a compound query over 50 stages
 * such as the pipeline's), and is released only when a full garbage collection finalizes the statement's
 * JavaScript object, which by then has been promoted to the old generation: between full collections, a busy
 * backend kept tens of MB of statements already run, and it compiled the same compound queries again and again.
 * knex runs a statement with `all` or `run`, which finish before they return, so one statement never serves two
 * queries at once. Other databases are left as they are.
 */
export function reuseSqliteStatements(
  knex: Knex,
  max: number = SQLITE_STATEMENTS_KEPT,
): void {
  const client = knex.client as QueryingClient;
  const query = client._query;
  if (
    client.driverName !== 'better-sqlite3' ||
    typeof query !== 'function' ||
    reusing.has(client)
  ) {
    return;
  }
  reusing.add(client);
  client._query = function reusingStatements(
    this: unknown,
    connection: unknown,
    obj: unknown,
  ) {
    if (
      typeof connection === 'object' &&
      connection !== null &&
      typeof (connection as PreparingConnection).prepare === 'function' &&
      !reusing.has(connection)
    ) {
      keepStatements(connection as PreparingConnection, max);
    }
    return query.call(this, connection, obj);
  };
}

/** Replaces the connection's `prepare` with one that returns the statement kept for the same SQL, if any. */
function keepStatements(connection: PreparingConnection, max: number): void {
  reusing.add(connection);
  const prepare = connection.prepare.bind(connection);
  // In order of last use: the first is the one to drop.
  const kept = new Map<string, unknown>();
  connection.prepare = (sql: string) => {
    let statement = kept.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
    } else {
      kept.delete(sql);
    }
    kept.set(sql, statement);
    if (kept.size > max) kept.delete(kept.keys().next().value!);
    return statement;
  };
}
