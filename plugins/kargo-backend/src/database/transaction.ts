import { Knex } from 'knex';
import {
  StoreTransaction,
  TransactionRunner,
} from '../stores/StoreTransaction';

/** The database's side of a {@link StoreTransaction}: a Knex transaction. */
class KnexStoreTransaction implements StoreTransaction {
  readonly storeTransaction = true;
  constructor(readonly knex: Knex.Transaction) {}
}

/** Opens units of work on a database, for the stores built on it. */
export class KnexTransactionRunner implements TransactionRunner {
  constructor(private readonly db: Knex) {}

  transaction<T>(
    fn: (transaction: StoreTransaction) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction(tx => fn(new KnexStoreTransaction(tx)));
  }
}

/**
 * Runs `fn` in the given unit of work, or in a new transaction of `db` when none is given. A unit of work of
 * another database is a programming error.
 */
export function inTransaction<T>(
  db: Knex,
  transaction: StoreTransaction | undefined,
  fn: (tx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  if (!transaction) return db.transaction(fn);
  if (!(transaction instanceof KnexStoreTransaction)) {
    throw new Error('Not a unit of work of the Kargo database');
  }
  return fn(transaction.knex);
}
