import { randomUUID } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import { AnalysisMetric } from '@kargo-portal/plugin-kargo-common';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { PromotionStore } from '../stores/PromotionStore';
import { StageStore } from '../stores/StageStore';
import {
  Measurement,
  Verification,
  VerificationLeaseLostError,
  VerificationStore,
} from '../stores/VerificationStore';
import { AnalysisSetupError, resolveAnalysis, resolveMetric } from './analysis';
import {
  assessMetric,
  assessRun,
  evaluateResult,
  nextMeasurementAt,
} from './assess';
import { METRIC_PROVIDERS } from './providers';

const DEFAULT_POLL_INTERVAL_MS = 1_000;
const DEFAULT_LEASE_MS = 90_000;
const CONCURRENCY = 4;

/** Stage health states in which verification may start, as Kargo starts it on a healthy stage. */
const READY = new Set(['Healthy', 'NotApplicable']);

/** Options of {@link VerificationWorker.create}. */
export interface VerificationWorkerOptions {
  stores: {
    verifications: VerificationStore;
    stages: Pick<StageStore, 'getStageHealth' | 'getStageSummaries'>;
    promotions: Pick<PromotionStore, 'getStageHealthSubjects'>;
  };
  definitions: { getCatalog(): Promise<DefinitionCatalog> };
  /** A project's secret from config, for `valueFrom.secretKeyRef` args. */
  secret: (project: string, name: string) => Record<string, string> | undefined;
  logger: LoggerService;
  workerId?: string;
  pollIntervalMs?: number;
  leaseMs?: number;
  now?: () => Date;
  /** Called after a verification started or ended (signals, eligibility downstream). */
  onChange?: (change: { project: string; stage: string }) => void;
}

/** Measured values are kept for reading, not as a copy of whole responses. */
const MAX_VALUE_LENGTH = 2048;
const truncate = (text: string) =>
  text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}…` : text;

function redactor() {
  const values: string[] = [];
  return {
    reveal: (value: string) => {
      if (value.length > 0) values.push(value);
    },
    redact: (text: string) =>
      values.reduce((t, v) => t.split(v).join('***'), text),
  };
}

/**
 * Runs stage verifications: starts one for a stage's current freight collection once the stage is healthy (or has
 * no health checks) and no promotion runs, then takes the metrics' measurements when they are due. Every replica
 * may run it: a verification is claimed with compare-and-set and a lease, and released with its measurements
 * between them, so a verification whose worker died resumes elsewhere from what it measured.
 */
export class VerificationWorker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private running: Promise<void> = Promise.resolve();
  private readonly inFlight = new Map<string, AbortController>();
  private readonly now: () => Date;
  private readonly workerId: string;

  static create(options: VerificationWorkerOptions): VerificationWorker {
    return new VerificationWorker(options);
  }

  private constructor(private readonly options: VerificationWorkerOptions) {
    this.now = options.now ?? (() => new Date());
    this.workerId = options.workerId ?? `verification-${randomUUID()}`;
  }

  start(): void {
    this.stopped = false;
    const interval = this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    const loop = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.running = this.tick()
          .catch(error =>
            this.options.logger.warn(
              `Verification: a pass failed: ${stringifyError(error)}`,
            ),
          )
          .finally(loop);
      }, interval * (0.8 + Math.random() * 0.4));
      this.timer.unref?.();
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const controller of this.inFlight.values()) controller.abort();
    await this.running;
  }

  /** One pass: starts the verifications that are due, then takes the measurements that are due. */
  async tick(): Promise<void> {
    await this.startDue();
    const ids = await this.options.stores.verifications.findClaimable({
      now: this.now(),
      limit: CONCURRENCY,
      exclude: [...this.inFlight.keys()],
    });
    await Promise.all(ids.map(id => this.runOnce(id)));
  }

  /** Starts the first verification of each stage's current collection, when the stage is ready for it. */
  async startDue(): Promise<void> {
    const { stores } = this.options;
    const catalog = await this.options.definitions.getCatalog();
    for (const project of catalog.listProjects()) {
      const verified = project.stages.filter(s => s.spec.verification);
      if (verified.length === 0) continue;
      const names = verified.map(s => s.metadata.name);
      const [health, subjects, summaries] = await Promise.all([
        stores.stages.getStageHealth({ project: project.name, stages: names }),
        stores.promotions.getStageHealthSubjects(project.name, names),
        stores.stages.getStageSummaries(project.name, names),
      ]);
      for (const stage of verified) {
        const name = stage.metadata.name;
        const summary = summaries.find(s => s.stage === name);
        const collection = summary?.freightHistory[0]?.collection;
        if (!summary || !collection) continue;
        const subject = subjects.find(s => s.stage === name);
        if (subject?.running) continue;
        const stageHealth = health[name];
        if (!stageHealth || !READY.has(stageHealth.status)) continue;
        // Health evaluated before the last promotion finished says nothing of the freight it moved in.
        if (
          subject?.lastFinished &&
          stageHealth.promotion !== subject.lastFinished.id
        ) {
          continue;
        }
        if (
          await stores.verifications.hasVerification({
            project: project.name,
            stage: name,
            collectionId: collection.id,
          })
        ) {
          continue;
        }
        const base = {
          project: project.name,
          stage: name,
          collectionId: collection.id,
          freightIds: collection.items.map(i => i.name),
          first: true,
          at: this.now(),
        };
        let created: Verification | undefined;
        try {
          const analysis = resolveAnalysis({
            project: project.name,
            stage,
            catalog,
            freight: summary.current.map(c => c.freight),
          });
          created = await stores.verifications.create({ ...base, analysis });
        } catch (error) {
          if (!(error instanceof AnalysisSetupError)) throw error;
          created = await stores.verifications.create({
            ...base,
            analysis: { templates: [], metrics: [], args: [] },
            phase: 'Error',
            message: error.message,
          });
        }
        if (created) {
          this.options.logger.info(
            `Verification ${created.id} of ${project.name}/${name} started (${created.phase})`,
          );
          this.options.onChange?.({ project: project.name, stage: name });
        }
      }
    }
  }

  /** Claims a verification and takes its due measurements; ends it when its metrics are assessed. */
  async runOnce(id: string): Promise<void> {
    const { verifications } = this.options.stores;
    const leaseMs = this.options.leaseMs ?? DEFAULT_LEASE_MS;
    const claimed = await verifications.claim({
      id,
      workerId: this.workerId,
      now: this.now(),
      leaseMs,
    });
    if (!claimed) return;
    const controller = new AbortController();
    this.inFlight.set(id, controller);
    try {
      await this.advance(claimed, controller.signal);
    } catch (error) {
      if (error instanceof VerificationLeaseLostError) {
        this.options.logger.info(
          `Verification ${id} ended elsewhere (aborted, or taken over)`,
        );
        return;
      }
      throw error;
    } finally {
      this.inFlight.delete(id);
    }
  }

  private async advance(v: Verification, signal: AbortSignal): Promise<void> {
    const { verifications, stages } = this.options.stores;
    const finish = async (
      phase: Parameters<VerificationStore['finish']>[0]['phase'],
      message: string | undefined,
      measurements: Measurement[],
    ) => {
      await verifications.finish({
        id: v.id,
        workerId: this.workerId,
        phase,
        message,
        measurements,
        at: this.now(),
      });
      this.options.logger.info(
        `Verification ${v.id} of ${v.project}/${v.stage} ended ${phase}${
          message ? `: ${message}` : ''
        }`,
      );
      this.options.onChange?.({ project: v.project, stage: v.stage });
    };
    // A verification of a collection the stage left has nothing to verify anymore.
    const summary = (await stages.getStageSummaries(v.project, [v.stage])).find(
      s => s.stage === v.stage,
    );
    const current = summary?.freightHistory[0]?.collection.id;
    if (current !== v.collectionId) {
      await finish(
        'Aborted',
        `Stage ${v.stage} moved on to another freight collection`,
        v.measurements,
      );
      return;
    }
    const startedAt = new Date(v.startedAt ?? v.createdAt);
    const measurements = [...v.measurements];
    const metrics = v.analysis.metrics;
    // The metrics' timing, conditions and limits, for assessing them (secrets are read when measuring only).
    let typed: AnalysisMetric[];
    try {
      typed = metrics.map(m =>
        resolveMetric({
          metric: m,
          args: v.analysis.args.map(a =>
            'value' in a ? a : { name: a.name, value: '' },
          ),
          secret: () => undefined,
          reveal: () => {},
        }),
      );
    } catch (error) {
      await finish('Error', stringifyError(error), measurements);
      return;
    }
    // The metrics due now are measured together, as Rollouts does; each measurement ends within its timeout.
    const due = metrics.filter(
      (_, index) =>
        assessMetric(typed[index], measurements).phase === 'Running' &&
        nextMeasurementAt(typed[index], measurements, startedAt) <= this.now(),
    );
    measurements.push(
      ...(await Promise.all(
        due.map(raw => this.measure(v, raw, String(raw.name), signal)),
      )),
    );
    if (signal.aborted) {
      throw new VerificationLeaseLostError(v.id);
    }
    const run = assessRun(typed.map(m => assessMetric(m, measurements)));
    if (run.phase !== 'Running') {
      await finish(run.phase, run.message, measurements);
      return;
    }
    const next = typed
      .filter(m => assessMetric(m, measurements).phase === 'Running')
      .map(m => nextMeasurementAt(m, measurements, startedAt).getTime());
    await verifications.release({
      id: v.id,
      workerId: this.workerId,
      measurements,
      nextRunAt: new Date(Math.max(Math.min(...next), this.now().getTime())),
    });
  }

  private async measure(
    v: Verification,
    raw: Record<string, unknown>,
    name: string,
    signal: AbortSignal,
  ): Promise<Measurement> {
    const startedAt = this.now().toISOString();
    const { reveal, redact } = redactor();
    try {
      const metric = resolveMetric({
        metric: raw,
        args: v.analysis.args,
        secret: secretName => this.options.secret(v.project, secretName),
        reveal,
      });
      const key = Object.keys(metric.provider)[0];
      const provider = METRIC_PROVIDERS[key];
      if (!provider) throw new Error(`provider ${key} is not supported`);
      const { result, value } = await provider.measure(metric, signal);
      let phase: Measurement['phase'];
      let message: string | undefined;
      try {
        phase = evaluateResult(result, metric);
      } catch (error) {
        phase = 'Error';
        message = stringifyError(error);
      }
      return {
        metric: name,
        phase,
        value: truncate(redact(value)),
        ...(message ? { message: redact(message) } : {}),
        startedAt,
        finishedAt: this.now().toISOString(),
      };
    } catch (error) {
      const cause =
        error instanceof Error && error.cause instanceof Error
          ? `: ${error.cause.message}`
          : '';
      return {
        metric: name,
        phase: 'Error',
        message: redact(
          `${error instanceof Error ? error.message : String(error)}${cause}`,
        ),
        startedAt,
        finishedAt: this.now().toISOString(),
      };
    }
  }
}
