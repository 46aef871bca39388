import crypto from 'node:crypto';
import os from 'node:os';
import { Knex } from 'knex';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError, NotFoundError, stringifyError } from '@backstage/errors';
import { Freight } from '@kargo-portal/plugin-kargo-common';
import { PromotionCredentials } from '@kargo-portal/plugin-kargo-node';
import { DatabaseKargoStore } from '../../database/DatabaseKargoStore';
import { DefinitionCatalog } from '../../definitions/DefinitionCatalog';
import { createStepExpressions } from '../engine/defaultExpressions';
import { StepExpressions } from '../engine/expressions';
import {
  PromotionPlan,
  PromotionPlanError,
  planPromotion,
} from '../engine/plan';
import {
  PromotionEngine,
  PromotionEngineOptions,
} from '../engine/PromotionEngine';
import { StepRegistry } from '../engine/StepRegistry';
import {
  FinishedOutcome,
  PromotionRunState,
  RunInterruption,
  StepEffectError,
  StepEffects,
} from '../engine/types';
import { PromotionWorkerSettings, readPromotionWorkerSettings } from './config';
import {
  ClaimedPromotion,
  LeaseLostError,
  PromotionRunRepository,
} from './PromotionRunRepository';
import { PromotionWorkDirs } from './workDirs';

/** The store operations the worker uses. */
export type PromotionWorkerStore = Pick<
  DatabaseKargoStore,
  | 'getFreight'
  | 'getStageSummaries'
  | 'setCurrentFreight'
  | 'markVerified'
  | 'upsertMetadata'
  | 'getMetadata'
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

/** Options of {@link createPromotionWorker}. */
export interface PromotionWorkerOptions {
  /** The plugin's database, migrated. */
  database: Knex;
  store: PromotionWorkerStore;
  definitions: PromotionWorkerDefinitions;
  registry: StepRegistry;
  /** The expression language; default: Kargo's, without secrets (see `createStepExpressions`). */
  expressions?: StepExpressions;
  logger: LoggerService;
  /** The root config; `kargo.promotions` is read from it. */
  config: Config;
  /** Identifies this worker in claims; unique per process. Default: host name, process id and a random part. */
  workerId?: string;
  /** Credentials for steps (Git, from Backstage integrations). Default: none. */
  credentials?: PromotionCredentials;
  /** Kargo's `ctx.uiBaseUrl`. */
  uiBaseUrl?: string;
  /** Overrides of `kargo.promotions` (tests). */
  settings?: Partial<PromotionWorkerSettings>;
  /** Engine timings (tests). */
  engine?: Pick<
    PromotionEngineOptions,
    'now' | 'errorRetryDelayMs' | 'defaultRetryAfterMs' | 'minRetryAfterMs'
  >;
}

/**
 * Runs the promotions stored in the database. Start it in the plugin's startup and stop it at shutdown; several
 * replicas may run one each against the same database.
 */
export interface PromotionWorker {
  readonly workerId: string;
  /** Starts looking for promotions to run, every poll interval and whenever a run ends. */
  start(): void;
  /**
   * Stops claiming, lets each run finish the step it is on (up to the shutdown timeout), then gives the
   * promotions back so that another replica continues them.
   */
  stop(): Promise<void>;
  /** Claims what it can now and waits until those runs end or wait; returns how many it claimed (tests). */
  runOnce(): Promise<number>;
  /** Looks for promotions at once instead of at the next poll (a promotion was just created on this replica). */
  notify(): void;
}

const NO_CREDENTIALS: PromotionCredentials = { git: async () => undefined };
/** How long an unexpected error keeps a promotion from being claimed again. */
const ERROR_BACKOFF_MS = 30_000;

interface ActiveRun {
  hard: AbortController;
  done: Promise<void>;
}

class DefaultPromotionWorker implements PromotionWorker {
  readonly workerId: string;
  private readonly settings: PromotionWorkerSettings;
  private readonly repository: PromotionRunRepository;
  private readonly engine: PromotionEngine;
  private readonly workDirs: PromotionWorkDirs;
  private readonly logger: LoggerService;
  private readonly active = new Map<string, ActiveRun>();
  private stopController = new AbortController();
  private loop?: Promise<void>;
  private wake: () => void = () => {};

  constructor(private readonly options: PromotionWorkerOptions) {
    this.workerId =
      options.workerId ??
      `${os.hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
    this.settings = {
      ...readPromotionWorkerSettings(options.config),
      ...options.settings,
    };
    this.repository = new PromotionRunRepository(options.database);
    this.engine = new PromotionEngine({
      registry: options.registry,
      expressions: options.expressions ?? createStepExpressions(),
      ...options.engine,
    });
    this.workDirs = new PromotionWorkDirs(this.settings.workDir);
    this.logger = options.logger.child({ worker: this.workerId });
  }

  private now(): Date {
    return this.options.engine?.now?.() ?? new Date();
  }

  notify(): void {
    this.wake();
  }

  start(): void {
    if (this.loop) return;
    this.stopController = new AbortController();
    this.loop = this.runLoop();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    this.wake();
    await this.loop;
    this.loop = undefined;
    const runs = [...this.active.values()];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>(resolve => {
      timer = setTimeout(() => resolve(true), this.settings.shutdownTimeoutMs);
    });
    const finished = Promise.all(runs.map(r => r.done)).then(() => false);
    if (await Promise.race([finished, timedOut])) {
      const reason: RunInterruption = { kind: 'shutdown' };
      for (const run of runs) run.hard.abort(reason);
      await finished;
    }
    clearTimeout(timer);
  }

  async runOnce(): Promise<number> {
    const runs = await this.claimAndLaunch();
    await Promise.all(runs.map(r => r.done));
    return runs.length;
  }

  private async runLoop(): Promise<void> {
    await this.removeFinishedWorkDirs().catch(error =>
      this.logger.warn(
        `Could not clean up promotion work directories: ${stringifyError(
          error,
        )}`,
      ),
    );
    const stopped = this.stopController.signal;
    while (!stopped.aborted) {
      try {
        await this.claimAndLaunch();
      } catch (error) {
        this.logger.error(
          `Looking for promotions to run failed: ${stringifyError(error)}`,
        );
      }
      // Jitter spreads the replicas' polls.
      const delay = this.settings.pollIntervalMs * (0.8 + Math.random() * 0.4);
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async claimAndLaunch(): Promise<ActiveRun[]> {
    const free = this.settings.concurrency - this.active.size;
    if (free <= 0 || this.stopController.signal.aborted) return [];
    const candidates = await this.repository.findClaimable({
      now: this.now(),
      limit: free * 2,
      exclude: [...this.active.keys()],
    });
    const launched: ActiveRun[] = [];
    for (const id of candidates) {
      if (launched.length >= free) break;
      const claimed = await this.repository.claim({
        id,
        workerId: this.workerId,
        now: this.now(),
        leaseMs: this.settings.leaseMs,
      });
      if (claimed) launched.push(this.launch(claimed));
    }
    return launched;
  }

  private launch(claimed: ClaimedPromotion): ActiveRun {
    const hard = new AbortController();
    const stopHeartbeat = this.startHeartbeat(claimed.id, hard);
    const done = this.execute(claimed, hard.signal)
      .catch(error => this.onRunError(claimed, error))
      .finally(() => {
        stopHeartbeat();
        this.active.delete(claimed.id);
        this.wake();
      });
    const run = { hard, done };
    this.active.set(claimed.id, run);
    return run;
  }

  /**
   * Keeps the lease alive, and turns a user's abort request or the loss of the lease into an abort of the run.
   * When the database cannot be reached for most of a lease, the run stops: another replica may take over.
   */
  private startHeartbeat(id: string, hard: AbortController): () => void {
    let lastHeld = Date.now();
    // Often enough to keep the lease, and to notice an abort request about as fast as new promotions.
    const interval = Math.max(
      250,
      Math.floor(
        Math.min(this.settings.leaseMs / 3, this.settings.pollIntervalMs),
      ),
    );
    const beat = async () => {
      try {
        const { held, abortRequestedBy } = await this.repository.heartbeat({
          id,
          workerId: this.workerId,
          now: this.now(),
          leaseMs: this.settings.leaseMs,
        });
        if (!held) {
          hard.abort({ kind: 'lease-lost' } satisfies RunInterruption);
          return;
        }
        lastHeld = Date.now();
        if (abortRequestedBy) {
          hard.abort({
            kind: 'abort',
            actor: abortRequestedBy,
          } satisfies RunInterruption);
        }
      } catch (error) {
        this.logger.warn(
          `Heartbeat of promotion ${id} failed: ${stringifyError(error)}`,
        );
        if (Date.now() - lastHeld > this.settings.leaseMs * 0.8) {
          hard.abort({ kind: 'lease-lost' } satisfies RunInterruption);
        }
      }
    };
    const timer = setInterval(() => {
      if (!hard.signal.aborted) beat();
    }, interval);
    return () => clearInterval(timer);
  }

  private async onRunError(claimed: ClaimedPromotion, error: unknown) {
    if (error instanceof LeaseLostError) {
      this.logger.warn(error.message);
      return;
    }
    this.logger.error(
      `Promotion ${claimed.id} (${claimed.project}/${
        claimed.stage
      }) stopped on an unexpected error; it is retried later: ${stringifyError(
        error,
      )}`,
    );
    await this.repository
      .release({
        id: claimed.id,
        workerId: this.workerId,
        nextRunAt: new Date(this.now().getTime() + ERROR_BACKOFF_MS),
      })
      .catch(() => {
        // The lease expires on its own.
      });
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

  private async execute(
    claimed: ClaimedPromotion,
    signal: AbortSignal,
  ): Promise<void> {
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
        outcome: this.engine.abort(state, claimed.abortRequestedBy),
      });
      return;
    }

    this.countInterruption(claimed, state);

    const workDir = await this.workDirs.prepare(claimed.id);
    if (workDir.fresh && state.steps.some(s => s.startedAt)) {
      this.restartFromFirstStep(claimed, state);
    }

    const targetFreight = await this.options.store.getFreight(
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
    const freight: Freight[] = [target];
    const current = (
      await this.options.store.getStageSummaries(claimed.project, [
        claimed.stage,
      ])
    ).find(s => s.stage === claimed.stage)?.currentFreight;
    if (current && current.origin.name !== target.origin.name) {
      freight.push(current);
    }

    await this.repository.saveProgress({
      id: claimed.id,
      workerId: this.workerId,
      plan: claimed.plan ? undefined : plan,
      state,
    });

    const outcome = await this.engine.run({
      plan,
      state,
      context: {
        project: claimed.project,
        stage: claimed.stage,
        promotion: claimed.id,
        actor: claimed.actor,
        workDir: workDir.path,
        targetFreight: target,
        freight,
        credentials: this.options.credentials ?? NO_CREDENTIALS,
        uiBaseUrl: this.options.uiBaseUrl,
      },
      signal,
      stopSignal: this.stopController.signal,
      save: (s, effects) =>
        effects
          ? this.saveWithEffects(claimed, s, effects)
          : this.repository.saveProgress({
              id: claimed.id,
              workerId: this.workerId,
              state: s,
            }),
      loadMetadata: async () => {
        const [stages, freightMetadata] = await Promise.all([
          this.options.store.getMetadata({
            project: claimed.project,
            kind: 'Stage',
          }),
          this.options.store.getMetadata({
            project: claimed.project,
            kind: 'Freight',
          }),
        ]);
        return { stages, freight: freightMetadata };
      },
    });

    switch (outcome.kind) {
      case 'finished':
        await this.finish(claimed, { plan, state, outcome });
        return;
      case 'waiting':
        await this.repository.release({
          id: claimed.id,
          workerId: this.workerId,
          nextRunAt: outcome.nextRunAt,
        });
        return;
      default:
        if (outcome.reason === 'shutdown') {
          await this.repository.saveProgress({
            id: claimed.id,
            workerId: this.workerId,
            state,
          });
          await this.repository.release({
            id: claimed.id,
            workerId: this.workerId,
          });
        } else {
          this.logger.warn(
            `Promotion ${claimed.id} was taken over by another worker`,
          );
        }
    }
  }

  /**
   * Records a step's success and applies its metadata updates in one transaction: after a crash either both
   * happened or the step runs again, and the upserts repeat harmlessly. A Stage the project does not define, or
   * an unknown Freight, fails the whole transaction with a {@link StepEffectError} naming it.
   */
  private async saveWithEffects(
    claimed: ClaimedPromotion,
    state: PromotionRunState,
    effects: StepEffects,
  ): Promise<void> {
    const stages = (await this.options.definitions.getCatalog())
      .getProject(claimed.project)
      ?.stages.map(s => s.metadata.name);
    await this.options.database.transaction(async tx => {
      for (const update of effects.metadataUpdates) {
        try {
          await this.options.store.upsertMetadata({
            project: claimed.project,
            kind: update.kind,
            name: update.name,
            values: update.values,
            stages: stages ?? [],
            transaction: tx,
          });
        } catch (error) {
          if (error instanceof NotFoundError || error instanceof InputError) {
            throw new StepEffectError(
              `error updating metadata: ${error.message}`,
            );
          }
          throw error;
        }
      }
      await this.repository.saveProgress({
        id: claimed.id,
        workerId: this.workerId,
        state,
        transaction: tx,
      });
    });
  }

  /**
   * A step still marked in flight when a promotion is claimed was cut short by the end of the process running
   * it. It runs again, unless that happened too often: a step that brings its process down every time must not
   * bring every replica down in turn.
   */
  private countInterruption(
    claimed: ClaimedPromotion,
    state: PromotionRunState,
  ) {
    const index = state.currentStep;
    const runtime = state.runtime[index];
    const step = state.steps[index];
    if (!runtime?.inFlight || !step) return;
    runtime.inFlight = false;
    runtime.interruptions = (runtime.interruptions ?? 0) + 1;
    const at = this.now().toISOString();
    const max = this.settings.maxStepInterruptions;
    this.logger.warn(
      `Promotion ${claimed.id}: step "${step.alias}" was interrupted (${
        runtime.interruptions
      } time(s)); ${
        runtime.interruptions > max ? 'giving up' : 'running it again'
      }`,
    );
    if (runtime.interruptions > max) {
      step.status = 'Errored';
      step.message = `step "${step.alias}" was interrupted ${runtime.interruptions} times by the end of the process running it; it is not run again`;
      step.finishedAt = at;
      delete step.nextAttemptAt;
      return;
    }
    step.log = [
      ...(step.log ?? []),
      {
        time: at,
        level: 'warn',
        message:
          'The process running this step stopped before it ended; the step runs again',
      },
    ];
  }

  /**
   * Kargo's rule when a promotion's work directory is gone (another replica took it over, or the machine
   * restarted): run it again from its first step, keeping the outputs, so that steps can see what they did.
   */
  private restartFromFirstStep(
    claimed: ClaimedPromotion,
    state: PromotionRunState,
  ) {
    this.logger.info(
      `Promotion ${claimed.id}: its work directory is gone; running it again from the first step`,
    );
    const at = this.now().toISOString();
    state.currentStep = 0;
    state.steps.forEach((step, i) => {
      const givenUp =
        (state.runtime[i].interruptions ?? 0) >
        this.settings.maxStepInterruptions;
      if (givenUp) return; // keep that verdict
      step.status = 'Pending';
      delete step.startedAt;
      delete step.finishedAt;
      delete step.message;
      delete step.errorCount;
      delete step.nextAttemptAt;
      state.runtime[i].inFlight = false;
    });
    state.steps[0].log = [
      ...(state.steps[0].log ?? []),
      {
        time: at,
        level: 'warn',
        message:
          'The work directory of this promotion was gone (it moved to another backend instance, or the machine restarted): the promotion runs again from its first step, keeping the outputs of earlier steps',
      },
    ];
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
    const now = this.now();
    // A stage without verification verifies its new freight as soon as it runs it, as Kargo does for a healthy
    // stage (Argo CD health is not read yet); a stage with a verification leaves it to the verification.
    const stage = (await this.options.definitions.getCatalog())
      .getProject(claimed.project)
      ?.stages.find(s => s.metadata.name === claimed.stage);
    const verifyAtOnce = Boolean(stage && !stage.spec.verification);
    try {
      await this.repository.finish({
        id: claimed.id,
        workerId: this.workerId,
        phase: outcome.phase,
        message: outcome.message,
        plan: claimed.plan ? undefined : options.plan,
        state: options.state,
        now,
        onSucceeded: async tx => {
          await this.options.store.setCurrentFreight({
            project: claimed.project,
            stage: claimed.stage,
            freightId: claimed.freightId,
            promotionId: claimed.id,
            at: now,
            transaction: tx,
          });
          if (verifyAtOnce) {
            await this.options.store.markVerified({
              project: claimed.project,
              stage: claimed.stage,
              freightId: claimed.freightId,
              at: now,
              transaction: tx,
            });
          }
        },
      });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      // The freight went away while the promotion ran.
      await this.repository.finish({
        id: claimed.id,
        workerId: this.workerId,
        phase: 'Errored',
        message: error.message,
        state: options.state,
        now,
      });
    }
    this.logger.info(
      `Promotion ${claimed.id} of ${claimed.project}/${claimed.stage} ended ${outcome.phase}`,
    );
    await this.workDirs
      .remove(claimed.id)
      .catch(error =>
        this.logger.warn(
          `Could not remove the work directory of promotion ${
            claimed.id
          }: ${stringifyError(error)}`,
        ),
      );
  }

  private async removeFinishedWorkDirs(): Promise<void> {
    const ids = await this.workDirs.list();
    if (ids.length === 0) return;
    for (const id of await this.repository.findFinished(ids)) {
      await this.workDirs.remove(id);
    }
  }
}

/**
 * Creates the promotion worker.
 *
 * Promotions are claimed with compare-and-set and kept by heartbeats, one Running promotion per stage in the
 * order they were created. Each step change is saved; after a crash, a replica takes the promotion over when
 * its lease expires and runs again the step that was running. Steps must therefore be idempotent.
 */
export function createPromotionWorker(
  options: PromotionWorkerOptions,
): PromotionWorker {
  return new DefaultPromotionWorker(options);
}
