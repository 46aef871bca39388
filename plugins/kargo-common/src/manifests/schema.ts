import {
  KARGO_PROJECT_OWNERS_ANNOTATION,
  parseProjectOwners,
} from '../annotations';
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
} from './common';
import {
  checkUniqueSubscriptions,
  warehouseSubscriptionSchema,
} from './subscriptions';
import { KARGO_API_VERSION } from './constants';
import {
  clusterConfigSpecSchema,
  projectConfigSpecSchema,
} from './projectConfigSchema';

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
  .strict()
  .superRefine((spec, ctx) => {
    // Kargo's target-aware Stages fan promotions out to the Targets selected; Kargo Portal promotes the Stage
    // itself, so accepting the selectors would let a user believe they limit where freight goes.
    if (spec.targets !== undefined) {
      report(
        ctx,
        ['targets'],
        "is not supported by Kargo Portal: Targets are not governed and a promotion runs the Stage's own steps; remove it and point the steps (argocd-update apps, git paths) at what the Stage deploys",
      );
    }
  });

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
  projectMetadata.superRefine((meta, ctx) => {
    const owners = meta.annotations?.[KARGO_PROJECT_OWNERS_ANNOTATION];
    if (owners === undefined) return;
    const parsed = parseProjectOwners(owners);
    if ('problem' in parsed) {
      report(
        ctx,
        ['annotations', KARGO_PROJECT_OWNERS_ANNOTATION],
        parsed.problem,
      );
    }
  }),
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

/** Kargo's ClusterConfig is a singleton named "cluster". */
const clusterConfigMetadata = metadataWith(
  z.string().refine(name => name === 'cluster', {
    message: 'must be "cluster": Kargo has one ClusterConfig, named "cluster"',
  }),
);
export const clusterConfigManifestSchema = envelope(
  'ClusterConfig',
  clusterConfigMetadata,
  clusterConfigSpecSchema.optional(),
);

/** Zod schemas of the manifests, keyed by kind. */
export const manifestSchemas = {
  Project: projectManifestSchema,
  ProjectConfig: projectConfigManifestSchema,
  Warehouse: warehouseManifestSchema,
  Stage: stageManifestSchema,
  PromotionTask: promotionTaskManifestSchema,
  ClusterPromotionTask: clusterPromotionTaskManifestSchema,
  ClusterConfig: clusterConfigManifestSchema,
};
