import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError, stringifyError } from '@backstage/errors';
import { Freight, FreightView } from '@kargo-portal/plugin-kargo-common';
import { formatDuration } from '../../expressions';
import {
  PromotionCredentials,
  PromotionStepEffect,
} from '@kargo-portal/plugin-kargo-node';
import { KargoStores } from '../../stores/KargoStores';
import { ClaimedPromotion } from '../../stores/PromotionStore';
import {
  PromotionPlan,
  PromotionPlanError,
  planPromotion,
} from '../engine/plan';
import { PromotionEngine } from '../engine/PromotionEngine';
import { SaveRunState } from '../engine/StepRun';
import {
  FinishedOutcome,
  PromotionRunState,
  RunOutcome,
  StepEffectError,
} from '../engine/types';
import { PromotionWorkerSettings } from './config';
import { DefinitionCatalog } from '../../definitions/DefinitionCatalog';
import {
  RecoveryContext,
  countInterruption,
  restartFromFirstStep,
} from './recovery';
import { PromotionWorkDirs } from './workDirs';

/** The stores the promotion worker uses. */
export type PromotionWorkerStores = Pick<
  KargoStores,
  'promotions' | 'freight' | 'stages'
>;

/** Where the worker reads stages and (Cluster)PromotionTasks: the current catalog of definitions. */
export interface PromotionWorkerDefinitions {
  getCatalog(): Promise<
    Pick<
      DefinitionCatalog,
      'getProject' | 'getPromotionTask' | 'getClusterPromotionTask'
    >
  >;
}

/** What a run of a claimed promotion needs from its worker. */
export interface PromotionRunnerOptions {
  workerId: string;
  stores: PromotionWorkerStores;
  definitions: PromotionWorkerDefinitions;
  engine: PromotionEngine;
  workDirs: PromotionWorkDirs;
  settings: PromotionWorkerSettings;
  logger: LoggerService;
  now: () => Date;
  credentials: PromotionCredentials;
  uiBaseUrl?: string;
  /** Aborted when the worker stops: runs end at the next step boundary. */
  stopSignal: () => AbortSignal;
}

/**
 * What one run has not written yet: the plan until its first write, and whether the state changed since the
 * last write (at first: recovery may have changed it).
 */
class DeferredProgress {
  pending = true;

  constructor(
    private readonly state: PromotionRunState,
    private plan: PromotionPlan | undefined,
  ) {}

  defer(): void {
    this.pending = true;
  }

  /** What the next write carries. */
  toWrite(): { state: PromotionRunState; plan?: PromotionPlan } {
    return { state: this.state, plan: this.plan };
  }

  /** The write succeeded: nothing is pending. */
  written(): void {
    this.plan = undefined;
    this.pending = false;
  }
}

/**
 * Runs a promotion its worker claimed: plans it, runs its steps with the engine as far as they go, saves each
 * step change and ends it, or gives it back when it waits.
 */
export class PromotionRunner {
  private readonly recovery: RecoveryContext;

  constructor(private readonly options: PromotionRunnerOptions) {
    this.recovery = options;
  }

  private async plan(claimed: ClaimedPromotion): Promise<PromotionPlan> {
    const catalog = await this.options.definitions.getCatalog();
    const project = catalog.getProject(claimed.project);
    const stage = project?.stages.find(s => s.metadata.name === claimed.stage);
    if (!stage) {
      throw new PromotionPlanError(
        `Stage "${claimed.stage}" is not defined in project "${claimed.project}"`,
      );
    }
    return planPromotion({
      project: claimed.project,
      stage,
      warehouses: project?.warehouses ?? [],
      tasks: catalog,
    });
  }

  /** Runs a claimed promotion until it ends, waits, or `signal` interrupts it. */
  async execute(claimed: ClaimedPromotion, signal: AbortSignal): Promise<void> {
    let plan = claimed.plan;
    if (!plan) {
      try {
        plan = await this.plan(claimed);
      } catch (error) {
        if (!(error instanceof PromotionPlanError)) throw error;
        await this.finish(claimed, {
          outcome: {
            kind: 'finished',
            phase: 'Errored',
            message: error.message,
          },
        });
        return;
      }
    }
    const state = claimed.state ?? PromotionEngine.initialState(plan);

    if (claimed.abortRequestedBy) {
      await this.finish(claimed, {
        plan,
        state,
        outcome: this.options.engine.abort(state, claimed.abortRequestedBy),
      });
      return;
    }

    countInterruption(claimed, state, this.recovery);

    const workDir = await this.options.workDirs.prepare(claimed.id);
    if (workDir.fresh && state.steps.some(s => s.startedAt)) {
      restartFromFirstStep(claimed, state, this.recovery);
    }

    const targetFreight = await this.options.stores.freight.getFreight(
      claimed.project,
      claimed.freightId,
    );
    if (!targetFreight) {
      await this.finish(claimed, {
        plan,
        state,
        outcome: {
          kind: 'finished',
          phase: 'Errored',
          message: `Freight "${claimed.freightId}" no longer exists in project "${claimed.project}"`,
        },
      });
      return;
    }
    const { status: _status, metadata: _metadata, ...target } = targetFreight;
    // What the steps see (`imageFrom`, `commitFrom`, ...): the target freight and the stage's current freight
    // of its other origins, the collection the stage will run once the promotion succeeds.
    const freight: Freight[] = [target];
    const summary = (
      await this.options.stores.stages.getStageSummaries(claimed.project, [
        claimed.stage,
      ])
    ).find(s => s.stage === claimed.stage);
    for (const current of summary?.current ?? []) {
      if (current.freight.origin.name !== target.origin.name) {
        freight.push(current.freight);
      }
    }

    // Writes that may wait for the next one (the plan and the state as recovery left it, a step that ended
    // without effects) are made by it: the next step's start, a wait, or the promotion's end. Nothing outside the
    // database happens in between, so every step's start is still durable before the step acts, and its end
    // before the next one acts; one write instead of two per step.
    const progress = new DeferredProgress(
      state,
      claimed.plan ? undefined : plan,
    );
    const write = async (effects?: PromotionStepEffect[]) => {
      await this.save(claimed, progress.toWrite(), effects);
      progress.written();
    };

    let outcome: RunOutcome;
    try {
      outcome = await this.run(claimed, plan, state, {
        workDir: workDir.path,
        target,
        freight,
        signal,
        save: async (_state, effects, options) => {
          if (options?.deferrable) progress.defer();
          else await write(effects);
        },
      });
    } catch (error) {
      // What was deferred is written before the run gives up, so that the step that ended is not run again.
      if (progress.pending) await write().catch(() => undefined);
      throw error;
    }

    switch (outcome.kind) {
      case 'finished':
        // The promotion's end writes the plan and the state.
        await this.finish(claimed, { plan, state, outcome });
        return;
      case 'waiting':
        // The engine wrote the waiting step, and with it whatever was deferred.
        await this.options.stores.promotions.release({
          id: claimed.id,
          workerId: this.options.workerId,
          nextRunAt: outcome.nextRunAt,
        });
        return;
      default:
        if (outcome.reason === 'shutdown') {
          await write();
          await this.options.stores.promotions.release({
            id: claimed.id,
            workerId: this.options.workerId,
          });
        } else {
          this.options.logger.warn(
            `Promotion ${claimed.id} was taken over by another worker`,
          );
        }
    }
  }

  private run(
    claimed: ClaimedPromotion,
    plan: PromotionPlan,
    state: PromotionRunState,
    options: {
      workDir: string;
      target: Freight;
      freight: Freight[];
      signal: AbortSignal;
      save: SaveRunState;
    },
  ): Promise<RunOutcome> {
    const { freight, target, signal } = options;
    return this.options.engine.run({
      plan,
      state,
      context: {
        project: claimed.project,
        stage: claimed.stage,
        promotion: claimed.id,
        actor: claimed.actor,
        rollback: claimed.rollback,
        workDir: options.workDir,
        targetFreight: target,
        freight,
        credentials: this.options.credentials,
        uiBaseUrl: this.options.uiBaseUrl,
      },
      signal,
      stopSignal: this.options.stopSignal(),
      save: options.save,
      loadMetadata: async () => {
        const [stages, freightMetadata] = await Promise.all([
          this.options.stores.stages.getMetadata({
            project: claimed.project,
            kind: 'Stage',
          }),
          this.options.stores.stages.getMetadata({
            project: claimed.project,
            kind: 'Freight',
          }),
        ]);
        // freightStatus() reads the status of the promotion's own freight, as it is when the step runs.
        const freightStatus: Record<string, Record<string, unknown>> = {};
        for (const { id } of freight) {
          const view = await this.options.stores.freight.getFreight(
            claimed.project,
            id,
          );
          if (view) freightStatus[id] = kargoFreightStatus(view);
        }
        return { stages, freight: freightMetadata, freightStatus };
      },
    });
  }

  /**
   * Saves the run state. With effects (a step just succeeded), they are applied in the same transaction: after
   * a crash either both happened or the step runs again, and the effects repeat harmlessly. A Stage the project
   * does not define, an unknown Freight or an alias another Freight holds, fails the whole transaction with a
   * {@link StepEffectError} naming it.
   */
  private async save(
    claimed: ClaimedPromotion,
    { state, plan }: { state: PromotionRunState; plan?: PromotionPlan },
    effects?: PromotionStepEffect[],
  ): Promise<void> {
    const { promotions } = this.options.stores;
    const progress = {
      id: claimed.id,
      workerId: this.options.workerId,
      plan,
      state,
    };
    if (!effects) {
      await promotions.saveProgress(progress);
      return;
    }
    const stages = (await this.options.definitions.getCatalog())
      .getProject(claimed.project)
      ?.stages.map(s => s.metadata.name);
    try {
      await promotions.saveProgress({
        ...progress,
        effects: { effects, stages: stages ?? [] },
      });
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof InputError) {
        throw new StepEffectError(error.message);
      }
      throw error;
    }
  }

  private async finish(
    claimed: ClaimedPromotion,
    options: {
      outcome: FinishedOutcome;
      plan?: PromotionPlan;
      state?: PromotionRunState;
    },
  ): Promise<void> {
    const { outcome } = options;
    const now = this.options.now();
    // A stage without verification verifies its new freight as soon as it runs it, as Kargo does for a healthy
    // stage (Argo CD health is not read yet); a stage with a verification leaves it to the verification.
    const stage = (await this.options.definitions.getCatalog())
      .getProject(claimed.project)
      ?.stages.find(s => s.metadata.name === claimed.stage);
    const verifyAtOnce = Boolean(stage && !stage.spec.verification);
    try {
      await this.options.stores.promotions.finish({
        id: claimed.id,
        workerId: this.options.workerId,
        phase: outcome.phase,
        message: outcome.message,
        plan: claimed.plan ? undefined : options.plan,
        state: options.state,
        now,
        verifyAtOnce,
      });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      // The freight went away while the promotion ran.
      await this.options.stores.promotions.finish({
        id: claimed.id,
        workerId: this.options.workerId,
        phase: 'Errored',
        message: error.message,
        state: options.state,
        now,
      });
    }
    this.options.logger.info(
      `Promotion ${claimed.id} of ${claimed.project}/${claimed.stage} ended ${outcome.phase}`,
    );
    await this.options.workDirs
      .remove(claimed.id)
      .catch(error =>
        this.options.logger.warn(
          `Could not remove the work directory of promotion ${
            claimed.id
          }: ${stringifyError(error)}`,
        ),
      );
  }
}

/**
 * A freight's status as Kargo's Freight `status` marshals to JSON, for `freightStatus()`: stages it is in, verified
 * in (with the longest soak as a Go duration) and approved for, and its metadata.
 */
export function kargoFreightStatus(view: FreightView): Record<string, unknown> {
  const { status } = view;
  return {
    currentlyIn: Object.fromEntries(
      status.currentlyIn.map(stage => [stage, {}]),
    ),
    verifiedIn: Object.fromEntries(
      Object.entries(status.verifiedIn).map(([stage, v]) => [
        stage,
        {
          ...(v.verifiedAt ? { verifiedAt: v.verifiedAt } : {}),
          ...(v.longestSoakMs !== undefined
            ? {
                longestSoak: formatDuration(
                  BigInt(v.longestSoakMs) * 1_000_000n,
                ),
              }
            : {}),
        },
      ]),
    ),
    approvedFor: Object.fromEntries(
      Object.entries(status.approvedFor).map(([stage, a]) => [
        stage,
        { approvedAt: a.approvedAt },
      ]),
    ),
    ...(view.metadata ? { metadata: view.metadata } : {}),
  };
}
