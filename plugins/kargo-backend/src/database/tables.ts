// Row types of the Kargo store, as the database returns them. Mapped to domain objects in ./mappers.ts only.

export interface DefinitionSourceRow {
  source_key: string;
  kind: string;
  target: string;
  current_version: number | null;
  last_error: string | null;
  last_error_at: string | null;
  checked_at: string;
}

export interface DefinitionVersionRow {
  source_key: string;
  version: number;
  content_hash: string;
  content: string;
  projects: string;
  /** JSON ManifestNote[]; null for versions stored before notes were kept. */
  notes: string | null;
  created_by: string | null;
  created_at: string;
}

export interface FreightRow {
  project: string;
  id: string;
  alias: string;
  origin_kind: string;
  origin_name: string;
  commits: string;
  images: string;
  charts: string;
  /** JSON; null when the freight has no generic artifacts. */
  artifacts?: string | null;
  created_at: string;
}

export interface FreightStageRow {
  project: string;
  freight_id: string;
  stage: string;
  currently_in: boolean | number;
  current_since: string | null;
  verified_at: string | null;
  longest_soak_ms: string | number | null;
  approved_at: string | null;
  approved_by: string | null;
  /** The freight's origin (copied: it never changes), for reads by stage and origin. */
  origin_name: string | null;
}

export interface StageHistoryRow {
  seq: string | number;
  project: string;
  stage: string;
  freight_id: string;
  promotion_id: string | null;
  promoted_at: string;
  /** Kargo's id of the collection the stage ran from this entry on (migration 20261203070000). */
  collection_id: string | null;
  /** That collection as JSON: `{"Warehouse/<name>": "<freight id>"}`. */
  collection: string | null;
}

export interface PromotionRow {
  id: string;
  project: string;
  stage: string;
  freight_id: string;
  phase: string;
  message: string | null;
  steps: string;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  abort_requested_by: string | null;
  /** Whether the promotion is a rollback (migration 20261203074000). */
  rollback: boolean | number;
}

/** The columns of a {@link PromotionRow}: a promotion without its run's lease, plan and state. */
export const PROMOTION_COLUMNS = [
  'id',
  'project',
  'stage',
  'freight_id',
  'phase',
  'message',
  'steps',
  'created_by',
  'created_at',
  'started_at',
  'finished_at',
  'abort_requested_by',
  'rollback',
] as const satisfies ReadonlyArray<keyof PromotionRow>;

export interface StageHealthRow {
  project: string;
  stage: string;
  status: string;
  /** The StageHealth as JSON, without `updatedAt`. */
  health: string;
  updated_at: string;
}

export interface WarehouseRow {
  project: string;
  name: string;
  refresh_requested_at: string | null;
  refresh_requested_by: string | null;
  last_discovery_at: string | null;
  last_error: string | null;
  discovered: string | null;
  last_attempt_at: string | null;
  last_error_at: string | null;
}

export interface MetadataRow {
  project: string;
  kind: string;
  name: string;
  key: string;
  /** The value as JSON text. */
  value: string;
}

/** A promotion row with the worker's columns (migration 20261124130000_promotion_runner). */
export interface PromotionRunRow extends PromotionRow {
  claimed_by: string | null;
  lease_expires_at: string | null;
  next_run_at: string | null;
  /** Set by `wakeWaitingForPullRequest` (migration 20261203080000_promotion_wake); cleared by a claim. */
  wake_requested_at: string | null;
  current_step: number | null;
  plan: string | null;
  run_state: string | null;
  run_count: number | string;
  /** The health checks of the succeeded steps, JSON (migration 20261203090000_stage_health). */
  health_checks: string | null;
}

export interface VerificationRow {
  id: string;
  project: string;
  stage: string;
  collection_id: string;
  /** JSON string[] */
  freight_ids: string;
  attempt: number | string;
  actor: string | null;
  phase: string;
  message: string | null;
  /** JSON VerificationAnalysis */
  analysis: string;
  /** JSON Measurement[] */
  measurements: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  aborted_by: string | null;
  worker_id: string | null;
  lease_expires_at: string | null;
  next_run_at: string | null;
}
