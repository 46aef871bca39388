import type { ManifestNote } from '../manifests/parse';
import { Chart, Freight, GitCommit, Image } from '../freight/types';
import type { DiscoveredArtifacts } from './discovery';

/** A commit as freight carries it. @public */
export type FreightCommit = GitCommit;

/** A container image as freight carries it. @public */
export type FreightImage = Image;

/** A Helm chart as freight carries it. @public */
export type FreightChart = Chart;

/** An immutable bundle of artifact versions that moves through the stages. @public */
export type FreightRecord = Freight;

/** Where a freight is, was verified and is approved. @public */
export interface FreightStatus {
  currentlyIn: string[];
  verifiedIn: Record<string, { verifiedAt?: string; longestSoakMs?: number }>;
  approvedFor: Record<string, { approvedAt: string; approvedBy?: string }>;
  /** Every stage the freight has been in (current ones included), from the stages' histories. */
  previouslyIn?: string[];
}

/** Freight with its status, as the API serves it. @public */
export interface FreightView extends FreightRecord {
  status: FreightStatus;
  /** What `set-metadata` steps set on the freight (Kargo's `status.metadata`), key by key; absent when nothing. */
  metadata?: Record<string, unknown>;
}

/** Phases of a promotion: the last four are terminal. @public */
export type PromotionPhase =
  | 'Pending'
  | 'Running'
  | 'Succeeded'
  | 'Failed'
  | 'Errored'
  | 'Aborted';

/** Terminal phases of a promotion. @public */
export const TERMINAL_PROMOTION_PHASES: readonly PromotionPhase[] = [
  'Succeeded',
  'Failed',
  'Errored',
  'Aborted',
];

/** State of one step of a promotion. @public */
export interface PromotionStepState {
  alias: string;
  uses?: string;
  status:
    | 'Pending'
    | 'Running'
    | 'Succeeded'
    | 'Skipped'
    | 'Failed'
    | 'Errored'
    | 'Aborted';
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Whether a failure of this step leaves the promotion's phase alone (`continueOnError`). */
  continueOnError?: boolean;
  /** How many times the step was started, retries and runs after a crash included. */
  attempts?: number;
  /** Consecutive retryable errors so far, counted against `retry.errorThreshold`. */
  errorCount?: number;
  /** When a waiting (`Running`) or retrying step runs next. */
  nextAttemptAt?: string;
  /** The step's output (`outputs['<alias>']` in later steps), with known secrets redacted. */
  output?: Record<string, unknown>;
  /** The step's log, with known secrets redacted; long logs keep their first and last lines. */
  log?: PromotionStepLogEntry[];
}

/** One line of a promotion step's log. @public */
export interface PromotionStepLogEntry {
  time: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** A request to move a freight into a stage. @public */
export interface Promotion {
  id: string;
  project: string;
  stage: string;
  freight: string;
  phase: PromotionPhase;
  message?: string;
  steps: PromotionStepState[];
  createdBy?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Who asked to abort the promotion, while it is being aborted and after. */
  abortRequestedBy?: string;
  /**
   * Present (true) when the promotion is a rollback: it moves freight from the stage's history that the stage no
   * longer runs (Kargo's `kargo.akuity.io/rollback`, `ctx.meta.promotion.rollback` in steps).
   */
  rollback?: boolean;
}

/** One freight of a {@link FreightCollection}: its id (Kargo's name) and origin. @public */
export interface FreightCollectionItem {
  origin: { kind: 'Warehouse'; name: string };
  name: string;
}

/**
 * What a stage runs at one point, as Kargo's FreightCollection: one freight per origin. @public
 */
export interface FreightCollection {
  /** Kargo's collection id: the SHA-1 (hex) of the sorted freight names joined with commas. */
  id: string;
  /** The freight, one per origin, ordered by origin. */
  items: FreightCollectionItem[];
}

/**
 * One entry of a stage's freight history, newest first in lists: the freight a promotion moved in, and the
 * collection the stage ran from then on (that freight with the stage's freight of its other origins). @public
 */
export interface StageHistoryEntry {
  freight: string;
  promotion?: string;
  promotedAt: string;
  collection: FreightCollection;
}

/** A page of a list; pass `nextCursor` back as `cursor` for the next one. @public */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Discovery state of a warehouse. @public */
export interface WarehouseStatus {
  project: string;
  name: string;
  /** `Automatic` (freight from every change) or `Manual` (users create freight from the discovered artifacts). */
  freightCreationPolicy?: 'Automatic' | 'Manual';
  /** The warehouse's poll interval, as written in its manifest (e.g. `5m0s`). */
  interval?: string;
  refreshRequestedAt?: string;
  refreshRequestedBy?: string;
  /** When discovery last ran, successful or not. */
  lastAttemptAt?: string;
  /** When discovery last succeeded. */
  lastDiscoveryAt?: string;
  /** Why the last discovery failed; cleared by the next successful one. */
  lastError?: string;
  /** What the last successful discovery found. */
  discovered?: DiscoveredArtifacts;
  /** The newest freight of the warehouse, when it has any. */
  latestFreight?: string;
}

/** State of one manifest source. @public */
export interface DefinitionSourceStatus {
  key: string;
  kind: 'file' | 'url' | 'api';
  target: string;
  version?: number;
  projects: string[];
  lastError?: string;
  lastErrorAt?: string;
  checkedAt: string;
  /**
   * What became of the current version's documents that are not plain Kargo manifests (AnalysisTemplates kept,
   * other kinds skipped, credential Secrets refused), and its warnings (deprecated fields, repeated keys).
   */
  notes?: ManifestNote[];
}

/** The artifacts a user chose for a freight of a warehouse, one per subscription. @public */
export interface FreightSelection {
  images?: Array<{ repoURL: string; tag: string }>;
  commits?: Array<{ repoURL: string; id: string }>;
  charts?: Array<{ repoURL: string; name?: string; version: string }>;
  /** Revisions of subscriptions of other types, by subscription name. */
  artifacts?: Array<{ subscriptionName: string; version: string }>;
}

/** A webhook receiver of a project and the path it is reached at. @public */
export interface WebhookReceiverStatus {
  project: string;
  name: string;
  provider: string;
  /** Path under the plugin's base URL; the last segment is derived from the receiver's secret. */
  path?: string;
  /** Why the receiver cannot receive (e.g. its secret is not configured). */
  problem?: string;
}
