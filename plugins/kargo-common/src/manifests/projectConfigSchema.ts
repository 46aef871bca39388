import { z } from 'zod';
import {
  labelSelector,
  objectName,
  pathOf,
  report,
  stageSelector,
} from './common';

/*
 * Zod schema of a ProjectConfig's spec (promotion policies, webhook receivers, links, promotion windows), after
 * Kargo's CRD and admission webhook; see schema.ts for the other manifests.
 */

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
    // Kargo's AutoRollbackConfig (api/v1alpha1/project_config_types.go): sets of at most two terminal phases;
    // onVerification defaults to [Failed] when absent or empty. Auto-promotion acts on it (see the backend's
    // AutoPromoter).
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

/** Kargo evaluates `${{ ... }}` in a generic receiver's target criteria; Kargo Portal does not. */
const hasExpression = (text: string) => text.includes('${{');
const EXPRESSION_UNSUPPORTED =
  'must not contain an expression (${{ ... }}): Kargo Portal does not evaluate expressions in generic receiver targets; write the warehouse name literally (label values cannot hold expressions either)';

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
    // Kargo Portal matches name and labels literally and has no field indices: accepting an index selector or an
    // expression would make the action refresh other warehouses than the user selected, or none.
    if (target.indexSelector !== undefined) {
      report(
        ctx,
        ['indexSelector'],
        'is not supported by Kargo Portal: select warehouses by name or labelSelector instead; a receiver whose delivery names repositories (repoURL or repoURLs in its JSON body) refreshes only the targeted warehouses subscribing to them',
      );
    }
    if (target.name !== undefined && hasExpression(target.name)) {
      report(ctx, ['name'], EXPRESSION_UNSUPPORTED);
    }
    const hasLabels =
      Object.keys(target.labelSelector?.matchLabels ?? {}).length > 0 ||
      (target.labelSelector?.matchExpressions?.length ?? 0) > 0;
    if (!target.name && !hasLabels && target.indexSelector === undefined) {
      report(ctx, [], 'must set at least one of name or labelSelector');
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
          .strict()
          .superRefine((action, ctx) => {
            // Refreshing regardless would let a user believe the condition guards the action.
            if (action.whenExpression !== undefined) {
              report(
                ctx,
                ['whenExpression'],
                "is not supported by Kargo Portal: the action would run on every delivery; remove it and give the receiver's URL only to the sender whose deliveries should refresh",
              );
            }
            if (action.parameters !== undefined) {
              report(
                ctx,
                ['parameters'],
                'is not supported by Kargo Portal: expressions are not evaluated in generic receiver actions; remove it and select warehouses by literal name or labelSelector',
              );
            }
          }),
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

const webhookReceivers = z
  .array(webhookReceiverSchema)
  .superRefine(checkUniqueNames('webhook receiver'));

/** Fields of Kargo's ClusterConfig that Kargo Portal does not act on, and why. */
const UNSUPPORTED_CLUSTER_FIELDS: Record<string, string> = {
  gitClient:
    'is not supported by Kargo Portal: set the commit author in the git-clone or git-commit step (`author`)',
  freightLinks: 'is not supported by Kargo Portal in a ClusterConfig',
  stageLinks: 'is not supported by Kargo Portal in a ClusterConfig',
  promotionWindows:
    'is not supported by Kargo Portal in a ClusterConfig; declare promotion windows in each ProjectConfig',
};

/**
 * Kargo's ClusterConfig spec: webhook receivers shared by all projects (a delivery refreshes the subscribing
 * warehouses of every project). The other fields are refused by name rather than ignored.
 */
export const clusterConfigSpecSchema = z
  .object({
    webhookReceivers: webhookReceivers.optional(),
    ...Object.fromEntries(
      Object.keys(UNSUPPORTED_CLUSTER_FIELDS).map(key => [
        key,
        z.unknown().optional(),
      ]),
    ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    for (const [key, message] of Object.entries(UNSUPPORTED_CLUSTER_FIELDS)) {
      if ((spec as Record<string, unknown>)[key] !== undefined) {
        report(ctx, [key], message);
      }
    }
  })
  .transform(spec => ({ webhookReceivers: spec.webhookReceivers }));

export const projectConfigSpecSchema = z
  .object({
    promotionPolicies: promotionPolicies.optional(),
    webhookReceivers: webhookReceivers.optional(),
    freightLinks: z.unknown().optional(),
    stageLinks: z.unknown().optional(),
    promotionWindows: z
      .array(promotionWindow)
      .superRefine(checkUniqueNames('promotion window'))
      .optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    // Nothing shows these links: accepting them would let a user look for links that never appear.
    for (const key of ['freightLinks', 'stageLinks'] as const) {
      if (spec[key] !== undefined) {
        report(
          ctx,
          [key],
          'is not supported by Kargo Portal: the links would not be shown; remove it and add the links to the catalog entity (metadata.links) instead',
        );
      }
    }
  })
  .transform(({ freightLinks: _f, stageLinks: _s, ...spec }) => spec);
