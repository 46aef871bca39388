import {
  PipelineStage,
  PromotionPhase,
  StageHealth,
  TERMINAL_PROMOTION_PHASES,
} from '@kargo-portal/plugin-kargo-common';
import {
  arrayField,
  field,
  numberField,
  objectField,
  stringField,
} from './read';

/** Verification of the stage's current freight. */
export interface StageVerification {
  /** `Pending`, `Running`, `Successful`/`Verified`, `Failed`, `Error`, `Aborted`, `Inconclusive`. */
  phase: string;
  message?: string;
  at?: string;
  /**
   * True when the verification is of a freight collection the stage no longer runs (it moved on or rolled back
   * since, and its current collection was verified before or not yet).
   */
  earlier?: boolean;
}

/** How long the current freight has soaked in the stage, against what downstream stages require. */
export interface StageSoak {
  since: string;
  requiredMs: number;
}

/** Phases in which a verification still runs: it can be aborted, not re-verified. */
export function isVerificationActive(phase: string | undefined): boolean {
  return phase === 'Pending' || phase === 'Running';
}

/** Phases in which a promotion still changes: the card keeps polling while one of these is shown. */
export function isActivePhase(phase: PromotionPhase | undefined): boolean {
  return phase !== undefined && !TERMINAL_PROMOTION_PHASES.includes(phase);
}

/**
 * The stage's health as the views show it: none when the backend has not evaluated it, nor when it is
 * NotApplicable without any application (a stage without Argo CD has nothing to show).
 */
export function shownHealth(stage: PipelineStage): StageHealth | undefined {
  const health = stage.health;
  if (!health) return undefined;
  return health.status === 'NotApplicable' && health.applications.length === 0
    ? undefined
    : health;
}

/**
 * True while the stage's health is expected to change soon: Progressing or Unknown after a promotion that
 * succeeded (Argo CD still rolling out, or not reconciled since the sync). Without signals, the views poll while
 * one of these is shown. Unknown after a promotion that failed stays so until the next one: no polling for it.
 */
export function isHealthSettling(stage: PipelineStage): boolean {
  const status = stage.health?.status;
  return (
    (status === 'Progressing' || status === 'Unknown') &&
    stage.lastPromotion?.phase === 'Succeeded'
  );
}

/** A revision as people read it: commit SHAs (40 or 64 hex digits) shortened to 7, tags and versions whole. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(revision)
    ? revision.slice(0, 7)
    : revision;
}

/**
 * Verification of the current freight: the stage's newest verification, else the current freight's own status
 * when it is verified in the stage (`verifiedIn`: a stage without verification verifies its freight at once).
 */
export function stageVerification(
  stage: PipelineStage,
): StageVerification | undefined {
  const { verification } = stage;
  if (verification) {
    return {
      phase: verification.phase,
      message: verification.message,
      at: verification.finishedAt ?? verification.startedAt,
      ...(isEarlierVerification(stage) ? { earlier: true } : {}),
    };
  }
  const verifiedIn = objectField(
    field(stage.currentFreight, 'status'),
    'verifiedIn',
  );
  const mine = verifiedIn?.[stage.name];
  if (mine) {
    return { phase: 'Verified', at: stringField(mine, 'verifiedAt') };
  }
  return undefined;
}

/**
 * True when the stage's newest verification is of a freight collection other than the one it runs now (the
 * first entry of its freight history): the pipeline serves the newest verification, and a rollback to a
 * collection verified before starts none.
 */
export function isEarlierVerification(stage: PipelineStage): boolean {
  const current = stage.freightHistory?.[0]?.collection.id;
  return Boolean(
    stage.verification && current && stage.verification.collection !== current,
  );
}

/** Soak progress of the current freight, from the optional `soak` field of newer backends. */
export function stageSoak(stage: PipelineStage): StageSoak | undefined {
  const soak = field(stage, 'soak');
  const since = stringField(soak, 'since');
  const requiredMs = numberField(soak, 'requiredMs');
  return since && requiredMs ? { since, requiredMs } : undefined;
}

/**
 * Every warehouse a stage takes freight from. Newer backends serve it (`origins`); otherwise it is the stage's
 * direct warehouses plus those of its upstream stages, which is exact unless a stage requests only some of
 * its upstream's origins.
 */
export function stageOrigins(
  stages: PipelineStage[],
): Map<string, Set<string>> {
  const origins = new Map<string, Set<string>>();
  // Stages come in pipeline order: upstream stages are resolved before their downstream stages.
  for (const stage of stages) {
    const served = arrayField(stage, 'origins').filter(
      (o): o is string => typeof o === 'string',
    );
    const set = new Set<string>(served.length > 0 ? served : stage.warehouses);
    if (served.length === 0) {
      for (const up of stage.upstream) {
        for (const o of origins.get(up) ?? []) set.add(o);
      }
    }
    origins.set(stage.name, set);
  }
  return origins;
}

/**
 * The stages an entity's card shows: all of them, or with the `kargo/warehouses` annotation, those fed by one of
 * the named warehouses (directly or through upstream stages). Pipeline order is kept.
 */
export function narrowStages(
  stages: PipelineStage[],
  warehouses: string[] | undefined,
): PipelineStage[] {
  if (!warehouses || warehouses.length === 0) return stages;
  const origins = stageOrigins(stages);
  return stages.filter(s => warehouses.some(w => origins.get(s.name)?.has(w)));
}

/** The `kargo/warehouses` annotation as a list; undefined when absent or empty. */
export function parseWarehousesAnnotation(
  value: string | undefined,
): string[] | undefined {
  const list = (value ?? '')
    .split(',')
    .map(w => w.trim())
    .filter(Boolean);
  return list.length > 0 ? list : undefined;
}
