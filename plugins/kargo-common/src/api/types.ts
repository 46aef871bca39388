import { FreightRecord, Promotion, StageHistoryEntry } from './model';

/** A Kargo project as listed by the API. @public */
export interface ProjectSummary {
  name: string;
  stageCount: number;
  warehouseCount: number;
  /** Where its manifests come from: a configured file or URL, or the API (then the API can replace it). */
  source: 'file' | 'url' | 'api';
  /** The Project manifest's annotations. */
  annotations: Record<string, string>;
}

/** One stage of a project's pipeline. @public */
export interface PipelineStage {
  name: string;
  /** The `kargo.akuity.io/color` annotation, when set. */
  color?: string;
  upstream: string[];
  warehouses: string[];
  depth: number;
  /**
   * The freight most recently moved into the stage. A stage fed by several warehouses runs one freight of each:
   * the first entry of {@link PipelineStage.freightHistory} names them all.
   */
  currentFreight?: FreightRecord;
  /**
   * The stage's last freight collections (at most {@link FREIGHT_HISTORY_LIMIT}), newest (current) first, as
   * Kargo's `status.freightHistory`.
   */
  freightHistory?: StageHistoryEntry[];
  /** The newest promotion of the stage, whatever its phase. */
  lastPromotion?: Promotion;
  /**
   * How many freight the stage may receive now, counted up to {@link ELIGIBLE_FREIGHT_COUNT_LIMIT}: when
   * {@link PipelineStage.eligibleFreightCountCapped} is true there are more.
   */
  eligibleFreightCount: number;
  /** True when more than `eligibleFreightCount` freight are eligible (shown as "100+"). */
  eligibleFreightCountCapped?: boolean;
  /** The warehouses the stage requests freight from. */
  origins?: string[];
  /**
   * Soak of the current freight: since when the stage has run it, and the longest `requiredSoakTime` a
   * downstream stage asks of freight from this stage. Absent when no downstream stage requires a soak.
   */
  soak?: { since: string; requiredMs: number };
  /** What `set-metadata` steps set on the stage (Kargo's `status.metadata`), key by key; absent when nothing. */
  metadata?: Record<string, unknown>;
  /**
   * The stage's health as last evaluated (see {@link StageHealth}); absent until the backend has evaluated it
   * once.
   */
  health?: StageHealth;
  /** The stage's newest verification (see {@link StageVerification}); absent for a stage never verified. */
  verification?: StageVerification;
  /**
   * Auto-promotion of the stage: whether the project's promotion policies enable it, and the holds, per origin,
   * that a user's promotion of other freight (or a rollback) put on it, each stopping auto-promotion of that
   * origin until the user promotes the freight auto-promotion would, or auto-promotion is switched off.
   */
  autoPromotion: StageAutoPromotion;
  /**
   * Present while the project's promotion windows (ProjectConfig `promotionWindows`) keep the stage closed:
   * promotions to it are refused, and auto-promotion waits, until `nextOpen`.
   */
  promotionWindow?: StagePromotionWindow;
  /**
   * The caller's permissions on the stage's actions when the pipeline was read, by permission name
   * (`kargo.stage.promote`, `kargo.freight.approve`, `kargo.promotion.abort`), so that the card shows its actions
   * from the one request. The backend decides again on each action.
   */
  permissions?: Record<string, boolean>;
}

/** Why promotions to a stage are closed now, and when they next open. @public */
export interface StagePromotionWindow {
  /** Names the window responsible, as the refusal of a promotion does. */
  reason: string;
  /** When promotions next open (ISO 8601); absent when no opening is known within a year. */
  nextOpen?: string;
}

/** The phases of a verification, as those of Argo Rollouts' AnalysisRun. @public */
export type VerificationPhase =
  | 'Pending'
  | 'Running'
  | 'Successful'
  | 'Failed'
  | 'Error'
  | 'Aborted'
  | 'Inconclusive';

/** One measurement of a verification's metric. @public */
export interface VerificationMeasurement {
  metric: string;
  phase: 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
  /** The measured result, as text. */
  value?: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
}

/**
 * A verification of a stage's freight collection: the metrics of the AnalysisTemplates its `verification` names,
 * run with Argo Rollouts' semantics; Successful marks the freight verified in the stage.
 *
 * @public
 */
export interface StageVerification {
  id: string;
  phase: VerificationPhase;
  /** Kargo's id of the freight collection verified. */
  collection: string;
  freight: string[];
  /** 1 for the collection's first verification, one more for each re-verification. */
  attempt: number;
  /** Who asked for a re-verification; absent when the stage started it. */
  actor?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  abortedBy?: string;
  /** The templates run, as `<kind>/<name>`. */
  templates: string[];
  /** The stage's `verification.analysisRunMetadata`, kept with the verification. */
  runMetadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  measurements: VerificationMeasurement[];
}

/** Auto-promotion of a stage, as the pipeline shows it. @public */
export interface StageAutoPromotion {
  enabled: boolean;
  /** Absent when there are none. */
  holds?: Array<{
    /** The warehouse whose freight is no longer auto-promoted. */
    origin: string;
    /** The freight the user promoted. */
    freight: string;
    promotion: string;
    actor: string;
    rollback: boolean;
    since: string;
  }>;
}

/**
 * Health of a stage or of one of its applications, as Kargo's `HealthState`. When several are combined the
 * worst wins, in the order Healthy, NotApplicable, Progressing, Unknown, Unhealthy.
 *
 * @public
 */
export type HealthState =
  | 'Healthy'
  | 'Progressing'
  | 'Unknown'
  | 'Unhealthy'
  | 'NotApplicable';

/**
 * One Argo CD Application a stage's health checks watch (or its `kargo.akuity.io/argocd-context` names).
 *
 * @public
 */
export interface ApplicationHealth {
  /** The configured cluster the Application lives on. */
  cluster: string;
  namespace: string;
  name: string;
  /** What the app contributes to the stage's health; `NotApplicable` for an app only the argocd-context names. */
  status: HealthState;
  /** Why the app is not Healthy. */
  message?: string;
  /** Argo CD's sync status (Synced, OutOfSync, Unknown); absent when the app is missing. */
  syncStatus?: string;
  /** The revision the app is synced to (the first source's for a multi-source app). */
  revision?: string;
  /** The revisions of a multi-source app, one per source. */
  revisions?: string[];
  /** The revisions the promotion asked for, one per source ('' when it asked for none). */
  desiredRevisions?: string[];
  /** Argo CD's own health (Healthy, Progressing, Degraded, Suspended, Missing, Unknown). */
  healthStatus?: string;
  /** The app in the Argo CD UI (`kargo.argocd.url`), titled by `kargo.argocd.title`. */
  link?: { url: string; title: string };
}

/**
 * A stage's health as Kargo evaluates it from the health checks of its last successful promotion, kept current
 * from a watch of the Argo CD Applications: `Unknown` while a promotion of the stage runs or after one that did
 * not succeed, `NotApplicable` when there are no health checks.
 *
 * @public
 */
export interface StageHealth {
  status: HealthState;
  /** The issues found, joined; absent when Healthy. */
  message?: string;
  /** When this health was first evaluated as it is (it is rewritten only when it changes). */
  updatedAt?: string;
  /** The promotion whose health checks were evaluated. */
  promotion?: string;
  applications: ApplicationHealth[];
}

/**
 * How many freight collections of a stage the API shows, as Kargo keeps in a Stage's `status.freightHistory`;
 * the store keeps them all.
 *
 * @public
 */
export const FREIGHT_HISTORY_LIMIT = 10;

/**
 * The pipeline counts eligible freight up to this number (more shows as "100+"), so that its cost stays the same
 * whatever the length of the history: deciding whether more are eligible reads up to this many index entries per
 * stage, which at 1,000 was about a third of the pipeline's time with 50 stages.
 *
 * @public
 */
export const ELIGIBLE_FREIGHT_COUNT_LIMIT = 100;

/** A project's stages in pipeline order. @public */
export interface Pipeline {
  project: string;
  warehouses: string[];
  stages: PipelineStage[];
}

/** The response of `GET /projects`. @public */
export interface ProjectList {
  items: ProjectSummary[];
}
