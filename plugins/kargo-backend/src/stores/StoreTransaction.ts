/**
 * A unit of work shared by several store operations: what they write is committed together or not at all.
 * Opaque outside the database implementation; get one from {@link KargoStores.transaction} and hand it to the
 * operations that must share it.
 */
export interface StoreTransaction {
  /** Marks the type; holds nothing a caller can use. */
  readonly storeTransaction: true;
}

/** Runs work in one unit of work (committed when `fn` resolves, rolled back when it throws). */
export interface TransactionRunner {
  transaction<T>(fn: (transaction: StoreTransaction) => Promise<T>): Promise<T>;
}
