import { LoggerService } from '@backstage/backend-plugin-api';
import { StageManifest } from '@kargo-portal/plugin-kargo-common';
import { PromotionHealthCheck } from '@kargo-portal/plugin-kargo-node';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { PromotionStore, StageHealthSubject } from '../stores/PromotionStore';
import { StageStore } from '../stores/StageStore';
import {
  EvaluatedStageHealth,
  evaluateStageHealth,
} from './evaluateStageHealth';
import { HealthCheckers } from './HealthCheckers';

/** Default interval of the full pass that picks up promotions of other replicas and changed definitions. */
const DEFAULT_RESYNC_INTERVAL_MS = 15_000;

/** One stage the monitor keeps the health of. */
interface Watched {
  project: string;
  stage: string;
  subject: StageHealthSubject;
  /** Checks of the stage's manifest that only add app links (argocd-context). */
  linkOnly: PromotionHealthCheck[];
  /** Dependencies by checker kind. */
  dependencies: Map<string, string[]>;
  /** What this replica last stored (or found stored) for the stage. */
  written?: string;
}

const stageKey = (project: string, stage: string) =>
  JSON.stringify([project, stage]);

/** Options of {@link StageHealthMonitor.create}. */
export interface StageHealthMonitorOptions {
  stores: {
    promotions: Pick<PromotionStore, 'getStageHealthSubjects'>;
    stages: Pick<StageStore, 'putStageHealth'>;
  };
  definitions: { getCatalog(): Promise<DefinitionCatalog> };
  checkers: HealthCheckers;
  /** Checks a stage's manifest adds for app links only (the argocd-context annotation). */
  linkOnlyChecks?: (stage: StageManifest) => PromotionHealthCheck[];
  logger: LoggerService;
  /** Called after a stage's stored health changed (to publish a signal). */
  onHealthChanged?: (change: {
    project: string;
    stage: string;
    health: EvaluatedStageHealth;
  }) => Promise<void> | void;
  resyncIntervalMs?: number;
  now?: () => Date;
}

/**
 * The worker that keeps every stage's health current in the stage store. It evaluates a stage again when
 * something its health checks read changes (the checkers' watches), when a promotion of the stage starts or
 * finishes on this replica ({@link StageHealthMonitor.notifyStage}), and on a periodic full pass that picks up
 * promotions run by other replicas and changed definitions. A health is written only when it changed. Several
 * replicas may run it: the value is derived from shared state, so their writes agree.
 */
export class StageHealthMonitor {
  private readonly watched = new Map<string, Watched>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly queue = new Map<string, { reread: boolean }>();
  private draining: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The full pass running now, if any: passes run one at a time. */
  private pass: Promise<void> = Promise.resolve();
  private readonly now: () => Date;

  static create(options: StageHealthMonitorOptions): StageHealthMonitor {
    return new StageHealthMonitor(options);
  }

  private constructor(private readonly options: StageHealthMonitorOptions) {
    this.now = options.now ?? (() => new Date());
    for (const checker of options.checkers.all()) {
      checker.onChange(dependency =>
        this.dependencyChanged(checker.uses, dependency),
      );
    }
  }

  /** Evaluates every stage, then keeps them current until {@link StageHealthMonitor.stop}. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.resync().catch(error =>
      this.options.logger.error(
        `Stage health: the first pass failed: ${error}`,
      ),
    );
    const interval =
      this.options.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS;
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(async () => {
        await this.resync().catch(error =>
          this.options.logger.warn(`Stage health: a pass failed: ${error}`),
        );
        tick();
      }, interval * (0.9 + Math.random() * 0.2));
      this.timer.unref?.();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.clear();
    await this.pass;
    await this.draining;
    await Promise.all(this.options.checkers.all().map(c => c.stop()));
  }

  /** A promotion of the stage started or finished: read what its health depends on again, and evaluate it. */
  notifyStage(project: string, stage: string): void {
    this.enqueue(stageKey(project, stage), true);
  }

  /** Resolves once no evaluation is pending (for tests and the shutdown). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Reads every stage of every project again, evaluates them all and watches what they need. */
  async resync(): Promise<void> {
    const pass = this.pass.then(() => this.resyncOnce());
    this.pass = pass.catch(() => {});
    return pass;
  }

  private async resyncOnce(): Promise<void> {
    if (this.stopped) return;
    const catalog = await this.options.definitions.getCatalog();
    const seen = new Set<string>();
    for (const project of catalog.listProjects()) {
      const names = project.stages.map(s => s.metadata.name);
      const subjects =
        await this.options.stores.promotions.getStageHealthSubjects(
          project.name,
          names,
        );
      for (const subject of subjects) {
        const manifest = project.stages.find(
          s => s.metadata.name === subject.stage,
        )!;
        const key = stageKey(project.name, subject.stage);
        seen.add(key);
        this.update(key, project.name, subject, manifest);
      }
    }
    for (const key of [...this.watched.keys()]) {
      if (!seen.has(key)) this.forget(key);
    }
    // Stopped meanwhile: start no watch after the shutdown stopped them.
    if (this.stopped) return;
    this.retrack();
    for (const key of this.watched.keys()) this.enqueue(key, false);
    await this.idle();
  }

  private linkOnly(manifest: StageManifest): PromotionHealthCheck[] {
    try {
      return this.options.linkOnlyChecks?.(manifest) ?? [];
    } catch (error) {
      this.options.logger.warn(`Stage health: ${error}`);
      return [];
    }
  }

  /** Records what a stage's health depends on now; returns whether its dependencies changed. */
  private update(
    key: string,
    project: string,
    subject: StageHealthSubject,
    manifest: StageManifest | undefined,
  ): boolean {
    const previous = this.watched.get(key);
    const linkOnly = manifest
      ? this.linkOnly(manifest)
      : previous?.linkOnly ?? [];
    const checks = [
      ...(subject.lastFinished?.phase === 'Succeeded'
        ? subject.lastFinished.healthChecks
        : []),
      ...linkOnly,
    ];
    const dependencies = new Map<string, string[]>();
    for (const check of checks) {
      const checker = this.options.checkers.get(check.uses);
      if (!checker) continue;
      try {
        dependencies.set(check.uses, [
          ...(dependencies.get(check.uses) ?? []),
          ...checker.dependencies(check.config),
        ]);
      } catch {
        // Evaluating the check reports what is wrong with it.
      }
    }
    this.unindex(key);
    this.watched.set(key, {
      project,
      stage: subject.stage,
      subject,
      linkOnly,
      dependencies,
      written: previous?.written,
    });
    for (const [uses, keys] of dependencies) {
      for (const dependency of keys) {
        const index = JSON.stringify([uses, dependency]);
        let stages = this.dependents.get(index);
        if (!stages) {
          stages = new Set();
          this.dependents.set(index, stages);
        }
        stages.add(key);
      }
    }
    return (
      JSON.stringify([...(previous?.dependencies ?? new Map())]) !==
      JSON.stringify([...dependencies])
    );
  }

  private unindex(key: string) {
    for (const [index, stages] of this.dependents) {
      stages.delete(key);
      if (stages.size === 0) this.dependents.delete(index);
    }
  }

  private forget(key: string) {
    this.unindex(key);
    this.watched.delete(key);
  }

  /** Tells each checker the dependencies of all stages, so it watches exactly those. */
  private retrack() {
    for (const checker of this.options.checkers.all()) {
      const all = new Set<string>();
      for (const watched of this.watched.values()) {
        for (const dependency of watched.dependencies.get(checker.uses) ?? []) {
          all.add(dependency);
        }
      }
      checker.track([...all]);
    }
  }

  private dependencyChanged(uses: string, dependency: string) {
    const stages = this.dependents.get(JSON.stringify([uses, dependency]));
    for (const key of stages ?? []) this.enqueue(key, false);
  }

  private enqueue(key: string, reread: boolean) {
    if (this.stopped) return;
    const queued = this.queue.get(key);
    this.queue.set(key, { reread: reread || (queued?.reread ?? false) });
    // A burst of watch events is evaluated once, after the current macrotask.
    this.draining ??= new Promise<void>(resolve => setImmediate(resolve))
      .then(() => this.drain())
      .finally(() => {
        this.draining = undefined;
        if (this.queue.size > 0 && !this.stopped)
          this.enqueue(this.queue.keys().next().value!, false);
      });
  }

  private async drain(): Promise<void> {
    while (this.queue.size > 0 && !this.stopped) {
      const [key, { reread }] = this.queue.entries().next().value!;
      this.queue.delete(key);
      try {
        await this.evaluate(key, reread);
      } catch (error) {
        this.options.logger.warn(`Stage health of ${key}: ${error}`);
      }
    }
  }

  private async evaluate(key: string, reread: boolean): Promise<void> {
    const [project, stage] = JSON.parse(key) as [string, string];
    if (reread || !this.watched.has(key)) {
      const [subject] =
        await this.options.stores.promotions.getStageHealthSubjects(project, [
          stage,
        ]);
      const manifest = (await this.options.definitions.getCatalog())
        .getProject(project)
        ?.stages.find(s => s.metadata.name === stage);
      if (!subject || !manifest) return;
      if (this.update(key, project, subject, manifest) && !this.stopped) {
        this.retrack();
      }
    }
    const watched = this.watched.get(key)!;
    const health = evaluateStageHealth({
      context: { project, stage },
      subject: watched.subject,
      checkers: this.options.checkers,
      linkOnly: watched.linkOnly,
    });
    const text = JSON.stringify(health);
    if (text === watched.written) return;
    const changed = await this.options.stores.stages.putStageHealth({
      project,
      stage,
      health,
      at: this.now(),
    });
    watched.written = text;
    if (changed) {
      this.options.logger.debug(
        `Stage ${project}/${stage} is ${health.status}${
          health.message ? `: ${health.message}` : ''
        }`,
      );
      await this.options.onHealthChanged?.({ project, stage, health });
    }
  }
}
