import {
  ArtifactReference,
  FreightChart,
  FreightCommit,
  FreightImage,
  FreightOrigin,
  FreightRecord,
  FreightView,
  Page,
} from '@kargo-portal/plugin-kargo-common';
import { StoreTransaction } from './StoreTransaction';

/** One stage's record of a freight, as eligibility needs it. */
export interface FreightStageState {
  stage: string;
  currentSince?: Date;
  verifiedAt?: Date;
  longestSoakMs?: number;
  approvedAt?: Date;
}

/**
 * Which freight a stage may receive, as conditions the database evaluates: freight of a direct origin, freight
 * of an origin verified in one of some stages, freight approved for a stage, or freight listed by id (decided
 * by the eligibility rules in code). A freight matching any of them is in.
 */
export interface FreightMatch {
  origins: string[];
  verifiedIn?: Array<{ origin: string; stages: string[] }>;
  approvedFor?: { origins: string[]; stage: string };
  ids?: string[];
}

/** Freight to store; the id is computed by the caller from the artifacts. */
export interface NewFreight {
  project: string;
  id: string;
  origin: FreightOrigin;
  commits: FreightCommit[];
  images: FreightImage[];
  charts: FreightChart[];
  /** Artifacts of subscription types that backend modules register, when there are any. */
  artifacts?: ArtifactReference[];
  createdAt: Date;
}

/** Freight and what each stage did with it (current, verified, approved). */
export interface FreightStore {
  /** Stores freight once: inserting an existing id is a no-op that returns the stored freight. */
  insertFreight(
    freight: NewFreight,
    options: {
      generateAlias: (
        isTaken: (alias: string) => Promise<boolean>,
      ) => Promise<string>;
    },
  ): Promise<{ freight: FreightRecord; created: boolean }>;
  getFreight(
    project: string,
    idOrAlias: string,
  ): Promise<FreightView | undefined>;
  /**
   * Freight newest first. `origins` narrows to those warehouses; `match`, when given, keeps only freight whose
   * origin is one of `match.origins` or whose id is one of `match.ids`.
   */
  listFreight(options: {
    project: string;
    origins?: string[];
    match?: FreightMatch;
    /** Only these ids (AND). */
    ids?: string[];
    limit: number;
    cursor?: string;
  }): Promise<Page<FreightView>>;
  /** Counts matching freight; with `max`, stops counting past it (the result is then at most `max + 1`). */
  countFreight(options: {
    project: string;
    match: FreightMatch;
    max?: number;
  }): Promise<number>;
  /** {@link FreightStore.countFreight} of each match, in order, in a few queries whatever their number. */
  countFreightMany(options: {
    project: string;
    matches: FreightMatch[];
    max?: number;
  }): Promise<number[]>;
  /** Freight that is verified in one of `verifiedIn` or approved for `approvedFor`, with its status. */
  listFreightCandidates(options: {
    project: string;
    origins: string[];
    verifiedIn: string[];
    approvedFor: string;
  }): Promise<Array<{ freight: FreightRecord; stages: FreightStageState[] }>>;
  /** An unknown freight is a `NotFoundError`. */
  approveFreight(
    options: {
      project: string;
      freightId: string;
      stage: string;
      actor: string;
      at: Date;
    },
    transaction?: StoreTransaction,
  ): Promise<void>;
  /** An unknown freight is a `NotFoundError`. */
  markVerified(
    options: {
      project: string;
      freightId: string;
      stage: string;
      at: Date;
    },
    transaction?: StoreTransaction,
  ): Promise<void>;
}
