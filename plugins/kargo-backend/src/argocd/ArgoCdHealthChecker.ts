import { z } from 'zod';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ApplicationHealth,
  HealthState,
  StageManifest,
} from '@kargo-portal/plugin-kargo-common';
import { PromotionHealthCheck } from '@kargo-portal/plugin-kargo-node';
import {
  HealthCheckResult,
  HealthChecker,
  mergeHealth,
} from '../health/HealthCheckers';
import { ArgoCdApplicationCache } from './ArgoCdApplicationCache';
import { ArgoCdApplication, ArgoCdClusters } from './ArgoCdClusters';
import { WatchBackoff } from './ApplicationWatch';
import { appSources } from './applicationUpdates';

/** The kind of the Argo CD health check, named after the step that records it, as in Kargo. */
export const ARGOCD_HEALTH_CHECK = 'argocd-update';

/** The Stage annotation Kargo's UI reads its Argo CD links from: JSON `[{"name", "namespace"}]`. */
export const ARGOCD_CONTEXT_ANNOTATION = 'kargo.akuity.io/argocd-context';

/**
 * The input of the Argo CD health check: Kargo's `ArgoCDHealthInput` (pkg/health/checker/builtin/argocd.go),
 * whose apps carry `name`, `namespace` and `desiredRevisions` (one per source, '' for "any"), plus this portal's
 * `cluster`.
 */
const healthInputSchema = z.object({
  apps: z.array(
    z.object({
      name: z.string().min(1),
      namespace: z.string().min(1).optional(),
      cluster: z.string().min(1).optional(),
      desiredRevisions: z.array(z.string()).optional(),
    }),
  ),
});

type AppCheck = z.infer<typeof healthInputSchema>['apps'][number];

/** The health check `argocd-update` records for the apps it synced. */
export function argoCdHealthCheck(
  apps: Array<{
    cluster: string;
    namespace: string;
    name: string;
    desiredRevisions: Array<string | undefined>;
  }>,
): PromotionHealthCheck {
  return {
    uses: ARGOCD_HEALTH_CHECK,
    config: {
      apps: apps.map(app => ({
        name: app.name,
        namespace: app.namespace,
        cluster: app.cluster,
        desiredRevisions: app.desiredRevisions.map(revision => revision ?? ''),
      })),
    },
  };
}

const contextSchema = z.array(
  z.object({ name: z.string().min(1), namespace: z.string().min(1) }),
);

/**
 * The apps a Stage's `kargo.akuity.io/argocd-context` annotation names (Kargo's `ArgoCDAppRef` list, see
 * pkg/api/argocd_context.go), as a check for links only; none when it is absent. A malformed annotation is an
 * error naming it.
 */
export function argoCdContextChecks(
  stage: StageManifest,
): PromotionHealthCheck[] {
  const raw = stage.metadata.annotations?.[ARGOCD_CONTEXT_ANNOTATION];
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(
      `annotation ${ARGOCD_CONTEXT_ANNOTATION} of stage ${stage.metadata.name} is not JSON: ${error}`,
    );
  }
  const apps = contextSchema.safeParse(parsed);
  if (!apps.success) {
    throw new Error(
      `annotation ${ARGOCD_CONTEXT_ANNOTATION} of stage ${stage.metadata.name} must be a list of {"name", "namespace"}`,
    );
  }
  return [{ uses: ARGOCD_HEALTH_CHECK, config: { apps: apps.data } }];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** Argo CD's condition types that make an app Unhealthy (Kargo's `healthErrorConditions`). */
const ERROR_CONDITIONS = ['ComparisonError', 'InvalidSpecError'];

/** One app's verdict (before the fields the API shows are added). */
interface Verdict {
  status: HealthState;
  issues: string[];
}

/**
 * Kargo's assessment of one Argo CD Application (`getApplicationHealth` in pkg/health/checker/builtin/argocd.go),
 * in its order: health not trusted (Unknown) when the app was not reconciled since its last operation finished;
 * Unhealthy on a ComparisonError or InvalidSpecError condition; then the sync: Unknown while a sync runs,
 * Unhealthy when a source is synced to another revision than the desired one; then Argo CD's health:
 * Progressing (or none) and Suspended count as Progressing, Healthy as Healthy, anything else (Degraded,
 * Missing, Unknown) as Unhealthy.
 */
export function assessApplication(
  app: ArgoCdApplication,
  desiredRevisions: string[],
  where: string,
): Verdict {
  const status = app.status ?? {};
  const operationState = isRecord(status.operationState)
    ? status.operationState
    : undefined;
  const finishedAt = str(operationState?.finishedAt);
  const reconciledAt = str(status.reconciledAt);
  if (
    finishedAt &&
    (!reconciledAt || Date.parse(reconciledAt) < Date.parse(finishedAt))
  ) {
    return {
      status: 'Unknown',
      issues: [
        `${where} was not reconciled after its most recent operation completed; its health is not trusted yet`,
      ],
    };
  }
  const conditions = Array.isArray(status.conditions)
    ? status.conditions.filter(isRecord)
    : [];
  const errors = conditions.filter(c =>
    ERROR_CONDITIONS.includes(String(c.type)),
  );
  if (errors.length > 0) {
    return {
      status: 'Unhealthy',
      issues: errors.map(
        c =>
          `${where} has ${String(c.type)} condition: ${String(
            c.message ?? '',
          )}`,
      ),
    };
  }
  const sync = assessSync(app, desiredRevisions, where);
  if (sync) return sync;
  const health = isRecord(status.health)
    ? str(status.health.status)
    : undefined;
  switch (health ?? '') {
    case 'Healthy':
      return { status: 'Healthy', issues: [] };
    case 'Progressing':
    case '':
      return { status: 'Progressing', issues: [`${where} is progressing`] };
    case 'Suspended':
      // Kargo counts a suspended app as progressing until the suspension is lifted (akuity/kargo#2216).
      return { status: 'Progressing', issues: [`${where} is suspended`] };
    default:
      return {
        status: 'Unhealthy',
        issues: [`${where} has health state ${health}`],
      };
  }
}

/** Kargo's `stageHealthForAppSync`: a verdict when the sync decides it, else undefined (go on with health). */
function assessSync(
  app: ArgoCdApplication,
  desiredRevisions: string[],
  where: string,
): Verdict | undefined {
  if (!desiredRevisions.some(revision => revision !== '')) return undefined;
  const status = app.status ?? {};
  const operationState = isRecord(status.operationState)
    ? status.operationState
    : undefined;
  if (
    (isRecord(app.operation) && isRecord(app.operation.sync)) ||
    !operationState ||
    !str(operationState.finishedAt)
  ) {
    return { status: 'Unknown', issues: [`${where} is being synced`] };
  }
  const { sources } = appSources(app);
  if (sources.length !== desiredRevisions.length) {
    return {
      status: 'Unknown',
      issues: [
        `${where} has ${sources.length} sources but ${desiredRevisions.length} desired revisions`,
      ],
    };
  }
  const observed = syncedRevisions(app);
  if (observed.length !== desiredRevisions.length) {
    return {
      status: 'Unknown',
      issues: [
        `${where} has ${observed.length} synced revisions but ${desiredRevisions.length} desired revisions`,
      ],
    };
  }
  const issues = desiredRevisions.flatMap((desired, index) =>
    desired !== '' && observed[index] !== desired
      ? [
          `source ${index} (${String(
            sources[index].repoURL ?? '',
          )}) is synced to ${
            observed[index] || 'nothing'
          }, not to the desired revision ${desired}`,
        ]
      : [],
  );
  return issues.length > 0
    ? {
        status: 'Unhealthy',
        issues: [
          `${where}: not all sources are synced to the desired revisions: ${issues.join(
            '; ',
          )}`,
        ],
      }
    : undefined;
}

/** `status.sync.revisions`, or `[status.sync.revision]` for a single-source app. */
function syncedRevisions(app: ArgoCdApplication): string[] {
  const sync = isRecord(app.status?.sync) ? app.status.sync : {};
  if (Array.isArray(sync.revisions) && sync.revisions.length > 0) {
    return sync.revisions.map(String);
  }
  return [str(sync.revision) ?? ''];
}

const dependencyKey = (cluster: string, namespace: string, name: string) =>
  JSON.stringify([cluster, namespace, name]);

/**
 * The Argo CD health checker (kind `argocd-update`): evaluates the apps a promotion synced from the
 * {@link ArgoCdApplicationCache}, kept current by watches of the namespaces the checks name.
 */
export class ArgoCdHealthChecker implements HealthChecker {
  readonly uses = ARGOCD_HEALTH_CHECK;
  private readonly tracked = new Map<string, Set<string>>();

  constructor(
    private readonly options: {
      clusters: ArgoCdClusters;
      cache: ArgoCdApplicationCache;
    },
  ) {}

  private resolve(app: AppCheck) {
    return {
      cluster: app.cluster ?? this.options.clusters.defaultCluster,
      namespace: app.namespace ?? this.options.clusters.namespace,
      name: app.name,
      desiredRevisions: app.desiredRevisions ?? [],
    };
  }

  private parse(config: Record<string, unknown>) {
    const parsed = healthInputSchema.safeParse(config);
    if (!parsed.success) {
      throw new Error(
        `invalid ${ARGOCD_HEALTH_CHECK} health check input: ${parsed.error.issues
          .map(i => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')}`,
      );
    }
    return parsed.data.apps.map(app => this.resolve(app));
  }

  dependencies(config: Record<string, unknown>): string[] {
    return this.parse(config).flatMap(app =>
      app.cluster ? [dependencyKey(app.cluster, app.namespace, app.name)] : [],
    );
  }

  track(dependencies: string[]): void {
    this.tracked.clear();
    const namespaces = new Map<
      string,
      { cluster: string; namespace: string }
    >();
    for (const dependency of dependencies) {
      const [cluster, namespace, name] = JSON.parse(dependency) as string[];
      const key = JSON.stringify([cluster, namespace]);
      namespaces.set(key, { cluster, namespace });
      let names = this.tracked.get(key);
      if (!names) {
        names = new Set();
        this.tracked.set(key, names);
      }
      names.add(name);
    }
    this.options.cache.track([...namespaces.values()]);
  }

  onChange(listener: (dependency: string) => void): void {
    this.options.cache.onChange(({ cluster, namespace }, name) => {
      const names = this.tracked.get(JSON.stringify([cluster, namespace]));
      if (!names) return;
      for (const each of name === undefined ? names : [name]) {
        if (names.has(each)) listener(dependencyKey(cluster, namespace, each));
      }
    });
  }

  check(config: Record<string, unknown>): HealthCheckResult {
    let status: HealthState = 'Healthy';
    const issues: string[] = [];
    const applications = this.parse(config).map(app => {
      const entry = this.assess(app);
      status = mergeHealth(status, entry.status);
      if (entry.message) issues.push(entry.message);
      return entry;
    });
    return { status, issues, applications };
  }

  private assess(
    app: ReturnType<ArgoCdHealthChecker['resolve']>,
  ): ApplicationHealth {
    const { clusters, cache } = this.options;
    const cluster = app.cluster ?? '';
    const where = `Argo CD Application ${app.namespace}/${app.name} on cluster "${cluster}"`;
    const url = clusters.applicationUrl(app.namespace, app.name);
    const base: Omit<ApplicationHealth, 'status'> = {
      cluster,
      namespace: app.namespace,
      name: app.name,
      ...(app.desiredRevisions.length > 0
        ? { desiredRevisions: app.desiredRevisions }
        : {}),
      ...(url ? { link: { url, title: clusters.title } } : {}),
    };
    const unknown = (message: string): ApplicationHealth => ({
      ...base,
      status: 'Unknown',
      message,
    });
    if (!app.cluster) {
      return unknown(
        `${where}: no cluster named and no kargo.argocd.defaultCluster set`,
      );
    }
    if (!clusters.has(cluster)) {
      return unknown(`${where}: the cluster "${cluster}" is not configured`);
    }
    const view = cache.view({ cluster, namespace: app.namespace });
    if (!view || (!view.synced && !view.error)) {
      return unknown(`${where} has not been read yet`);
    }
    if (view.error) return unknown(view.error);
    const live = view.get(app.name);
    if (!live) return unknown(`${where} was not found`);
    const verdict = assessApplication(live, app.desiredRevisions, where);
    const status = live.status ?? {};
    const sync = isRecord(status.sync) ? status.sync : {};
    const revisions = syncedRevisions(live).filter(r => r !== '');
    const multi = Array.isArray(sync.revisions) && sync.revisions.length > 0;
    const health = isRecord(status.health)
      ? str(status.health.status)
      : undefined;
    return {
      ...base,
      status: verdict.status,
      ...(verdict.issues.length > 0
        ? { message: verdict.issues.join('; ') }
        : {}),
      ...(str(sync.status) ? { syncStatus: str(sync.status) } : {}),
      ...(revisions[0] ? { revision: revisions[0] } : {}),
      ...(multi ? { revisions } : {}),
      ...(health ? { healthStatus: health } : {}),
    };
  }

  stop(): Promise<void> {
    return this.options.cache.stop();
  }
}

/**
 * The Argo CD health checker with its application cache (watches started on demand), to register in the
 * health checker registry.
 */
export function createArgoCdHealthChecker(options: {
  clusters: ArgoCdClusters;
  logger: LoggerService;
  backoff?: WatchBackoff;
}): ArgoCdHealthChecker {
  return new ArgoCdHealthChecker({
    clusters: options.clusters,
    cache: new ArgoCdApplicationCache(options),
  });
}
