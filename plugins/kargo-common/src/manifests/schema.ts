import { z } from 'zod';
import {
  annotations,
  dnsLabel,
  expressionVariable,
  goDuration,
  kubeDuration,
  labelSelector,
  labels,
  metadata,
  metadataWith,
  objectName,
  pathOf,
  report,
  stageSelector,
} from './common';
import {
  checkUniqueSubscriptions,
  warehouseSubscriptionSchema,
} from './subscriptions';
import { KARGO_API_VERSION } from './constants';

/*
 * Zod schemas of the Kargo manifests (apiVersion kargo.akuity.io/v1alpha1), after Kargo's CRDs
 * (akuity/kargo charts/kargo/resources/crds), API types (api/v1alpha1) and admission webhooks
 * (pkg/webhook/kubernetes). Objects are strict: an unknown field is an error, except inside the free-form step
 * `config` and subscription `config`. Defaults are applied as Kargo's API server and webhooks apply them.
 */

// --- Promotion steps --------------------------------------------------------------------------------------------

const promotionTaskReference = z
  .object({
    name: objectName,
    kind: z.enum(['PromotionTask', 'ClusterPromotionTask']).optional(),
  })
  .strict();

const promotionStepRetry = z
  .object({
    timeout: goDuration.optional(),
    errorThreshold: z.number().int().min(0).max(4_294_967_295).optional(),
  })
  .strict();

export const promotionStepSchema = z
  .object({
    uses: z.string().min(1).optional(),
    task: promotionTaskReference.optional(),
    as: z.string().optional(),
    if: z.string().optional(),
    continueOnError: z.boolean().optional(),
    retry: promotionStepRetry.optional(),
    vars: z.array(expressionVariable).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

type PromotionStep = z.output<typeof promotionStepSchema>;

// Kargo names unaliased steps step-<n> and the steps a task step inflates into task-<n>.
const RESERVED_ALIAS = /^(step|task)-\d+$/;
// Steps inflated from a task are aliased "<task step alias>::<step alias>".
const ALIAS_SEPARATOR = '::';

function checkAliases(steps: PromotionStep[], ctx: z.RefinementCtx): void {
  const firstIndex = new Map<string, number>();
  steps.forEach((step, index) => {
    const alias = step.as?.trim();
    if (!alias) return;
    const first = firstIndex.get(alias);
    if (first === undefined) {
      firstIndex.set(alias, index);
    } else {
      report(
        ctx,
        [index, 'as'],
        `step alias "${alias}" duplicates that of ${pathOf(ctx, first)}`,
      );
    }
    if (RESERVED_ALIAS.test(alias)) {
      report(
        ctx,
        [index, 'as'],
        `step alias "${alias}" is reserved: Kargo names unaliased steps step-<n> and task-<n>`,
      );
    }
    if (alias.includes(ALIAS_SEPARATOR)) {
      report(
        ctx,
        [index, 'as'],
        `step alias "${alias}" must not contain "${ALIAS_SEPARATOR}", which joins a task step's alias to the aliases of its steps`,
      );
    }
  });
}

/** The steps of a Stage's promotion template: each runs a step (`uses`) or inflates a task (`task`). */
const stageSteps = z
  .array(promotionStepSchema)
  .min(1)
  .superRefine((steps, ctx) => {
    steps.forEach((step, index) => {
      if ((step.uses === undefined) === (step.task === undefined)) {
        report(ctx, [index], 'must set exactly one of uses or task');
        return;
      }
      if (step.task === undefined) return;
      for (const field of [
        'continueOnError',
        'retry',
        'if',
        'config',
      ] as const) {
        if (step[field] !== undefined) {
          report(
            ctx,
            [index, field],
            'cannot be set on a step that references a task',
          );
        }
      }
    });
    checkAliases(steps, ctx);
  });

/** The steps of a (Cluster)PromotionTask: tasks do not nest, so every step `uses` a step. */
const taskSteps = z
  .array(promotionStepSchema)
  .min(1)
  .superRefine((steps, ctx) => {
    steps.forEach((step, index) => {
      if (step.task !== undefined) {
        report(
          ctx,
          [index, 'task'],
          'cannot be used in a PromotionTask: a task step cannot reference another task',
        );
      } else if (step.uses === undefined) {
        report(ctx, [index, 'uses'], 'is required');
      }
    });
    checkAliases(steps, ctx);
  });

// --- Stage -------------------------------------------------------------------------------------------------------

const freightOrigin = z
  .object({ kind: z.literal('Warehouse'), name: objectName })
  .strict();

const freightSources = z
  .object({
    direct: z.boolean().optional(),
    stages: z.array(objectName).optional(),
    requiredSoakTime: kubeDuration.optional(),
    availabilityStrategy: z.enum(['All', 'OneOf', '']).optional(),
    autoPromotionOptions: z
      .object({
        selectionPolicy: z.enum(['NewestFreight', 'MatchUpstream']).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((sources, ctx) => {
    const upstream = sources.stages?.length ?? 0;
    if (!sources.direct && upstream === 0) {
      report(
        ctx,
        [],
        'must set direct: true or list at least one upstream stage',
      );
    }
    if (sources.autoPromotionOptions?.selectionPolicy === 'MatchUpstream') {
      const path = ['autoPromotionOptions', 'selectionPolicy'];
      if (sources.direct) {
        report(
          ctx,
          path,
          'MatchUpstream cannot be used when accepting Freight directly from its origin',
        );
      }
      if (upstream !== 1) {
        report(ctx, path, 'MatchUpstream requires exactly one upstream stage');
      }
    }
  });

const freightRequest = z
  .object({ origin: freightOrigin, sources: freightSources })
  .strict();

const requestedFreight = z
  .array(freightRequest)
  .min(1)
  .superRefine((requests, ctx) => {
    const firstIndex = new Map<string, number>();
    requests.forEach((request, index) => {
      const origin = `${request.origin.kind}/${request.origin.name}`;
      const first = firstIndex.get(origin);
      if (first === undefined) {
        firstIndex.set(origin, index);
      } else {
        report(
          ctx,
          [index, 'origin'],
          `freight from ${origin} is already requested at ${pathOf(
            ctx,
            first,
          )}`,
        );
      }
    });
  });

const verification = z
  .object({
    analysisTemplates: z
      .array(
        z
          .object({
            name: objectName,
            kind: z
              .enum(['AnalysisTemplate', 'ClusterAnalysisTemplate'])
              .optional(),
          })
          .strict(),
      )
      .optional(),
    analysisRunMetadata: z
      .object({
        labels: labels.optional(),
        annotations: annotations.optional(),
      })
      .strict()
      .optional(),
    args: z
      .array(z.object({ name: z.string().min(1), value: z.string() }).strict())
      .optional(),
  })
  .strict();

export const stageSpecSchema = z
  .object({
    shard: z.string().optional(),
    vars: z.array(expressionVariable).optional(),
    requestedFreight,
    promotionTemplate: z
      .object({
        spec: z
          .object({
            vars: z.array(expressionVariable).optional(),
            steps: stageSteps.optional(),
          })
          .strict(),
      })
      .strict()
      .optional(),
    verification: verification.optional(),
    targets: z
      .object({ selectors: z.array(labelSelector) })
      .strict()
      .optional(),
  })
  .strict();

// --- Warehouse ---------------------------------------------------------------------------------------------------

export const warehouseSpecSchema = z
  .object({
    shard: z.string().optional(),
    interval: kubeDuration.default('5m0s'),
    freightCreationPolicy: z.enum(['Automatic', 'Manual']).default('Automatic'),
    freightCreationCriteria: z
      .object({ expression: z.string().optional() })
      .strict()
      .optional(),
    subscriptions: z
      .array(warehouseSubscriptionSchema)
      .min(1)
      .superRefine(checkUniqueSubscriptions),
  })
  .strict();

// --- PromotionTask, ClusterPromotionTask ------------------------------------------------------------------------

export const promotionTaskSpecSchema = z
  .object({
    vars: z.array(expressionVariable).optional(),
    steps: taskSteps,
  })
  .strict();

// --- Project (legacy promotion policies) ------------------------------------------------------------------------

export const projectSpecSchema = z
  .object({
    promotionPolicies: z
      .array(
        z
          .object({
            stage: objectName,
            autoPromotionEnabled: z.boolean().optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

// --- ProjectConfig -----------------------------------------------------------------------------------------------

/** Items of a Kubernetes list-type "set": no value twice. */
const setOf = <T extends z.ZodTypeAny>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .superRefine((items, ctx) => {
      items.forEach((value, index) => {
        const first = items.indexOf(value);
        if (first !== index) {
          report(ctx, [index], `duplicates ${pathOf(ctx, first)}`);
        }
      });
    });

export const promotionPolicySchema = z
  .object({
    stage: objectName.optional(),
    stageSelector: stageSelector.optional(),
    autoPromotionEnabled: z.boolean().optional(),
    autoRollback: z
      .object({
        onPromotion: setOf(z.enum(['Failed', 'Errored']), 2).optional(),
        onVerification: setOf(z.enum(['Failed', 'Error']), 2).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((policy, ctx) => {
    if ((policy.stage === undefined) === (policy.stageSelector === undefined)) {
      report(ctx, [], 'must set exactly one of stage or stageSelector');
    }
  });

const promotionPolicies = z
  .array(promotionPolicySchema)
  .superRefine((policies, ctx) => {
    // Like Kargo, only exact names are checked: patterns and label selectors may overlap by design.
    const firstIndex = new Map<string, number>();
    policies.forEach((policy, index) => {
      const name = policy.stageSelector
        ? policy.stageSelector.name
        : policy.stage;
      if (!name || name.includes(':')) return;
      const first = firstIndex.get(name);
      if (first === undefined) {
        firstIndex.set(name, index);
      } else {
        report(
          ctx,
          [index],
          `stage name "${name}" already defined at ${pathOf(ctx, first)}`,
        );
      }
    });
  });

const secretRef = z.object({ name: z.string().min(1) }).strict();
const secretOnlyReceiver = z.object({ secretRef }).strict();

const genericWebhookTarget = z
  .object({
    kind: z.enum(['Warehouse']),
    name: z.string().optional(),
    labelSelector: labelSelector.optional(),
    indexSelector: z
      .object({
        matchIndices: z
          .array(
            z
              .object({
                key: z.enum(['subscribedURLs', 'receiverPaths']),
                operator: z.enum(['Equals', 'NotEquals']),
                value: z.string(),
              })
              .strict(),
          )
          .min(1)
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((target, ctx) => {
    const hasLabels =
      Object.keys(target.labelSelector?.matchLabels ?? {}).length > 0 ||
      (target.labelSelector?.matchExpressions?.length ?? 0) > 0;
    const hasIndices = (target.indexSelector?.matchIndices?.length ?? 0) > 0;
    if (!target.name && !hasLabels && !hasIndices) {
      report(
        ctx,
        [],
        'must set at least one of name, labelSelector or indexSelector',
      );
    }
  });

const genericReceiver = z
  .object({
    secretRef,
    actions: z
      .array(
        z
          .object({
            action: z.enum(['Refresh']),
            whenExpression: z.string().optional(),
            parameters: z.record(z.string(), z.string()).optional(),
            targetSelectionCriteria: z
              .array(genericWebhookTarget)
              .min(1)
              .optional(),
          })
          .strict(),
      )
      .min(1)
      .optional(),
  })
  .strict();

const RECEIVER_TYPES = [
  'artifactory',
  'azure',
  'bitbucket',
  'dockerhub',
  'generic',
  'gitea',
  'github',
  'gitlab',
  'harbor',
  'quay',
] as const;

export const webhookReceiverSchema = z
  .object({
    name: objectName,
    artifactory: z
      .object({ secretRef, virtualRepoName: z.string().optional() })
      .strict()
      .optional(),
    azure: secretOnlyReceiver.optional(),
    bitbucket: secretOnlyReceiver.optional(),
    dockerhub: secretOnlyReceiver.optional(),
    generic: genericReceiver.optional(),
    gitea: secretOnlyReceiver.optional(),
    github: secretOnlyReceiver.optional(),
    gitlab: secretOnlyReceiver.optional(),
    harbor: secretOnlyReceiver.optional(),
    quay: secretOnlyReceiver.optional(),
  })
  .strict()
  .superRefine((receiver, ctx) => {
    const types = RECEIVER_TYPES.filter(type => receiver[type] !== undefined);
    if (types.length !== 1) {
      report(
        ctx,
        [],
        `must configure exactly one receiver type (${RECEIVER_TYPES.join(
          ', ',
        )}), found ${types.length === 0 ? 'none' : types.join(', ')}`,
      );
    }
  });

/** List items keyed by `name` (Kubernetes list-type "map"): no name twice. */
function checkUniqueNames(
  what: string,
): (items: Array<{ name: string }>, ctx: z.RefinementCtx) => void {
  return (items, ctx) => {
    const firstIndex = new Map<string, number>();
    items.forEach(({ name }, index) => {
      const first = firstIndex.get(name);
      if (first === undefined) {
        firstIndex.set(name, index);
      } else {
        report(
          ctx,
          [index, 'name'],
          `${what} name "${name}" already defined at ${pathOf(ctx, first)}`,
        );
      }
    });
  };
}

const deepLink = z
  .object({
    title: z.string().min(1),
    url: z.string().min(1),
    description: z.string().optional(),
    if: z.string().optional(),
  })
  .strict();

const promotionWindow = z
  .object({
    name: objectName,
    stageSelector: stageSelector.optional(),
    projectSelector: stageSelector.optional(),
    kind: z.enum(['Allow', 'Deny']),
    rrule: z.string().optional(),
    dtstart: z.string().optional(),
    dtend: z.string().optional(),
  })
  .strict()
  .superRefine((window, ctx) => {
    if (window.projectSelector !== undefined) {
      report(
        ctx,
        ['projectSelector'],
        'is only allowed in a ClusterConfig: a ProjectConfig window applies to its own project',
      );
    }
  });

export const projectConfigSpecSchema = z
  .object({
    promotionPolicies: promotionPolicies.optional(),
    webhookReceivers: z
      .array(webhookReceiverSchema)
      .superRefine(checkUniqueNames('webhook receiver'))
      .optional(),
    freightLinks: z.array(deepLink).optional(),
    stageLinks: z.array(deepLink).optional(),
    promotionWindows: z
      .array(promotionWindow)
      .superRefine(checkUniqueNames('promotion window'))
      .optional(),
  })
  .strict();

// --- Manifests ---------------------------------------------------------------------------------------------------

const envelope = <
  K extends string,
  M extends z.ZodTypeAny,
  S extends z.ZodTypeAny,
>(
  kind: K,
  meta: M,
  spec: S,
) =>
  z
    .object({
      apiVersion: z.literal(KARGO_API_VERSION),
      kind: z.literal(kind),
      metadata: meta,
      spec,
    })
    .strict();

/** A project's name is the name of its namespace, hence a DNS-1123 label. */
const projectMetadata = metadataWith(dnsLabel);

export const projectManifestSchema = envelope(
  'Project',
  projectMetadata,
  projectSpecSchema.optional(),
);
export const projectConfigManifestSchema = envelope(
  'ProjectConfig',
  projectMetadata,
  projectConfigSpecSchema.optional(),
);
export const warehouseManifestSchema = envelope(
  'Warehouse',
  metadata,
  warehouseSpecSchema,
);
export const stageManifestSchema = envelope('Stage', metadata, stageSpecSchema);
export const promotionTaskManifestSchema = envelope(
  'PromotionTask',
  metadata,
  promotionTaskSpecSchema,
);
export const clusterPromotionTaskManifestSchema = envelope(
  'ClusterPromotionTask',
  metadata,
  promotionTaskSpecSchema,
);

/** Zod schemas of the manifests, keyed by kind. */
export const manifestSchemas = {
  Project: projectManifestSchema,
  ProjectConfig: projectConfigManifestSchema,
  Warehouse: warehouseManifestSchema,
  Stage: stageManifestSchema,
  PromotionTask: promotionTaskManifestSchema,
  ClusterPromotionTask: clusterPromotionTaskManifestSchema,
};
