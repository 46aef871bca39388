/*
 * What `argocd-update` changes on an Argo CD Application, as pure functions: whether a stage may touch the app
 * (`kargo.akuity.io/authorized-stage`), its sources after the step's source updates, the revisions the sync must
 * reach, and the sync operation.
 */
import { ArgoCdApplication } from './ArgoCdClusters';

export const AUTHORIZED_STAGE_ANNOTATION = 'kargo.akuity.io/authorized-stage';
export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';
/** The `operation.info` entry naming the promotion that requested a sync. */
export const PROMOTION_INFO = 'kargo.akuity.io/promotion';

/** One image of a Kustomize source (`spec.source.kustomize.images`). */
export interface KustomizeImageUpdate {
  repoURL: string;
  tag?: string;
  digest?: string;
  newName?: string;
}

/** One source update of Kargo's `argocd-update`. */
export interface SourceUpdate {
  repoURL: string;
  chart?: string;
  desiredRevision?: string;
  updateTargetRevision?: boolean;
  kustomize?: { images: KustomizeImageUpdate[] };
  helm?: { images: Array<{ key: string; value: string }> };
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether the app's `kargo.akuity.io/authorized-stage` names `<project>:<stage>` (comma list, no globs). */
export function isAuthorized(
  app: ArgoCdApplication,
  project: string,
  stage: string,
): boolean {
  const value = app.metadata.annotations?.[AUTHORIZED_STAGE_ANNOTATION];
  if (!value) return false;
  return value
    .split(',')
    .map(entry => entry.trim())
    .some(entry => entry === `${project}:${stage}`);
}

/** A repository URL compared without scheme, user, `.git`, trailing slashes or case. */
export function normalizeRepoURL(url: string): string {
  let normalized = url.trim().toLowerCase();
  normalized = normalized.replace(/^[a-z0-9+.-]+:\/\//, '');
  normalized = normalized.replace(/^[^@/]+@/, '');
  // scp-like Git URLs: git@host:owner/repo
  normalized = normalized.replace(/^([^/:]+):(?!\d+\/)/, '$1/');
  normalized = normalized.replace(/\/+$/, '').replace(/\.git$/, '');
  return normalized.replace(/\/+$/, '');
}

/** The app's sources and whether it uses `spec.sources`. */
export function appSources(app: ArgoCdApplication): {
  multi: boolean;
  sources: Json[];
} {
  const spec = app.spec ?? {};
  if (Array.isArray(spec.sources) && spec.sources.length > 0) {
    return { multi: true, sources: spec.sources.filter(isRecord) };
  }
  return { multi: false, sources: isRecord(spec.source) ? [spec.source] : [] };
}

function matches(source: Json, update: SourceUpdate): boolean {
  return (
    typeof source.repoURL === 'string' &&
    normalizeRepoURL(source.repoURL) === normalizeRepoURL(update.repoURL) &&
    (typeof source.chart === 'string' ? source.chart : '') ===
      (update.chart ?? '')
  );
}

function kustomizeImageName(entry: string): string {
  return entry
    .split('=')[0]
    .replace(/@.*$/, '')
    .replace(/:[^/:]*$/, '');
}

function kustomizeImage(update: KustomizeImageUpdate): string {
  const name = update.newName
    ? `${update.repoURL}=${update.newName}`
    : update.repoURL;
  if (update.digest) return `${name}@${update.digest}`;
  return update.tag ? `${name}:${update.tag}` : name;
}

function applyUpdate(source: Json, update: SourceUpdate): Json {
  const next: Json = { ...source };
  if (update.updateTargetRevision && update.desiredRevision) {
    next.targetRevision = update.desiredRevision;
  }
  if (update.kustomize) {
    const kustomize = isRecord(source.kustomize) ? source.kustomize : {};
    const images = Array.isArray(kustomize.images)
      ? kustomize.images.map(String)
      : [];
    for (const image of update.kustomize.images) {
      const entry = kustomizeImage(image);
      const index = images.findIndex(
        existing => kustomizeImageName(existing) === image.repoURL,
      );
      if (index >= 0) images[index] = entry;
      else images.push(entry);
    }
    next.kustomize = { ...kustomize, images };
  }
  if (update.helm) {
    const helm = isRecord(source.helm) ? source.helm : {};
    const parameters = Array.isArray(helm.parameters)
      ? helm.parameters.filter(isRecord).map(parameter => ({ ...parameter }))
      : [];
    for (const { key, value } of update.helm.images) {
      const existing = parameters.find(parameter => parameter.name === key);
      if (existing) existing.value = value;
      else parameters.push({ name: key, value });
    }
    next.helm = { ...helm, parameters };
  }
  return next;
}

/** The app's sources after the updates, and the revision each source must be synced to. */
export interface PlannedUpdate {
  multi: boolean;
  sources: Json[];
  /** Per source: the revision the sync must reach (the update's `desiredRevision`), or undefined. */
  desiredRevisions: Array<string | undefined>;
  /** Whether the sources changed. */
  changed: boolean;
}

/**
 * Applies the source updates to the app's sources. Throws (message naming the update) when an update matches
 * none of the app's sources: then no app is touched.
 */
export function planUpdate(
  app: ArgoCdApplication,
  updates: SourceUpdate[],
): PlannedUpdate {
  const { multi, sources } = appSources(app);
  const next = sources.map(source => ({ ...source }));
  const desiredRevisions: Array<string | undefined> = sources.map(
    () => undefined,
  );
  for (const update of updates) {
    const index = sources.findIndex(source => matches(source, update));
    if (index < 0) {
      throw new Error(
        `no source of the app has repoURL ${update.repoURL}${
          update.chart ? ` and chart ${update.chart}` : ''
        }`,
      );
    }
    next[index] = applyUpdate(next[index], update);
    if (update.desiredRevision)
      desiredRevisions[index] = update.desiredRevision;
  }
  return {
    multi,
    sources: next,
    desiredRevisions,
    changed: JSON.stringify(next) !== JSON.stringify(sources),
  };
}

/** The revisions of the app's last completed sync (`syncResult`), one per source. */
export function syncResultRevisions(app: ArgoCdApplication): string[] {
  const state = isRecord(app.status?.operationState)
    ? app.status.operationState
    : {};
  const result = isRecord(state.syncResult) ? state.syncResult : {};
  if (Array.isArray(result.revisions)) return result.revisions.map(String);
  return typeof result.revision === 'string' ? [result.revision] : [];
}

/** The desired revisions the last sync did not reach, as `source i: wanted x, synced y`. */
export function revisionMismatches(
  app: ArgoCdApplication,
  desired: Array<string | undefined>,
): string[] {
  const synced = syncResultRevisions(app);
  return desired.flatMap((revision, index) =>
    revision !== undefined && synced[index] !== revision
      ? [`wanted ${revision}, synced ${synced[index] ?? 'nothing'}`]
      : [],
  );
}

/** The `operation` a promotion writes to request a sync (Kargo's, with the actor and the promotion). */
export function syncOperation(
  app: ArgoCdApplication,
  plan: PlannedUpdate,
  promotion: { id: string; actor?: string; project: string; stage: string },
): Json {
  const revisions = plan.sources.map(source =>
    typeof source.targetRevision === 'string' ? source.targetRevision : '',
  );
  plan.desiredRevisions.forEach((revision, index) => {
    if (revision !== undefined) revisions[index] = revision;
  });
  const syncPolicy = isRecord(app.spec?.syncPolicy) ? app.spec.syncPolicy : {};
  return {
    initiatedBy: { username: promotion.actor ?? 'kargo' },
    info: [
      {
        name: 'Reason',
        value: 'Promotion triggered a sync of this Application resource.',
      },
      { name: PROMOTION_INFO, value: promotion.id },
      {
        name: 'kargo.akuity.io/stage',
        value: `${promotion.project}:${promotion.stage}`,
      },
    ],
    sync: {
      ...(plan.multi ? { revisions } : { revision: revisions[0] ?? '' }),
      ...(Array.isArray(syncPolicy.syncOptions)
        ? { syncOptions: syncPolicy.syncOptions }
        : {}),
    },
    ...(isRecord(syncPolicy.retry) ? { retry: syncPolicy.retry } : {}),
  };
}

/** The promotion named in an operation's `info`, if any. */
export function operationPromotion(operation: unknown): string | undefined {
  if (!isRecord(operation) || !Array.isArray(operation.info)) return undefined;
  const entry = operation.info
    .filter(isRecord)
    .find(info => info.name === PROMOTION_INFO);
  return typeof entry?.value === 'string' ? entry.value : undefined;
}

/** `status.operationState` of the app, when present. */
export function operationState(app: ArgoCdApplication): Json | undefined {
  return isRecord(app.status?.operationState)
    ? app.status.operationState
    : undefined;
}
