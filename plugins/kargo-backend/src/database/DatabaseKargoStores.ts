import { Knex } from 'knex';
import { DatabaseService } from '@backstage/backend-plugin-api';
import { KargoStores } from '../stores/KargoStores';
import { StoreTransaction } from '../stores/StoreTransaction';
import { DatabaseAutoPromotionStore } from './DatabaseAutoPromotionStore';
import { DatabaseDefinitionStore } from './DatabaseDefinitionStore';
import { DatabaseFreightStore } from './DatabaseFreightStore';
import { DatabasePromotionStore } from './DatabasePromotionStore';
import { DatabaseStageStore } from './DatabaseStageStore';
import { DatabaseVerificationStore } from './DatabaseVerificationStore';
import { DatabaseWarehouseStore } from './DatabaseWarehouseStore';
import { applyDatabaseMigrations } from './migrations';
import { KnexTransactionRunner } from './transaction';

/**
 * The stores of Kargo Portal on Backstage's database service: SQLite or PostgreSQL through one query path.
 */
export class DatabaseKargoStores implements KargoStores {
  /** Migrates the plugin's database (unless skipped) and builds every store on it. */
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseKargoStores> {
    const knex = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await applyDatabaseMigrations(knex);
    }
    return new DatabaseKargoStores(knex);
  }

  /** For tests and tools that hold a migrated connection already. */
  static fromKnex(knex: Knex): DatabaseKargoStores {
    return new DatabaseKargoStores(knex);
  }

  readonly definitions: DatabaseDefinitionStore;
  readonly freight: DatabaseFreightStore;
  readonly stages: DatabaseStageStore;
  readonly promotions: DatabasePromotionStore;
  readonly warehouses: DatabaseWarehouseStore;
  readonly verifications: DatabaseVerificationStore;
  readonly autoPromotions: DatabaseAutoPromotionStore;
  private readonly transactions: KnexTransactionRunner;

  private constructor(knex: Knex) {
    this.definitions = DatabaseDefinitionStore.create({ knex });
    this.freight = DatabaseFreightStore.create({ knex });
    this.stages = DatabaseStageStore.create({ knex });
    this.promotions = DatabasePromotionStore.create({ knex });
    this.warehouses = DatabaseWarehouseStore.create({ knex });
    this.verifications = DatabaseVerificationStore.create({ knex });
    this.autoPromotions = DatabaseAutoPromotionStore.create({ knex });
    this.transactions = new KnexTransactionRunner(knex);
  }

  transaction<T>(
    fn: (transaction: StoreTransaction) => Promise<T>,
  ): Promise<T> {
    return this.transactions.transaction(fn);
  }
}
