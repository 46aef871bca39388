import { ConflictError, InputError } from '@backstage/errors';
import {
  ArgoCdSettings,
  kubeConfigForArgoCdCluster,
} from '@kargo-portal/plugin-kargo-node';
import {
  ApiException,
  CustomObjectsApi,
  Observable,
  PatchStrategy,
  RequestContext,
  ResponseContext,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { z } from 'zod/v3';

/** The field manager of the ApplicationSets the scaffolder applies (server-side apply). */
export const APPLICATION_SET_FIELD_MANAGER = 'kargo-portal-scaffolder';

const APPLICATION_SETS = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  plural: 'applicationsets',
};

/** Bound of one request to a cluster. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Server-side applies an ApplicationSet on a configured cluster as {@link APPLICATION_SET_FIELD_MANAGER}, without
 * `force`: fields another manager owns are a conflict, reported with their paths and managers.
 */
export async function applyApplicationSet(options: {
  settings: ArgoCdSettings;
  cluster: string;
  manifest: { metadata: { name: string; namespace: string } };
  signal?: AbortSignal;
}): Promise<{ created: boolean; resourceVersion?: string }> {
  const { settings, cluster, manifest } = options;
  const target = settings.clusters.get(cluster);
  if (!target) {
    throw new InputError(unknownCluster(settings, cluster));
  }
  const api =
    kubeConfigForArgoCdCluster(target).makeApiClient(CustomObjectsApi);
  const { name, namespace } = manifest.metadata;
  const where = `ApplicationSet ${namespace}/${name} on cluster "${cluster}"`;
  const bound = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const signal = options.signal
    ? AbortSignal.any([options.signal, bound])
    : bound;
  const requestOptions = {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (context: ResponseContext) =>
          new Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: 'append' as const,
  };
  try {
    const existing = await api
      .getNamespacedCustomObject(
        { ...APPLICATION_SETS, namespace, name },
        requestOptions,
      )
      .then(
        () => true,
        error => {
          if (error instanceof ApiException && error.code === 404) return false;
          throw error;
        },
      );
    const applied: unknown = await api.patchNamespacedCustomObject(
      {
        ...APPLICATION_SETS,
        namespace,
        name,
        body: manifest,
        fieldManager: APPLICATION_SET_FIELD_MANAGER,
        force: false,
      },
      setHeaderOptions(
        'Content-Type',
        PatchStrategy.ServerSideApply,
        requestOptions,
      ),
    );
    return { created: !existing, resourceVersion: resourceVersionOf(applied) };
  } catch (error) {
    if (error instanceof ApiException) {
      const status = parseStatus(error.body);
      if (error.code === 409) {
        const conflicts = (status?.details?.causes ?? [])
          .filter(cause => cause.reason === 'FieldManagerConflict')
          .map(cause => `${cause.field} (${cause.message})`);
        throw new ConflictError(
          `${where}: fields are owned by another field manager: ${
            conflicts.join(', ') || status?.message || 'conflict'
          }. This action applies as field manager "${APPLICATION_SET_FIELD_MANAGER}" and does not take fields over; change the ApplicationSet's name or hand the fields over in the cluster`,
        );
      }
      throw new Error(
        `applying ${where}: the API server answered ${error.code}${
          status?.message ? ` (${status.message})` : ''
        }`,
      );
    }
    let reason = `the API server could not be reached (${
      error instanceof Error ? error.message : String(error)
    })`;
    if (options.signal?.aborted) reason = 'the task was cancelled';
    else if (bound.aborted)
      reason = `no answer within ${REQUEST_TIMEOUT_MS} ms`;
    throw new Error(`applying ${where}: ${reason}`, { cause: error });
  }
}

/** The error of a cluster that is not configured, naming the input field. */
export function unknownCluster(settings: ArgoCdSettings, cluster: string) {
  return `cluster: unknown Argo CD cluster "${cluster}" (configured in kargo.argocd.clusters or kubernetes.clusterLocatorMethods: ${
    [...settings.clusters.keys()].join(', ') || 'none'
  })`;
}

/** The parts of a Kubernetes `Status` the errors quote. */
const kubernetesStatus = z.object({
  message: z.string().optional(),
  details: z
    .object({
      causes: z
        .array(
          z.object({
            reason: z.string().optional(),
            field: z.string().optional(),
            message: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

function parseStatus(body: unknown) {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const result = kubernetesStatus.safeParse(parsed);
  return result.success ? result.data : undefined;
}

function resourceVersionOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const metadata = Reflect.get(value, 'metadata');
  const version =
    typeof metadata === 'object' && metadata !== null
      ? Reflect.get(metadata, 'resourceVersion')
      : undefined;
  return typeof version === 'string' ? version : undefined;
}
