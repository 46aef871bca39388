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
  ArgoCdClusterError,
  ArgoCdClusters,
} from '../../argocd/ArgoCdClusters';
import {
  PlannedUpdate,
  REFRESH_ANNOTATION,
  isAuthorized,
  operationPromotion,
  operationState,
  planUpdate,
  revisionMismatches,
  syncOperation,
} from '../../argocd/applicationUpdates';
import { argoCdHealthCheck } from '../../argocd/ArgoCdHealthChecker';
import {
  appReferenceFields,
  describeApp,
  hasNameOrSelector,
  labelSelectorString,
} from '../stepHelpers/argoCdApps';

/** Kargo's default timeout of `argocd-update`. */
const DEFAULT_TIMEOUT_MS = 5 * 60_000;
/** How long to wait between two looks at a sync in progress. */
const DEFAULT_POLL_INTERVAL_MS = 5_000;
/** How often a patch answered 409 (the app changed meanwhile) is read and tried again within one run. */
const MAX_CONFLICT_RETRIES = 5;

const kustomizeImageSchema = z
  .object({
    repoURL: z.string().min(1),
    tag: z.string().min(1).optional(),
    digest: z.string().min(1).optional(),
    newName: z.string().min(1).optional(),
  })
  .strict()
  .refine(image => image.tag !== undefined || image.digest !== undefined, {
    message: 'a Kustomize image needs a tag or a digest',
  });

const sourceUpdateSchema = z
  .object({
    repoURL: z.string().min(1),
    chart: z.string().min(1).optional(),
    desiredRevision: z.string().min(1).optional(),
    updateTargetRevision: z.boolean().optional(),
    kustomize: z
      .object({ images: z.array(kustomizeImageSchema).min(1) })
      .strict()
      .optional(),
    helm: z
      .object({
        images: z
          .array(
            z.object({ key: z.string().min(1), value: z.string() }).strict(),
          )
          .min(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine(update => !update.updateTargetRevision || update.desiredRevision, {
    message: 'updateTargetRevision needs a desiredRevision',
  });

const appUpdateSchema = z
  .object({
    ...appReferenceFields,
    sources: z.array(sourceUpdateSchema).optional(),
  })
  .strict()
  .refine(hasNameOrSelector, {
    message: 'an app needs either a name or a selector',
  });

/** Kargo's `ArgoCDUpdateConfig`, plus an optional `cluster` per app. */
const argoCdUpdateConfigSchema = z
  .object({ apps: z.array(appUpdateSchema).min(1) })
  .strict();

export type ArgoCdUpdateConfig = z.infer<typeof argoCdUpdateConfigSchema>;
type AppUpdate = ArgoCdUpdateConfig['apps'][number];

/** One app the step works on. */
interface Target {
  client: ArgoCdClusterClient;
  app: ArgoCdApplication;
  update: AppUpdate;
}

/** What one app needs on this run. */
type Decision =
  | { kind: 'done' }
  | { kind: 'wait'; reason: string }
  | { kind: 'sync'; resync: boolean };

/**
 * `argocd-update`: updates the sources of Argo CD Applications and syncs them, as Kargo's step does. An app is
 * named (`name`) or selected by labels (`selector`); it must carry `kargo.akuity.io/authorized-stage:
 * <project>:<stage>`. `cluster` (an addition to Kargo's config) names the configured cluster of an app.
 *
 * The step is idempotent without stored state: the sync it requests carries the promotion in `operation.info`,
 * so a run after a crash finds its own operation (or its result) on the app instead of syncing again.
 */
export function createArgoCdUpdateStep(options: {
  clusters: () => ArgoCdClusters;
  pollIntervalMs?: number;
}): PromotionStepRunner<ArgoCdUpdateConfig> {
  return createPromotionStep({
    name: 'argocd-update',
    schema: argoCdUpdateConfigSchema,
    defaultTimeoutMs: DEFAULT_TIMEOUT_MS,
    run: (context, config) =>
      runUpdate(
        options.clusters(),
        context,
        config,
        options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      ),
  });
}

function describe(target: {
  client: ArgoCdClusterClient;
  app: ArgoCdApplication;
}) {
  return describeApp(
    target.client.cluster,
    target.app.metadata.namespace,
    target.app.metadata.name,
  );
}

function clientFor(clusters: ArgoCdClusters, update: AppUpdate) {
  try {
    return clusters.client(update.cluster);
  } catch (error) {
    const app = update.name ?? 'selected by labels';
    throw new TerminalStepError(
      `Argo CD Application ${app}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

/** The apps of the config, read from their clusters and checked for authorization. */
async function resolveTargets(
  clusters: ArgoCdClusters,
  context: PromotionStepContext,
  config: ArgoCdUpdateConfig,
): Promise<Target[]> {
  const targets: Target[] = [];
  const stage = `${context.project}:${context.stage}`;
  for (const update of config.apps) {
    const client = clientFor(clusters, update);
    const namespace = update.namespace ?? clusters.namespace;
    if (update.name !== undefined) {
      const app = await client.get(namespace, update.name, context.signal);
      const where = describeApp(client.cluster, namespace, update.name);
      if (!app) throw new Error(`${where} was not found`);
      if (!isAuthorized(app, context.project, context.stage)) {
        throw new TerminalStepError(
          `${where} is not authorized for stage ${stage} (annotation kargo.akuity.io/authorized-stage)`,
        );
      }
      targets.push({ client, app, update });
      continue;
    }
    const selector = labelSelectorString(update.selector ?? {});
    const apps = await client.list(namespace, selector, context.signal);
    const authorized = apps.filter(app =>
      isAuthorized(app, context.project, context.stage),
    );
    for (const app of apps) {
      if (!authorized.includes(app)) {
        context.logger.warn(
          `skipping ${describe({
            client,
            app,
          })}: not authorized for stage ${stage}`,
        );
      }
    }
    if (authorized.length === 0) {
      throw new TerminalStepError(
        `no Argo CD Application in ${namespace} on cluster "${client.cluster}" matching "${selector}" is authorized for stage ${stage} (${apps.length} matched)`,
      );
    }
    targets.push(...authorized.map(app => ({ client, app, update })));
  }
  return targets;
}

/** What an app needs: nothing more, to wait for an operation, or a (re-)sync. */
function decide(
  target: Target,
  plan: PlannedUpdate,
  promotion: string,
): Decision {
  const { app } = target;
  if (app.operation) {
    return operationPromotion(app.operation) === promotion
      ? { kind: 'wait', reason: 'waiting for its sync to start' }
      : {
          kind: 'wait',
          reason: 'waiting for an operation not started by this promotion',
        };
  }
  const state = operationState(app);
  if (!state || operationPromotion(state.operation) !== promotion) {
    return { kind: 'sync', resync: false };
  }
  const phase = String(state.phase ?? '');
  if (phase === 'Running' || phase === 'Terminating' || phase === '') {
    return { kind: 'wait', reason: `its sync is ${phase || 'pending'}` };
  }
  if (phase === 'Failed' || phase === 'Error') {
    throw new TerminalStepError(
      `${describe(target)}: the sync ended ${phase}${
        state.message ? `: ${String(state.message)}` : ''
      }`,
    );
  }
  if (plan.changed || revisionMismatches(app, plan.desiredRevisions).length) {
    return { kind: 'sync', resync: true };
  }
  return { kind: 'done' };
}

async function runUpdate(
  clusters: ArgoCdClusters,
  context: PromotionStepContext,
  config: ArgoCdUpdateConfig,
  pollIntervalMs: number,
): Promise<PromotionStepResult> {
  const targets = await resolveTargets(clusters, context, config);
  const plans = targets.map(target => {
    try {
      return planUpdate(target.app, target.update.sources ?? []);
    } catch (error) {
      throw new TerminalStepError(
        `${describe(target)}: ${
          error instanceof Error ? error.message : String(error)
        }; no app was changed`,
      );
    }
  });
  // Every app is checked before any is changed: a failed sync or a source update that does not apply stops
  // the step with no app touched.
  const decisions = targets.map((target, index) =>
    decide(target, plans[index], context.promotion),
  );
  const waiting: string[] = [];
  for (const [index, target] of targets.entries()) {
    const reason = await syncIfNeeded(
      target,
      plans[index],
      decisions[index],
      context,
    );
    if (reason) waiting.push(`${describe(target)}: ${reason}`);
  }
  if (waiting.length > 0) {
    return {
      status: 'Running',
      message: waiting.join('; '),
      retryAfterMs: pollIntervalMs,
    };
  }
  return {
    status: 'Succeeded',
    message: `synced ${targets.map(describe).join(', ')}`,
    healthCheck: argoCdHealthCheck(
      targets.map((target, index) => ({
        cluster: target.client.cluster,
        namespace: target.app.metadata.namespace,
        name: target.app.metadata.name,
        desiredRevisions: plans[index].desiredRevisions,
      })),
    ),
  };
}

/** Requests the sync an app needs; returns why the step must still wait for it, or undefined when done. */
async function syncIfNeeded(
  initial: Target,
  initialPlan: PlannedUpdate,
  initialDecision: Decision,
  context: PromotionStepContext,
): Promise<string | undefined> {
  let target = initial;
  let plan = initialPlan;
  let decision = initialDecision;
  for (let attempt = 0; ; attempt++) {
    if (decision.kind === 'done') return undefined;
    if (decision.kind === 'wait') return decision.reason;
    const { app, client } = target;
    if (decision.resync) {
      const mismatches = revisionMismatches(app, plan.desiredRevisions);
      context.logger.warn(
        `${describe(
          target,
        )} was synced to other revisions than desired (${mismatches.join(
          '; ',
        )}); syncing again`,
      );
    }
    try {
      await client.mergePatch(
        app.metadata.namespace,
        app.metadata.name,
        {
          metadata: {
            resourceVersion: app.metadata.resourceVersion,
            annotations: { [REFRESH_ANNOTATION]: 'hard' },
          },
          ...(plan.changed
            ? {
                spec: plan.multi
                  ? { sources: plan.sources }
                  : { source: plan.sources[0] },
              }
            : {}),
          operation: syncOperation(app, plan, {
            id: context.promotion,
            actor: context.actor,
            project: context.project,
            stage: context.stage,
          }),
        },
        context.signal,
      );
      context.logger.info(`requested a sync of ${describe(target)}`);
      return 'sync requested';
    } catch (error) {
      if (
        !(error instanceof ArgoCdClusterError) ||
        error.status !== 409 ||
        attempt >= MAX_CONFLICT_RETRIES
      ) {
        throw error;
      }
      context.logger.info(
        `${describe(target)} changed while being updated; reading it again`,
      );
      const fresh = await client.get(
        app.metadata.namespace,
        app.metadata.name,
        context.signal,
      );
      if (!fresh) throw new Error(`${describe(target)} was deleted`);
      target = { ...target, app: fresh };
      plan = planUpdate(fresh, target.update.sources ?? []);
      decision = decide(target, plan, context.promotion);
    }
  }
}
