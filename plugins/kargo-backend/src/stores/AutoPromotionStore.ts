import { StoreTransaction } from './StoreTransaction';

/** A hold on a stage's auto-promotion: a user promoted other freight than auto-promotion would, or rolled back. */
export interface StageHold {
  stage: string;
  /** The freight the user promoted. */
  freightId: string;
  promotionId: string;
  actor: string;
  rollback: boolean;
  since: Date;
}

/**
 * What auto-promotion keeps: the claim of each auto-promotion, which makes it happen once however many replicas
 * decide it, and the holds users' promotions put on stages.
 */
export interface AutoPromotionStore {
  /**
   * Claims the auto-promotion of a freight to a stage in the state the stage was in (`afterPromotion`: the id of
   * the stage's newest promotion when the decision was made, `''` for none), for the promotion created in the same
   * transaction. Returns `false`, writing nothing, when that auto-promotion was claimed already (by another
   * replica or an earlier pass): the caller must then roll the transaction back.
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
  /** Puts a hold on the stage (replacing the one it had). */
  setHold(
    options: { project: string } & StageHold,
    transaction?: StoreTransaction,
  ): Promise<void>;
  /** Releases the stage's hold; returns whether it had one. */
  releaseHold(
    options: { project: string; stage: string },
    transaction?: StoreTransaction,
  ): Promise<boolean>;
  /** The project's holds, by stage. */
  getHolds(project: string): Promise<Record<string, StageHold>>;
}
