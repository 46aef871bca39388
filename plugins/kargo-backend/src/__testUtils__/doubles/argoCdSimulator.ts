/*
 * TEST DOUBLE of Argo CD's application controller, for tests, browser tests and the demo only ("simulated
 * Argo CD"). It runs in-process on the Kubernetes API double's object store and changes Applications as the
 * controller would, through the same store the API serves (watchers see every change):
 *   - an Application that gets an `operation` (a sync): `status.operationState` Running, then Succeeded (or
 *     Failed / Error), `operation` cleared, `status.sync` Synced at the synced revision(s) (`revision`, or
 *     `revisions` for multi-source apps), `status.history` appended, `status.health` Progressing, then Healthy;
 *   - the `argocd.argoproj.io/refresh` annotation: the app is compared again (`status.sync`), `reconciledAt`
 *     moves and the annotation is removed;
 *   - an app never reconciled: OutOfSync and Missing until synced.
 * The synced revision is the operation's `sync.revision(s)` when given, else the desired one: each source's
 * `targetRevision`; both go through `resolveRevision` (identity by default; map branches to commits there), as
 * Argo CD syncs a branch or `HEAD` to the commit it points at. `reconciledAt`
 * is set on every reconcile, so it is never before the operation's `finishedAt`.
 *
 * Time is steps: `step()` advances every app with work by one step, `settle()` steps until nothing is left
 * (tests), `startRealTime(ms)` steps on a timer (demo, browser tests). Per-app switches (`configure`): extra
 * steps per phase, a failing operation, Degraded health, Missing resources, paused (never reconciled).
 */
import {
  fieldObject,
  revisionFields,
  sameRevisions,
  sourcesOf,
  syncedRevisions,
} from './argoCdApplications';
import { KubernetesObjectStore } from './kubernetesObjectStore';
import { cloneJson, isJsonObject, Json } from './kubernetesPatch';
import { KubernetesObjectDouble, resourceTypes } from './kubernetesResources';

export const ARGOCD_CONTROLLER_MANAGER = 'argocd-application-controller';
export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';

/** Per-app behaviour. */
export interface ArgoCdAppSwitches {
  /** Extra steps the operation runs and the health stays Progressing (slowness). Default 0. */
  delaySteps?: number;
  /** The sync operation ends in this phase instead of Succeeded. */
  failWith?: 'Failed' | 'Error';
  failMessage?: string;
  /** After a sync the health becomes Degraded (with this message when a string). */
  degraded?: boolean | string;
  /** The app's resources are missing: health Missing and OutOfSync, even after a sync. */
  missing?: boolean;
  /** The controller leaves the app alone: no operation runs, nothing is reconciled. */
  paused?: boolean;
}

export interface ArgoCdSimulatorOptions {
  store: KubernetesObjectStore;
  /** Switches of every app that has none of its own (e.g. the slowness of Applications an ApplicationSet makes). */
  defaultSwitches?: ArgoCdAppSwitches;
  /** Only apps in this namespace; all namespaces by default. */
  namespace?: string;
  /** Clock for timestamps. */
  now?: () => Date;
  /** The revision a source's `targetRevision` resolves to (e.g. a branch to its head commit). */
  resolveRevision?: (
    source: { [key: string]: Json },
    app: KubernetesObjectDouble,
  ) => string;
}

type Stage = 'idle' | 'running' | 'progressing';

interface AppState {
  stage: Stage;
  wait: number;
  operation?: Json;
  revisions?: string[];
}

/** The simulated controller. */
export class ArgoCdSimulator {
  private readonly switches = new Map<string, ArgoCdAppSwitches>();
  private readonly states = new Map<string, AppState>();
  private timer: NodeJS.Timeout | undefined;
  private historyId = 0;

  constructor(private readonly options: ArgoCdSimulatorOptions) {}

  private now(): string {
    return `${(this.options.now?.() ?? new Date())
      .toISOString()
      .slice(0, 19)}Z`;
  }

  /** Sets (merges) the switches of one app. */
  configure(
    name: string,
    switches: ArgoCdAppSwitches,
    namespace = 'argocd',
  ): void {
    this.switches.set(`${namespace}/${name}`, {
      ...this.switches.get(`${namespace}/${name}`),
      ...switches,
    });
  }

  /** Clears every switch and every in-flight state. */
  reset(): void {
    this.switches.clear();
    this.states.clear();
  }

  private apps(): KubernetesObjectDouble[] {
    return this.options.store.list(
      resourceTypes.application,
      this.options.namespace,
    );
  }

  private desiredRevisions(app: KubernetesObjectDouble): string[] {
    const resolve =
      this.options.resolveRevision ??
      (source => String(source.targetRevision ?? 'HEAD'));
    return sourcesOf(app).sources.map(source => resolve(source, app));
  }

  /**
   * The revisions a sync operation asked for, resolved as Argo CD's repo server resolves them before it syncs
   * (a branch or `HEAD` to its commit; a commit stays itself), each against the source at its position.
   */
  private resolveRequested(
    app: KubernetesObjectDouble,
    requested: string[],
  ): string[] {
    const resolve = this.options.resolveRevision;
    if (!resolve) return requested;
    const { sources } = sourcesOf(app);
    return requested.map((revision, i) =>
      sources[i]
        ? resolve({ ...sources[i], targetRevision: revision }, app)
        : revision,
    );
  }

  private needsWork(app: KubernetesObjectDouble): boolean {
    const key = `${app.metadata.namespace}/${app.metadata.name}`;
    if (this.switches.get(key)?.paused) return false;
    const state = this.states.get(key);
    return (
      (state !== undefined && state.stage !== 'idle') ||
      app.operation !== undefined ||
      app.metadata.annotations?.[REFRESH_ANNOTATION] !== undefined ||
      fieldObject(app.status).reconciledAt === undefined
    );
  }

  /** Whether any app has work left. */
  get pending(): boolean {
    return this.apps().some(app => this.needsWork(app));
  }

  /** Advances every app with work by one step; returns how many apps it changed or advanced. */
  step(): number {
    let advanced = 0;
    for (const app of this.apps()) {
      if (!this.needsWork(app)) continue;
      const key = `${app.metadata.namespace}/${app.metadata.name}`;
      const state = this.states.get(key) ?? { stage: 'idle', wait: 0 };
      this.states.set(key, state);
      advanced += 1;
      if (state.wait > 0) {
        state.wait -= 1;
        continue;
      }
      this.advance(
        app,
        state,
        this.switches.get(key) ?? this.options.defaultSwitches ?? {},
      );
    }
    return advanced;
  }

  /** Steps until no app has work left; throws after `maxSteps` (a paused or looping app). */
  settle(maxSteps = 1000): number {
    for (let steps = 0; steps < maxSteps; steps++) {
      if (this.step() === 0) return steps;
    }
    throw new Error(
      `the Argo CD simulator did not settle within ${maxSteps} steps`,
    );
  }

  /** Steps every `tickMs` milliseconds until `stopRealTime` (for the demo and browser tests). */
  startRealTime(tickMs = 500): void {
    this.stopRealTime();
    this.timer = setInterval(() => this.step(), tickMs);
    this.timer.unref();
  }

  stopRealTime(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private write(
    app: KubernetesObjectDouble,
    mutate: (
      app: KubernetesObjectDouble,
      status: { [key: string]: Json },
    ) => void,
  ) {
    this.options.store.modify(
      resourceTypes.application,
      app.metadata.namespace,
      app.metadata.name,
      ARGOCD_CONTROLLER_MANAGER,
      object => {
        const status = fieldObject(object.status);
        mutate(object, status);
        object.status = status;
        status.reconciledAt = this.now();
        if (object.metadata.annotations?.[REFRESH_ANNOTATION] !== undefined) {
          delete object.metadata.annotations[REFRESH_ANNOTATION];
        }
      },
    );
  }

  /** Compares the app again: Synced when the synced revisions are the desired ones. */
  private compare(
    app: KubernetesObjectDouble,
    status: { [key: string]: Json },
    switches: ArgoCdAppSwitches,
    synced?: string[],
  ) {
    const { multi, sources } = sourcesOf(app);
    const revisions = synced ?? syncedRevisions(app);
    const spec = fieldObject(app.spec);
    status.sync = {
      status:
        !switches.missing &&
        sameRevisions(revisions, this.desiredRevisions(app))
          ? 'Synced'
          : 'OutOfSync',
      ...(revisions ? revisionFields(multi, revisions) : {}),
      comparedTo: {
        ...(multi
          ? { sources: cloneJson(sources) }
          : { source: cloneJson(sources[0] ?? {}) }),
        destination: cloneJson(spec.destination ?? {}),
      },
    };
    if (switches.missing) status.health = { status: 'Missing' };
  }

  private advance(
    app: KubernetesObjectDouble,
    state: AppState,
    switches: ArgoCdAppSwitches,
  ): void {
    const delay = switches.delaySteps ?? 0;
    if (state.stage === 'idle' && isJsonObject(app.operation)) {
      const operation = cloneJson(app.operation);
      const sync = fieldObject(operation.sync);
      let requested: string[] | undefined;
      if (Array.isArray(sync.revisions)) requested = sync.revisions.map(String);
      else if (typeof sync.revision === 'string' && sync.revision !== '') {
        requested = [sync.revision];
      }
      Object.assign(state, {
        stage: 'running',
        wait: delay,
        operation,
        revisions: requested
          ? this.resolveRequested(app, requested)
          : this.desiredRevisions(app),
      });
      this.write(app, (_, status) => {
        status.operationState = {
          operation,
          phase: 'Running',
          message: 'one or more tasks are running',
          startedAt: this.now(),
        };
      });
    } else if (state.stage === 'idle') {
      this.write(app, (_, status) => {
        this.compare(app, status, switches);
        if (status.health === undefined) status.health = { status: 'Missing' };
      });
    } else if (state.stage === 'running') {
      this.finishOperation(app, state, switches);
    } else {
      state.stage = 'idle';
      this.write(app, (_, status) => {
        status.health = { status: 'Healthy' };
        if (switches.degraded) {
          status.health = {
            status: 'Degraded',
            message:
              typeof switches.degraded === 'string'
                ? switches.degraded
                : 'Deployment has timed out progressing',
          };
        }
        if (switches.missing) status.health = { status: 'Missing' };
      });
    }
  }

  private finishOperation(
    app: KubernetesObjectDouble,
    state: AppState,
    switches: ArgoCdAppSwitches,
  ) {
    const { multi, sources } = sourcesOf(app);
    const revisions = state.revisions ?? [];
    const operation = state.operation ?? {};
    const failed = switches.failWith;
    this.write(app, (object, status) => {
      const current = fieldObject(status.operationState);
      // The operation is cleared only when it is still the one that ran; a newer one runs next.
      if (JSON.stringify(object.operation) === JSON.stringify(operation))
        delete object.operation;
      status.operationState = {
        ...current,
        operation,
        phase: failed ?? 'Succeeded',
        message: failed
          ? switches.failMessage ??
            (failed === 'Failed'
              ? 'one or more synchronization tasks completed unsuccessfully'
              : 'rpc error: code = Unknown desc = failed to generate manifests')
          : 'successfully synced (all tasks run)',
        finishedAt: this.now(),
        ...(failed
          ? {}
          : {
              syncResult: {
                ...revisionFields(multi, revisions),
                ...(multi
                  ? { sources: cloneJson(sources) }
                  : { source: cloneJson(sources[0] ?? {}) }),
                resources: [],
              },
            }),
      };
      if (failed) {
        this.compare(app, status, switches);
        return;
      }
      this.compare(app, status, switches, revisions);
      status.health = switches.missing
        ? { status: 'Missing' }
        : { status: 'Progressing' };
      const history = Array.isArray(status.history) ? status.history : [];
      this.historyId += 1;
      history.push({
        id: this.historyId,
        ...revisionFields(multi, revisions),
        deployedAt: this.now(),
        deployStartedAt: String(current.startedAt ?? this.now()),
        ...(multi
          ? { sources: cloneJson(sources) }
          : { source: cloneJson(sources[0] ?? {}) }),
        initiatedBy: fieldObject(operation).initiatedBy ?? {},
      });
      status.history = history.slice(-10);
    });
    Object.assign(
      state,
      failed
        ? { stage: 'idle', wait: 0 }
        : { stage: 'progressing', wait: switches.delaySteps ?? 0 },
    );
    state.operation = undefined;
  }
}
