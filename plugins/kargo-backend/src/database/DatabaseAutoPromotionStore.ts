import { Knex } from 'knex';
import { AutoPromotionStore, StageHold } from '../stores/AutoPromotionStore';
import { StoreTransaction } from '../stores/StoreTransaction';
import { fromDbTime, toDbTime } from './time';
import { inTransaction } from './transaction';

const CLAIMS = 'kargo_auto_promotions';
const HOLDS = 'kargo_stage_holds';

/** A row of `kargo_stage_holds`. */
interface HoldRow {
  project: string;
  stage: string;
  origin_name: string;
  freight_id: string;
  promotion_id: string;
  actor: string;
  rollback: boolean | number;
  created_at: string;
}

function holdFromRow(row: HoldRow): StageHold {
  return {
    stage: row.stage,
    origin: row.origin_name,
    freightId: row.freight_id,
    promotionId: row.promotion_id,
    actor: row.actor,
    rollback: Boolean(row.rollback),
    since: fromDbTime(row.created_at),
  };
}

/** {@link AutoPromotionStore} on SQLite or PostgreSQL. */
export class DatabaseAutoPromotionStore implements AutoPromotionStore {
  static create(options: { knex: Knex }): DatabaseAutoPromotionStore {
    return new DatabaseAutoPromotionStore(options.knex);
  }

  private constructor(private readonly db: Knex) {}

  async claim(
    options: {
      project: string;
      stage: string;
      freightId: string;
      afterPromotion: string;
      promotionId: string;
      at: Date;
    },
    transaction: StoreTransaction,
  ): Promise<boolean> {
    return inTransaction(this.db, transaction, async tx => {
      const key = {
        project: options.project,
        stage: options.stage,
        freight_id: options.freightId,
        after_promotion: options.afterPromotion,
      };
      // On PostgreSQL a concurrent insert of the same key waits for the other transaction, then does nothing;
      // reading the row back tells which promotion won.
      await tx(CLAIMS)
        .insert({
          ...key,
          promotion_id: options.promotionId,
          created_at: toDbTime(options.at),
        })
        .onConflict(['project', 'stage', 'freight_id', 'after_promotion'])
        .ignore();
      const row: { promotion_id: string } | undefined = await tx(CLAIMS)
        .where(key)
        .first('promotion_id');
      return row?.promotion_id === options.promotionId;
    });
  }

  async isClaimed(options: {
    project: string;
    stage: string;
    freightId: string;
    afterPromotion: string;
  }): Promise<boolean> {
    const row = await this.db(CLAIMS)
      .where({
        project: options.project,
        stage: options.stage,
        freight_id: options.freightId,
        after_promotion: options.afterPromotion,
      })
      .first('promotion_id');
    return Boolean(row);
  }

  async setHold(
    options: { project: string } & StageHold,
    transaction?: StoreTransaction,
  ): Promise<void> {
    await inTransaction(this.db, transaction, async tx => {
      await tx(HOLDS)
        .insert({
          project: options.project,
          stage: options.stage,
          origin_name: options.origin,
          freight_id: options.freightId,
          promotion_id: options.promotionId,
          actor: options.actor,
          rollback: options.rollback,
          created_at: toDbTime(options.since),
        })
        .onConflict(['project', 'stage', 'origin_name'])
        .merge();
    });
  }

  async releaseHold(
    options: {
      project: string;
      stage: string;
      origin?: string;
      promotionId?: string;
    },
    transaction?: StoreTransaction,
  ): Promise<boolean> {
    return inTransaction(this.db, transaction, async tx => {
      const deleted = await tx(HOLDS)
        .where({
          project: options.project,
          stage: options.stage,
          ...(options.origin !== undefined
            ? { origin_name: options.origin }
            : {}),
          ...(options.promotionId !== undefined
            ? { promotion_id: options.promotionId }
            : {}),
        })
        .delete();
      return deleted > 0;
    });
  }

  async getHolds(project: string): Promise<Record<string, StageHold[]>> {
    const rows: HoldRow[] = await this.db(HOLDS)
      .where({ project })
      .orderBy(['stage', 'origin_name']);
    const holds: Record<string, StageHold[]> = {};
    for (const row of rows) {
      if (!Object.hasOwn(holds, row.stage)) holds[row.stage] = [];
      holds[row.stage].push(holdFromRow(row));
    }
    return holds;
  }
}
