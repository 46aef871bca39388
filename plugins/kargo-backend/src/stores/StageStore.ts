import {
  FREIGHT_HISTORY_LIMIT,
  FreightRecord,
  Promotion,
  StageHealth,
  StageHistoryEntry,
} from '@kargo-portal/plugin-kargo-common';
import { StoreTransaction } from './StoreTransaction';

/** What a stage looks like now, for the pipeline view. */
export interface StageSummary {
  stage: string;
  /** The freight most recently moved in. */
  currentFreight?: FreightRecord;
  /** Since when the stage has run `currentFreight`. */
  currentSince?: string;
  /** Every freight the stage runs now, one per origin, ordered by origin. */
  current: Array<{ freight: FreightRecord; since?: string }>;
  /** The stage's last freight collections (at most {@link FREIGHT_HISTORY_LIMIT}), newest first. */
  freightHistory: StageHistoryEntry[];
  lastPromotion?: Promotion;
}

/** What carries metadata, as in Kargo: Stages and Freight (their `status.metadata`). */
export type MetadataKind = 'Stage' | 'Freight';

/** Metadata of Stages or Freight by name: for each, its keys and their values. */
export type MetadataByName = Record<string, Record<string, unknown>>;

/** The runtime state of stages: current freight, history, and the metadata of Stages and Freight. */
export interface StageStore {
  /**
   * Makes a freight the stage's current one of its origin (the previous one of that origin completes its soak;
   * the freight of other origins stay, as in Kargo's freight collections) and records the stage's new freight
   * collection in its history. An unknown freight is a `NotFoundError`.
   */
  setCurrentFreight(
    options: {
      project: string;
      stage: string;
      freightId: string;
      promotionId?: string;
      at: Date;
    },
    transaction?: StoreTransaction,
  ): Promise<void>;
  /**
   * Current freight, last freight collections and newest promotion of the given stages (stages with none of
   * these are left out).
   */
  getStageSummaries(project: string, stages: string[]): Promise<StageSummary[]>;
  /** The stage's freight history, newest first: the store keeps every entry. */
  getStageHistory(options: {
    project: string;
    stage: string;
    limit: number;
  }): Promise<StageHistoryEntry[]>;
  /**
   * Sets each key of `values` on the metadata of a Stage or Freight (other keys stay), as Kargo's `set-metadata`
   * step does; setting a key again replaces its value, so repeating an upsert is harmless. A Freight is named by
   * its id or its alias (resolved to the id, which is returned). An unknown Freight, or a Stage not in `stages`
   * when that is given, is a `NotFoundError` naming it.
   */
  upsertMetadata(
    options: {
      project: string;
      kind: MetadataKind;
      name: string;
      values: Record<string, unknown>;
      /** The stages the project defines: a Stage not among them is refused. */
      stages?: string[];
    },
    transaction?: StoreTransaction,
  ): Promise<{ name: string }>;
  /**
   * Metadata of the project's Stages or Freight, by name: of `names` only when given (a Freight may be named by
   * id or alias; the result is keyed by the names as given), else of all. Names without metadata are left out.
   */
  getMetadata(options: {
    project: string;
    kind: MetadataKind;
    names?: string[];
  }): Promise<MetadataByName>;
  /** The stored health of the project's stages (of `stages` only when given), by stage; unevaluated ones left out. */
  getStageHealth(options: {
    project: string;
    stages?: string[];
  }): Promise<Record<string, StageHealth>>;
  /**
   * Stores a stage's health unless it is stored as it is already (then nothing is written, and `updatedAt` keeps
   * the time it became so). Returns whether it changed. The value is derived, so replicas writing the same one
   * at once is harmless.
   */
  putStageHealth(options: {
    project: string;
    stage: string;
    health: Omit<StageHealth, 'updatedAt'>;
    at: Date;
  }): Promise<boolean>;
}
