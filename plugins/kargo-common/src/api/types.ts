import type { ApplicationHealth, StageHealth } from './generated/schemas';
import { FreightRecord, Promotion } from './model';

// Stage health is new: its types are the OpenAPI schema's own, so the client cannot promise a field the
// backend does not send.
export type { ApplicationHealth, StageHealth };

/**
 * A stage's or an application's health as Kargo names it; the worst of a stage's applications wins.
 *
 * @public
 */
export type HealthStatus = StageHealth['status'];

/** A Kargo project as listed by the API. @public */
export interface ProjectSummary {
  name: string;
  stageCount: number;
  warehouseCount: number;
}

/** One stage of a project's pipeline. @public */
export interface PipelineStage {
  name: string;
  /** The `kargo.akuity.io/color` annotation, when set. */
  color?: string;
  upstream: string[];
  warehouses: string[];
  depth: number;
  /** The freight the stage runs now. */
  currentFreight?: FreightRecord;
  /** The newest promotion of the stage, whatever its phase. */
  lastPromotion?: Promotion;
  /**
   * How many freight the stage may receive now, counted up to {@link ELIGIBLE_FREIGHT_COUNT_LIMIT}: when
   * {@link PipelineStage.eligibleFreightCountCapped} is true there are more.
   */
  eligibleFreightCount: number;
  /** True when more than `eligibleFreightCount` freight are eligible (shown as "1000+"). */
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
   * Health of the stage's Argo CD applications, evaluated from the health checks of its last successful
   * promotion and kept current from a watch; absent when the stage has none.
   */
  health?: StageHealth;
}

/**
 * The pipeline counts eligible freight up to this number, so that it stays fast with a long history.
 *
 * @public
 */
export const ELIGIBLE_FREIGHT_COUNT_LIMIT = 1000;

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
