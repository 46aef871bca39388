import { z } from 'zod';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import {
  ArgoCdApplication,
  ArgoCdClusterClient,
  ArgoCdClusters,
} from '../../argocd/ArgoCdClusters';
import {
  appReferenceFields,
  describeApp,
  hasNameOrSelector,
  labelSelectorString,
} from '../stepHelpers/argoCdApps';

/** Default timeout, as `argocd-update`'s. */
const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_POLL_INTERVAL_MS = 5_000;

const conditions = [
  'health',
  'sync',
  'operation',
  'suspended',
  'degraded',
] as const;
type Condition = (typeof conditions)[number];

const argoCdWaitConfigSchema = z
  .object({
    apps: z
      .array(
        z.object(appReferenceFields).strict().refine(hasNameOrSelector, {
          message: 'an app needs either a name or a selector',
        }),
      )
      .min(1),
    /** What to wait for (all of them when several): as `argocd app wait --health --sync ...`. Default: health. */
    waitFor: z
      .union([z.enum(conditions), z.array(z.enum(conditions)).min(1)])
      .optional(),
  })
  .strict();

export type ArgoCdWaitConfig = z.infer<typeof argoCdWaitConfigSchema>;

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};
}

/** What an app reports: health, sync, whether an operation is in progress. */
function appState(app: ArgoCdApplication) {
  const status = record(app.status);
  const health = record(status.health);
  const sync = record(status.sync);
  const phase = String(record(status.operationState).phase ?? '');
  return {
    health: typeof health.status === 'string' ? health.status : 'Unknown',
    healthMessage: typeof health.message === 'string' ? health.message : '',
    sync: typeof sync.status === 'string' ? sync.status : 'Unknown',
    revision: Array.isArray(sync.revisions)
      ? sync.revisions.map(String).join(',')
      : String(sync.revision ?? ''),
    operationInProgress:
      app.operation !== undefined ||
      phase === 'Running' ||
      phase === 'Terminating',
  };
}

/** The conditions an app does not meet yet, as text. */
function unmet(app: ArgoCdApplication, waitFor: Condition[]): string[] {
  const state = appState(app);
  const missing: string[] = [];
  for (const condition of waitFor) {
    if (condition === 'health' && state.health !== 'Healthy') {
      missing.push(
        `health is ${state.health}${
          state.healthMessage ? ` (${state.healthMessage})` : ''
        }`,
      );
    } else if (condition === 'sync' && state.sync !== 'Synced') {
      missing.push(`sync is ${state.sync}`);
    } else if (condition === 'operation' && state.operationInProgress) {
      missing.push('an operation is in progress');
    } else if (condition === 'suspended' && state.health !== 'Suspended') {
      missing.push(`health is ${state.health}, not Suspended`);
    } else if (condition === 'degraded' && state.health !== 'Degraded') {
      missing.push(`health is ${state.health}, not Degraded`);
    }
  }
  return missing;
}

/**
 * `argocd-wait`: waits until Argo CD Applications meet `waitFor` (`health`: Healthy, `sync`: Synced,
 * `operation`: no operation in progress, `suspended` / `degraded`: that health). Apps are named or selected as
 * in `argocd-update` (reading them needs no `authorized-stage` annotation). `Running` until then; the step's
 * timeout (default 5 minutes) ends the wait. Output: `apps`, each with cluster, namespace, name, health, sync
 * status and revision.
 */
export function createArgoCdWaitStep(options: {
  clusters: () => ArgoCdClusters;
  pollIntervalMs?: number;
}): PromotionStepRunner<ArgoCdWaitConfig> {
  return createPromotionStep({
    name: 'argocd-wait',
    schema: argoCdWaitConfigSchema,
    defaultTimeoutMs: DEFAULT_TIMEOUT_MS,
    run: (context, config) =>
      runWait(
        options.clusters(),
        context,
        config,
        options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      ),
  });
}

async function readApps(
  clusters: ArgoCdClusters,
  context: PromotionStepContext,
  config: ArgoCdWaitConfig,
): Promise<Array<{ client: ArgoCdClusterClient; app: ArgoCdApplication }>> {
  const found: Array<{ client: ArgoCdClusterClient; app: ArgoCdApplication }> =
    [];
  for (const reference of config.apps) {
    let client: ArgoCdClusterClient;
    try {
      client = clusters.client(reference.cluster);
    } catch (error) {
      throw new TerminalStepError(
        `Argo CD Application ${reference.name ?? 'selected by labels'}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    const namespace = reference.namespace ?? clusters.namespace;
    if (reference.name !== undefined) {
      const app = await client.get(namespace, reference.name, context.signal);
      if (!app) {
        throw new Error(
          `${describeApp(
            client.cluster,
            namespace,
            reference.name,
          )} was not found`,
        );
      }
      found.push({ client, app });
      continue;
    }
    const selector = labelSelectorString(reference.selector ?? {});
    const apps = await client.list(namespace, selector, context.signal);
    if (apps.length === 0) {
      throw new Error(
        `no Argo CD Application in ${namespace} on cluster "${client.cluster}" matches "${selector}"`,
      );
    }
    found.push(...apps.map(app => ({ client, app })));
  }
  return found;
}

/** The app's page in the Argo CD UI, when `kargo.argocd.url` is configured. */
const withUrl = (url: string | undefined) => (url ? { url } : {});

async function runWait(
  clusters: ArgoCdClusters,
  context: PromotionStepContext,
  config: ArgoCdWaitConfig,
  pollIntervalMs: number,
): Promise<PromotionStepResult> {
  const waitFor: Condition[] =
    config.waitFor === undefined ? ['health'] : [config.waitFor].flat();
  const apps = await readApps(clusters, context, config);
  const output = {
    apps: apps.map(({ client, app }) => {
      const state = appState(app);
      return {
        cluster: client.cluster,
        namespace: app.metadata.namespace,
        name: app.metadata.name,
        health: state.health,
        sync: state.sync,
        revision: state.revision,
        ...withUrl(
          clusters.applicationUrl(app.metadata.namespace, app.metadata.name),
        ),
      };
    }),
  };
  const waiting = apps.flatMap(({ client, app }) => {
    const missing = unmet(app, waitFor);
    return missing.length > 0
      ? [
          `${describeApp(
            client.cluster,
            app.metadata.namespace,
            app.metadata.name,
          )}: ${missing.join(', ')}`,
        ]
      : [];
  });
  if (waiting.length > 0) {
    return {
      status: 'Running',
      message: waiting.join('; '),
      output,
      retryAfterMs: pollIntervalMs,
    };
  }
  return { status: 'Succeeded', output };
}
