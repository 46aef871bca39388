import crypto from 'node:crypto';
import os from 'node:os';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { stringifyError } from '@backstage/errors';
import { PromotionCredentials } from '@kargo-portal/plugin-kargo-node';
import { ClaimedPromotion, LeaseLostError } from '../../stores/PromotionStore';
import { createStepExpressions } from '../engine/defaultExpressions';
import { StepExpressions } from '../engine/expressions';
import {
  PromotionEngine,
  PromotionEngineOptions,
} from '../engine/PromotionEngine';
import { StepRegistry } from '../engine/StepRegistry';
import { RunInterruption } from '../engine/types';
import { PromotionWorkerSettings, readPromotionWorkerSettings } from './config';
import { startHeartbeat } from './heartbeat';
import {
  PromotionRunner,
  PromotionWorkerDefinitions,
  PromotionWorkerStores,
} from './PromotionRunner';
import { PromotionWorkDirs } from './workDirs';

export type { PromotionWorkerDefinitions, PromotionWorkerStores };

/** Options of {@link createPromotionWorker}. */
export interface PromotionWorkerOptions {
  stores: PromotionWorkerStores;
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
  /**
   * Called when this worker starts running a promotion of a stage, and when that run ends (finished or put
   * back): the stage health monitor evaluates the stage again.
   */
  onStageActivity?: (project: string, stage: string) => void;
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
  private readonly runner: PromotionRunner;
  private readonly workDirs: PromotionWorkDirs;
  private readonly logger: LoggerService;
  private readonly active = new Map<string, ActiveRun>();
  private stopController = new AbortController();
  private loop?: Promise<void>;
  private wake: () => void = () => {};
  /** Set by a wake-up; a wake-up that comes while the loop is claiming makes it look again at once. */
  private woken = false;

  constructor(private readonly options: PromotionWorkerOptions) {
    this.workerId =
      options.workerId ??
      `${os.hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
    this.settings = {
      ...readPromotionWorkerSettings(options.config),
      ...options.settings,
    };
    this.workDirs = new PromotionWorkDirs(this.settings.workDir);
    this.logger = options.logger.child({ worker: this.workerId });
    this.runner = new PromotionRunner({
      workerId: this.workerId,
      stores: options.stores,
      definitions: options.definitions,
      engine: new PromotionEngine({
        registry: options.registry,
        expressions: options.expressions ?? createStepExpressions(),
        ...options.engine,
      }),
      workDirs: this.workDirs,
      settings: this.settings,
      logger: this.logger,
      now: () => this.now(),
      credentials: options.credentials ?? NO_CREDENTIALS,
      uiBaseUrl: options.uiBaseUrl,
      stopSignal: () => this.stopController.signal,
    });
  }

  private now(): Date {
    return this.options.engine?.now?.() ?? new Date();
  }

  notify(): void {
    this.poke();
  }

  private poke(): void {
    this.woken = true;
    this.wake();
  }

  start(): void {
    if (this.loop) return;
    this.stopController = new AbortController();
    this.loop = this.runLoop();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    this.poke();
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
      this.woken = false;
      try {
        await this.claimAndLaunch();
      } catch (error) {
        this.logger.error(
          `Looking for promotions to run failed: ${stringifyError(error)}`,
        );
      }
      // A promotion created, or a run ended, while claiming: look again now rather than at the next poll.
      if (this.woken) continue;
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
    const candidates = await this.options.stores.promotions.findClaimable({
      now: this.now(),
      limit: free * 2,
      exclude: [...this.active.keys()],
    });
    const launched: ActiveRun[] = [];
    for (const id of candidates) {
      if (launched.length >= free) break;
      const claimed = await this.options.stores.promotions.claim({
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
    const stopHeartbeat = startHeartbeat({
      id: claimed.id,
      hard,
      promotions: this.options.stores.promotions,
      workerId: this.workerId,
      settings: this.settings,
      logger: this.logger,
      now: () => this.now(),
    });
    this.options.onStageActivity?.(claimed.project, claimed.stage);
    const done = this.runner
      .execute(claimed, hard.signal)
      .catch(error => this.onRunError(claimed, error))
      .finally(() => {
        stopHeartbeat();
        this.active.delete(claimed.id);
        this.options.onStageActivity?.(claimed.project, claimed.stage);
        this.poke();
      });
    const run = { hard, done };
    this.active.set(claimed.id, run);
    return run;
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
    await this.options.stores.promotions
      .release({
        id: claimed.id,
        workerId: this.workerId,
        nextRunAt: new Date(this.now().getTime() + ERROR_BACKOFF_MS),
      })
      .catch(() => {
        // The lease expires on its own.
      });
  }

  private async removeFinishedWorkDirs(): Promise<void> {
    const ids = await this.workDirs.list();
    if (ids.length === 0) return;
    for (const id of await this.options.stores.promotions.findFinished(ids)) {
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
