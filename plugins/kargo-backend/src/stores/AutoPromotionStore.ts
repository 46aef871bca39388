import { StoreTransaction } from './StoreTransaction';

/**
 * A hold on a stage's auto-promotion of one origin (warehouse), as Kargo's: a user promoted freight of that origin
 * other than auto-promotion's candidate, or rolled it back.
 */
export interface StageHold {
  stage: string;
  /** The warehouse whose freight the stage no longer auto-promotes. */
  origin: string;
  /** The freight the user promoted. */
  freightId: string;
  promotionId: string;
  actor: string;
  rollback: boolean;
  since: Date;
}

/**
 * What auto-promotion keeps: the claim of each auto-promotion and automatic rollback, which makes it happen once
 * however many replicas decide it, and the holds users' promotions and rollbacks put on stages.
 */
export interface AutoPromotionStore {
  /**
   * Claims the auto-promotion of a freight to a stage in the state the stage was in (`afterPromotion`: the id of
   * the stage's newest promotion when the decision was made, `''` for none), for the promotion created in the same
   * transaction. Returns `false`, writing nothing, when that auto-promotion was claimed already (by another
   * replica or an earlier pass): the caller must then roll the transaction back. An automatic rollback is claimed
   * with the key of what triggered it (at most 64 characters) as `freightId` and `rollback:<origin>` as
   * `afterPromotion`: once per trigger and origin, whichever freight it moves.
   */
  claim(
    options: {
      project: string;
      stage: string;
      freightId: string;
      afterPromotion: string;
      promotionId: string;
      at: Date;
    },
    transaction: StoreTransaction,
  ): Promise<boolean>;
  /** Whether that claim was taken already (see {@link AutoPromotionStore.claim}). */
  isClaimed(options: {
    project: string;
    stage: string;
    freightId: string;
    afterPromotion: string;
  }): Promise<boolean>;
  /** Puts a hold on the stage's origin (replacing the one it had). */
  setHold(
    options: { project: string } & StageHold,
    transaction?: StoreTransaction,
  ): Promise<void>;
  /**
   * Releases the hold of the stage's origin, or of all its origins when none is given; with `promotionId`, only a
   * hold that promotion put. Returns whether it released any.
   */
  releaseHold(
    options: {
      project: string;
      stage: string;
      origin?: string;
      promotionId?: string;
    },
    transaction?: StoreTransaction,
  ): Promise<boolean>;
  /** The project's holds, by stage, ordered by origin. */
  getHolds(project: string): Promise<Record<string, StageHold[]>>;
}
