/*
 * TEST DOUBLE SUPPORT for the Argo CD simulator (argoCdSimulator.ts): reading an Application's sources and
 * writing the status fields Argo CD's application controller owns, plus a builder of Application manifests for
 * tests and the demo.
 */
import { isJsonObject, Json, jsonEqual } from './kubernetesPatch';
import { KubernetesObjectDouble } from './kubernetesResources';

/** An entry of `spec.source` / `spec.sources`. */
export interface ApplicationSourceDouble {
  repoURL: string;
  path?: string;
  chart?: string;
  targetRevision?: string;
  [field: string]: unknown;
}

/** A plain object view of a field; `{}` when it is absent or not an object. */
export function fieldObject(value: unknown): { [key: string]: Json } {
  return isJsonObject(value) ? value : {};
}

/** The app's sources and whether it uses `spec.sources` (multi-source). */
export function sourcesOf(app: KubernetesObjectDouble): {
  multi: boolean;
  sources: { [key: string]: Json }[];
} {
  const spec = fieldObject(app.spec);
  if (Array.isArray(spec.sources) && spec.sources.length > 0) {
    return { multi: true, sources: spec.sources.map(fieldObject) };
  }
  return {
    multi: false,
    sources: isJsonObject(spec.source) ? [spec.source] : [],
  };
}

/** What `status.sync` / `syncResult` carry for revisions: `revision`, or `revisions` for multi-source apps. */
export function revisionFields(
  multi: boolean,
  revisions: string[],
): { revision: string } | { revisions: string[] } {
  return multi ? { revisions } : { revision: revisions[0] ?? '' };
}

/** The revisions in `status.sync` (either form), or undefined when none were synced yet. */
export function syncedRevisions(
  app: KubernetesObjectDouble,
): string[] | undefined {
  const sync = fieldObject(fieldObject(app.status).sync);
  if (Array.isArray(sync.revisions)) return sync.revisions.map(String);
  return typeof sync.revision === 'string' && sync.revision !== ''
    ? [sync.revision]
    : undefined;
}

export function sameRevisions(a: string[] | undefined, b: string[]): boolean {
  return a !== undefined && jsonEqual(a, b);
}

/** Options of `applicationManifest`. */
export interface ApplicationManifestOptions {
  name: string;
  namespace?: string;
  project?: string;
  /** One source (`spec.source`) or several (`spec.sources`). */
  source?: ApplicationSourceDouble;
  sources?: ApplicationSourceDouble[];
  destinationNamespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** `kargo.akuity.io/authorized-stage`, e.g. `kargo-demo:test`. */
  authorizedStage?: string;
  /**
   * A status as if the app had been synced to these revisions (one per source) and were healthy; without it
   * the app has no status and the simulator reconciles it to OutOfSync / Missing.
   */
  deployedRevisions?: string[];
  /** Timestamp of that status; default 2026-01-01T00:00:00Z. */
  deployedAt?: string;
}

/** An `argoproj.io/v1alpha1` Application manifest. */
export function applicationManifest(
  options: ApplicationManifestOptions,
): KubernetesObjectDouble {
  const sources = options.sources ?? [
    options.source ?? {
      repoURL: 'https://github.com/example/deploy.git',
      path: options.name,
      targetRevision: 'HEAD',
    },
  ];
  const multi = options.sources !== undefined;
  const annotations = {
    ...options.annotations,
    ...(options.authorizedStage
      ? { 'kargo.akuity.io/authorized-stage': options.authorizedStage }
      : {}),
  };
  const destination = {
    server: 'https://kubernetes.default.svc',
    namespace: options.destinationNamespace ?? options.name,
  };
  const at = options.deployedAt ?? '2026-01-01T00:00:00Z';
  const deployed = options.deployedRevisions;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: options.name,
      namespace: options.namespace ?? 'argocd',
      ...(options.labels ? { labels: options.labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      project: options.project ?? 'default',
      ...(multi ? { sources } : { source: sources[0] }),
      destination,
    },
    ...(deployed
      ? {
          status: {
            sync: {
              status: 'Synced',
              ...revisionFields(multi, deployed),
              comparedTo: {
                ...(multi ? { sources } : { source: sources[0] }),
                destination,
              },
            },
            health: { status: 'Healthy' },
            reconciledAt: at,
            operationState: {
              operation: {
                sync: { ...revisionFields(multi, deployed) },
                initiatedBy: { automated: true },
              },
              phase: 'Succeeded',
              message: 'successfully synced (all tasks run)',
              startedAt: at,
              finishedAt: at,
              syncResult: {
                ...revisionFields(multi, deployed),
                ...(multi ? { sources } : { source: sources[0] }),
              },
            },
          },
        }
      : {}),
  };
}
