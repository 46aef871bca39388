import { Page, Promotion } from '@kargo-portal/plugin-kargo-common';
import {
  PromotionHealthCheck,
  PromotionStepEffect,
} from '@kargo-portal/plugin-kargo-node';
import { PromotionPlan } from '../promotion/engine/plan';
import { PromotionRunState } from '../promotion/engine/types';
import { StoreTransaction } from './StoreTransaction';

/** A promotion a worker holds, as it was when claimed. */
export interface ClaimedPromotion {
  id: string;
  project: string;
  stage: string;
  freightId: string;
  actor?: string;
  /** Whether the promotion is a rollback (`ctx.meta.promotion.rollback`). */
  rollback: boolean;
  abortRequestedBy?: string;
  /** How many times the promotion was claimed, this claim included. */
  runCount: number;
  plan?: PromotionPlan;
  state?: PromotionRunState;
}

/** The worker's claim on a promotion was taken over: it must not write anything more for it. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(promotionId: string) {
    super(`The claim on promotion ${promotionId} was lost to another worker`);
  }
}

/**
 * Changes to Stage or Freight state that steps returned, to apply with the promotion's state in one
 * transaction. A Stage not in `stages`, or an unknown Freight, is a `NotFoundError` and nothing is written.
 */
export interface EffectsToApply {
  effects: PromotionStepEffect[];
  /** The stages the project defines. */
  stages: string[];
}

/** The final phases of a promotion. */
export type FinishedPhase = 'Succeeded' | 'Failed' | 'Errored' | 'Aborted';

/** How a worker ends a promotion it holds: see {@link PromotionStore.finish}. */
export interface PromotionEnding {
  id: string;
  workerId: string;
  phase: FinishedPhase;
  message?: string;
  /** The plan, when it was made in this claim. */
  plan?: PromotionPlan;
  state?: PromotionRunState;
  now: Date;
  /** Effects still to apply, in the same transaction. */
  effects?: EffectsToApply;
  /**
   * Verification bookkeeping of a success. `true`: the stage has no verification, so its new freight is
   * verified in it at once (as Kargo does for a healthy stage without verification).
   */
  verifyAtOnce?: boolean;
}

/**
 * What a stage's health is evaluated from, as Kargo's Stage status holds it: the promotion running now (its
 * `currentPromotion`), and the last one that finished (its `lastPromotion`) with the health checks it recorded.
 */
export interface StageHealthSubject {
  stage: string;
  /** The id of the stage's Running promotion, if one runs. */
  running?: string;
  lastFinished?: {
    id: string;
    phase: FinishedPhase;
    healthChecks: PromotionHealthCheck[];
  };
}

/** What auto-promotion reads of a stage's promotions before it promotes a freight there. */
export interface StagePromotionFacts {
  /** Whether the stage has a Pending or Running promotion. */
  active: boolean;
  /** The id of the stage's newest promotion, if it had any. */
  newest?: string;
  /** The freight's last finished promotion to the stage, if it had one. */
  lastOfFreight?: { id: string; phase: FinishedPhase };
}

/**
 * A promotion's whole life: created by users, claimed, run and finished by workers. Every write after the
 * claim is fenced by the claiming worker's id: a worker whose lease was taken over changes nothing, and learns
 * it from a {@link LeaseLostError}.
 */
export interface PromotionStore {
  /**
   * A new Pending promotion, named as Kargo names it (`<stage>.<ulid>.<first 7 of the freight>`); an unknown
   * freight is a `NotFoundError`.
   */
  createPromotion(
    options: {
      project: string;
      stage: string;
      freightId: string;
      actor?: string;
      /** A rollback: freight from the stage's history that the stage no longer runs. */
      rollback?: boolean;
      at: Date;
    },
    transaction?: StoreTransaction,
  ): Promise<Promotion>;
  getPromotion(project: string, id: string): Promise<Promotion | undefined>;
  listPromotions(options: {
    project: string;
    stage?: string;
    limit: number;
    cursor?: string;
  }): Promise<Page<Promotion>>;
  /**
   * Aborts a Pending promotion at once; asks the worker running a Running one to abort it. A finished promotion
   * is a `ConflictError`, an unknown one a `NotFoundError`.
   */
  requestAbort(
    options: {
      project: string;
      id: string;
      actor: string;
      at: Date;
    },
    transaction?: StoreTransaction,
  ): Promise<Promotion>;

  /**
   * Brings forward the next attempt of Running promotions whose current step is `git-wait-for-pr` waiting on
   * the pull request at `prUrl` (its output's `pr.url`), in `project` or in every project: they become
   * claimable at once. A promotion being run right now is flagged too, so that the wake is not lost when its
   * worker releases it with a later time. Safe across replicas: it only sets a flag that a claim clears.
   * Returns the ids woken.
   */
  wakeWaitingForPullRequest(options: {
    prUrl: string;
    project?: string;
    now: Date;
  }): Promise<Array<{ project: string; id: string }>>;

  /**
   * Promotions a worker may claim now, oldest first: a Running promotion whose lease is free or expired and
   * whose step is due (or that a user aborted), and, in a stage with no Running promotion, the oldest Pending
   * one. So a stage runs one promotion at a time, in the order they were created.
   */
  findClaimable(options: {
    now: Date;
    limit: number;
    exclude: string[];
  }): Promise<string[]>;
  /**
   * Claims a promotion with compare-and-set: it succeeds only if the promotion is still active and unclaimed
   * (or its lease expired). A Pending promotion becomes Running, unless its stage has a Running promotion
   * already: then, as when another worker was faster, the result is `undefined`.
   */
  claim(options: {
    id: string;
    workerId: string;
    now: Date;
    leaseMs: number;
  }): Promise<ClaimedPromotion | undefined>;
  /**
   * Extends the lease. Returns whether the claim is still ours, and who asked to abort the promotion, if
   * anyone did.
   */
  heartbeat(options: {
    id: string;
    workerId: string;
    now: Date;
    leaseMs: number;
  }): Promise<{ held: boolean; abortRequestedBy?: string }>;
  /**
   * Saves the plan and the run state of a promotion this worker holds; with `effects` (a step just succeeded),
   * applies them in the same transaction, so that they are durable together with the step's state.
   */
  saveProgress(options: {
    id: string;
    workerId: string;
    plan?: PromotionPlan;
    state: PromotionRunState;
    effects?: EffectsToApply;
  }): Promise<void>;
  /**
   * Gives a promotion back, to be claimed again once `nextRunAt` has come (a waiting step) or at once (a
   * shutdown, an unexpected error).
   */
  release(options: {
    id: string;
    workerId: string;
    nextRunAt?: Date;
  }): Promise<void>;
  /**
   * Ends a promotion in one transaction: its final phase and step states, the health checks its steps recorded
   * (those of succeeded steps, from `state`), the remaining effects, and on success what it changes elsewhere:
   * the stage's current freight and history, and the verification bookkeeping. An unknown freight is a
   * `NotFoundError` and nothing is written.
   */
  finish(ending: PromotionEnding): Promise<void>;
  /** For each of the stages: its Running promotion and its last finished one with its health checks. */
  getStageHealthSubjects(
    project: string,
    stages: string[],
  ): Promise<StageHealthSubject[]>;
  /** What auto-promotion reads of the stage's promotions, for a freight it may promote there. */
  getStagePromotionFacts(options: {
    project: string;
    stage: string;
    freightId: string;
  }): Promise<StagePromotionFacts>;
  /** Ids of promotions that are over (or gone), among `ids`: their work directories can go. */
  findFinished(ids: string[]): Promise<string[]>;
}
