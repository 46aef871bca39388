import { StoreTransaction } from './StoreTransaction';

/** The phases of a verification, as those of Argo Rollouts' AnalysisRun that Kargo reports. */
export type VerificationPhase =
  | 'Pending'
  | 'Running'
  | 'Successful'
  | 'Failed'
  | 'Error'
  | 'Aborted'
  | 'Inconclusive';

/** The phases a verification ends in. */
export type FinishedVerificationPhase = Exclude<
  VerificationPhase,
  'Pending' | 'Running'
>;

/** The outcome of one measurement of a metric, as Argo Rollouts' `Measurement`. */
export interface Measurement {
  metric: string;
  phase: 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
  /** The measured value as text (JSON for structured results). */
  value?: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
}

/** An argument of the analysis: a value, or a secret read from config when measuring (never stored). */
export type AnalysisArg =
  | { name: string; value: string }
  | { name: string; secretKeyRef: { name: string; key: string } };

/** What a verification runs, resolved when it was created (Kargo's AnalysisRun spec). */
export interface VerificationAnalysis {
  /** The templates it comes from, as `<kind>/<name>`. */
  templates: string[];
  /** The templates' metrics (validated at load), in template order. */
  metrics: Array<Record<string, unknown>>;
  args: AnalysisArg[];
  /** The stage's `verification.analysisRunMetadata`. */
  metadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

/** One verification of a stage's freight collection. */
export interface Verification {
  id: string;
  project: string;
  stage: string;
  collectionId: string;
  freightIds: string[];
  /** 1 for the first verification of the collection, one more for each re-verification. */
  attempt: number;
  /** Who asked for it (a re-verification); undefined when the stage started it. */
  actor?: string;
  phase: VerificationPhase;
  message?: string;
  analysis: VerificationAnalysis;
  measurements: Measurement[];
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  abortedBy?: string;
}

/** The worker's claim on a verification was taken over or the verification ended (aborted): stop. */
export class VerificationLeaseLostError extends Error {
  override name = 'VerificationLeaseLostError';
  constructor(id: string) {
    super(`The claim on verification ${id} was lost`);
  }
}

/**
 * The verifications of stages. Workers claim them with compare-and-set and a lease, as promotions are claimed,
 * and release them between measurements with the measurements taken so far, so that another replica resumes one
 * whose worker died. Every write of a worker is fenced by its id and the Running phase: an aborted verification,
 * or one whose lease was taken over, is not written again.
 */
export interface VerificationStore {
  /**
   * A new Pending verification of a freight collection. `first`: only if the collection has none yet (the stage
   * starting its verification; replicas doing so at once create one); returns undefined when one exists. Else a
   * re-verification: the next attempt, refused with a `ConflictError` while one of the stage is Pending or Running.
   * `phase` other than Pending creates it finished (a verification that cannot run, with its message).
   */
  create(
    options: {
      project: string;
      stage: string;
      collectionId: string;
      freightIds: string[];
      analysis: VerificationAnalysis;
      actor?: string;
      first: boolean;
      at: Date;
      phase?: 'Pending' | 'Error';
      message?: string;
    },
    transaction?: StoreTransaction,
  ): Promise<Verification | undefined>;
  /** The stages' newest verifications, by stage (stages without any are left out). */
  getCurrent(
    project: string,
    stages: string[],
  ): Promise<Record<string, Verification>>;
  /** Whether the collection of the stage has a verification (of any phase). */
  hasVerification(options: {
    project: string;
    stage: string;
    collectionId: string;
  }): Promise<boolean>;
  /**
   * Of the stage's collections given, those that have verifications: `true` when one of them ended Successful,
   * `false` when none did. Collections never verified are left out.
   */
  getCollectionOutcomes(options: {
    project: string;
    stage: string;
    collectionIds: string[];
  }): Promise<Record<string, boolean>>;
  /** Ids of Pending or Running verifications that are due and unclaimed (or whose lease expired), oldest first. */
  findClaimable(options: {
    now: Date;
    limit: number;
    exclude: string[];
  }): Promise<string[]>;
  /** Claims a verification with compare-and-set; undefined when it is over or another worker holds it. */
  claim(options: {
    id: string;
    workerId: string;
    now: Date;
    leaseMs: number;
  }): Promise<Verification | undefined>;
  /**
   * Saves the measurements and gives the verification back, to be claimed again at `nextRunAt`. A
   * {@link VerificationLeaseLostError} when the claim is not ours anymore (nothing is written).
   */
  release(options: {
    id: string;
    workerId: string;
    measurements: Measurement[];
    nextRunAt: Date;
  }): Promise<void>;
  /**
   * Ends a verification in one transaction: its phase, measurements and message; when Successful, the freight of
   * its collection that the stage still runs is marked verified in the stage. A
   * {@link VerificationLeaseLostError} when the claim is not ours anymore (nothing is written).
   */
  finish(options: {
    id: string;
    workerId: string;
    phase: FinishedVerificationPhase;
    message?: string;
    measurements: Measurement[];
    at: Date;
  }): Promise<void>;
  /**
   * Aborts the stage's Pending or Running verification. None is a `NotFoundError`, a finished one a
   * `ConflictError`.
   */
  abort(options: {
    project: string;
    stage: string;
    actor: string;
    at: Date;
  }): Promise<Verification>;
}
