import type { DiscoveredArtifacts } from '@kargo-portal/plugin-kargo-common';
import {
  DefinitionSourceStatus,
  ManifestNote,
  FreightRecord,
  FreightStatus,
  Promotion,
  PromotionPhase,
  PromotionStepState,
  StageHealth,
  StageHistoryEntry,
  WarehouseStatus,
} from '@kargo-portal/plugin-kargo-common';
import { PromotionHealthCheck } from '@kargo-portal/plugin-kargo-node';
import {
  FreightByOrigin,
  freightCollectionOf,
} from '../freight/freightCollection';
import { withoutRepoCredentials } from '../git/redact';
import { PromotionPlan } from '../promotion/engine/plan';
import { PromotionRunState } from '../promotion/engine/types';
import { FreightStageState } from '../stores/FreightStore';
import {
  ClaimedPromotion,
  FinishedPhase,
  StageHealthSubject,
} from '../stores/PromotionStore';
import {
  DefinitionSourceRow,
  FreightRow,
  FreightStageRow,
  PromotionRow,
  PromotionRunRow,
  StageHistoryRow,
  StageHealthRow,
  WarehouseRow,
} from './tables';

// The one place rows become domain objects.

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`Corrupt ${what} in the Kargo store: ${error}`);
  }
}

const optional = <T>(value: T | null): T | undefined => value ?? undefined;

export function freightFromRow(row: FreightRow): FreightRecord {
  // Repository URLs are served without credentials, also those of rows stored before they were refused.
  return withoutRepoCredentials({
    id: row.id,
    alias: row.alias,
    project: row.project,
    origin: { kind: 'Warehouse', name: row.origin_name },
    commits: parseJson(row.commits, `commits of freight ${row.id}`),
    images: parseJson(row.images, `images of freight ${row.id}`),
    charts: parseJson(row.charts, `charts of freight ${row.id}`),
    ...(row.artifacts
      ? {
          artifacts: parseJson(row.artifacts, `artifacts of freight ${row.id}`),
        }
      : {}),
    createdAt: row.created_at,
  });
}

export function freightStageStateFromRow(
  row: FreightStageRow,
): FreightStageState {
  const isCurrent = row.currently_in === true || row.currently_in === 1;
  return {
    stage: row.stage,
    currentSince:
      isCurrent && row.current_since ? new Date(row.current_since) : undefined,
    verifiedAt: row.verified_at ? new Date(row.verified_at) : undefined,
    longestSoakMs:
      row.longest_soak_ms === null ? undefined : Number(row.longest_soak_ms),
    approvedAt: row.approved_at ? new Date(row.approved_at) : undefined,
  };
}

export function freightStatusFromRows(rows: FreightStageRow[]): FreightStatus {
  const status: FreightStatus = {
    currentlyIn: [],
    verifiedIn: {},
    approvedFor: {},
  };
  for (const row of rows) {
    if (row.currently_in === true || row.currently_in === 1) {
      status.currentlyIn.push(row.stage);
    }
    if (row.verified_at) {
      status.verifiedIn[row.stage] = {
        verifiedAt: row.verified_at,
        longestSoakMs:
          row.longest_soak_ms === null
            ? undefined
            : Number(row.longest_soak_ms),
      };
    }
    if (row.approved_at) {
      status.approvedFor[row.stage] = {
        approvedAt: row.approved_at,
        approvedBy: optional(row.approved_by),
      };
    }
  }
  status.currentlyIn.sort();
  return status;
}

const phases: PromotionPhase[] = [
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'Errored',
  'Aborted',
];

/** A boolean column: PostgreSQL answers a boolean, SQLite 0 or 1. */
function isTrue(value: boolean | number | null | undefined): boolean {
  return value === true || value === 1;
}

export function promotionFromRow(row: PromotionRow): Promotion {
  const phase = phases.find(p => p === row.phase);
  if (!phase) {
    throw new Error(`Unknown phase "${row.phase}" of promotion ${row.id}`);
  }
  return {
    id: row.id,
    project: row.project,
    stage: row.stage,
    freight: row.freight_id,
    phase,
    message: optional(row.message),
    steps: parseJson<PromotionStepState[]>(
      row.steps,
      `steps of promotion ${row.id}`,
    ),
    createdBy: optional(row.created_by),
    createdAt: row.created_at,
    startedAt: optional(row.started_at),
    finishedAt: optional(row.finished_at),
    abortRequestedBy: optional(row.abort_requested_by),
    ...(isTrue(row.rollback) ? { rollback: true } : {}),
  };
}

export function stageHistoryEntryFromRow(
  row: StageHistoryRow,
): StageHistoryEntry {
  return {
    freight: row.freight_id,
    promotion: row.promotion_id ?? undefined,
    promotedAt: row.promoted_at,
    collection: freightCollectionOf(
      row.collection_id ?? '',
      parseJson<FreightByOrigin>(
        row.collection ?? '{}',
        `freight collection of stage ${row.stage} (entry ${row.seq})`,
      ),
    ),
  };
}

export function warehouseFromRow(row: WarehouseRow): WarehouseStatus {
  return {
    project: row.project,
    name: row.name,
    refreshRequestedAt: optional(row.refresh_requested_at),
    refreshRequestedBy: optional(row.refresh_requested_by),
    lastAttemptAt: optional(row.last_attempt_at),
    lastDiscoveryAt: optional(row.last_discovery_at),
    lastError: optional(row.last_error),
    discovered: row.discovered
      ? withoutRepoCredentials(
          parseJson<DiscoveredArtifacts>(
            row.discovered,
            'discovered artifacts',
          ),
        )
      : undefined,
  };
}

export function sourceFromRow(
  row: DefinitionSourceRow,
  projects: string[],
): DefinitionSourceStatus {
  const kind = (['file', 'url', 'api'] as const).find(k => k === row.kind);
  if (!kind) throw new Error(`Unknown definition source kind "${row.kind}"`);
  return {
    key: row.source_key,
    kind,
    target: row.target,
    version: optional(row.current_version),
    projects,
    lastError: optional(row.last_error),
    lastErrorAt: optional(row.last_error_at),
    checkedAt: row.checked_at,
  };
}

/** The notes of a definition version, from their JSON column (null before notes were kept). */
export function notesFromColumn(text: string | null): ManifestNote[] {
  return parseOptionalJson<ManifestNote[]>(text, 'definition notes') ?? [];
}

function parseOptionalJson<T>(
  text: string | null,
  what: string,
): T | undefined {
  return text === null ? undefined : parseJson<T>(text, what);
}

export function claimedFromRow(row: PromotionRunRow): ClaimedPromotion {
  return {
    id: row.id,
    project: row.project,
    stage: row.stage,
    freightId: row.freight_id,
    rollback: isTrue(row.rollback),
    actor: optional(row.created_by),
    abortRequestedBy: optional(row.abort_requested_by),
    runCount: Number(row.run_count),
    plan: parseOptionalJson<PromotionPlan>(
      row.plan,
      `plan of promotion ${row.id}`,
    ),
    state: runStateFromRow(row),
  };
}

type StoredRunState = Pick<PromotionRunState, 'runtime' | 'outputs'>;

/** The public step states go to `steps` (served by the API); the rest of the run state to private columns. */
export function runStateColumns(
  state: PromotionRunState,
): Pick<PromotionRunRow, 'steps' | 'current_step' | 'run_state'> {
  const stored: StoredRunState = {
    runtime: state.runtime,
    outputs: state.outputs,
  };
  return {
    steps: JSON.stringify(state.steps),
    current_step: state.currentStep,
    run_state: JSON.stringify(stored),
  };
}

function runStateFromRow(row: PromotionRunRow): PromotionRunState | undefined {
  const stored = parseOptionalJson<StoredRunState>(
    row.run_state,
    `run state of promotion ${row.id}`,
  );
  if (!stored) return undefined;
  return {
    currentStep: Number(row.current_step ?? 0),
    steps: parseJson<PromotionRunState['steps']>(
      row.steps,
      `steps of promotion ${row.id}`,
    ),
    runtime: stored.runtime,
    outputs: stored.outputs,
  };
}

const finishedPhases: FinishedPhase[] = [
  'Succeeded',
  'Failed',
  'Errored',
  'Aborted',
];

/** A finished promotion and the health checks it recorded (none when it recorded none, or finished before). */
export function healthChecksFromRow(
  row: Pick<PromotionRunRow, 'id' | 'phase' | 'health_checks'>,
): NonNullable<StageHealthSubject['lastFinished']> {
  const phase = finishedPhases.find(p => p === row.phase);
  if (!phase) {
    throw new Error(`Promotion ${row.id} is not finished (${row.phase})`);
  }
  return {
    id: row.id,
    phase,
    healthChecks: row.health_checks
      ? parseJson<PromotionHealthCheck[]>(
          row.health_checks,
          `health checks of promotion ${row.id}`,
        )
      : [],
  };
}

export function stageHealthFromRow(row: StageHealthRow): StageHealth {
  return {
    ...parseJson<Omit<StageHealth, 'updatedAt'>>(
      row.health,
      `health of stage ${row.stage}`,
    ),
    updatedAt: row.updated_at,
  };
}

/**
 * Whether a Running promotion's current step is `git-wait-for-pr` waiting on the pull request at `prUrl`,
 * as its recorded output (`pr.url`) says; Kargo indexes running promotions by the same output.
 */
export function isWaitingForPullRequest(
  row: Pick<PromotionRunRow, 'id' | 'steps' | 'current_step'>,
  prUrl: string,
): boolean {
  if (row.steps === null || row.current_step === null) return false;
  const steps = parseJson<PromotionRunState['steps']>(
    row.steps,
    `steps of promotion ${row.id}`,
  );
  const step = steps[Number(row.current_step)];
  const pr: unknown = step?.output?.pr;
  return (
    step?.uses === 'git-wait-for-pr' &&
    step.status === 'Running' &&
    typeof pr === 'object' &&
    pr !== null &&
    'url' in pr &&
    pr.url === prUrl
  );
}
