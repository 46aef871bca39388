import { JsonValue } from '@backstage/types';
import { z } from 'zod/v3';

/** Any JSON value: steps and subscriptions are checked by the manifest schema, not here. */
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(jsonValue),
  ]),
);

const dnsLabel = z
  .string()
  .max(63)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be a lowercase DNS-1123 label (a-z, 0-9 and "-", at most 63 characters)',
  );

const variable = z
  .object({
    name: z.string().min(1),
    value: z.string().optional(),
  })
  .strict();

/** A Kargo promotion step as written in a Stage or PromotionTask; its fields are checked by the manifest schema. */
const promotionStep = z
  .record(jsonValue)
  .describe(
    'A Kargo promotion step: uses, as, if, config, ... or task: { name }',
  );

/**
 * Input of `kargo:project:create`. No zod defaults: the scaffolder validates the input against the JSON schema
 * derived from this one without applying defaults, so the handler applies them itself.
 */
export const projectInputSchema = z
  .object({
    project: dnsLabel.describe('Name of the Kargo project'),
    warehouses: z
      .array(
        z
          .object({
            name: dnsLabel,
            subscriptions: z
              .array(
                z
                  .record(jsonValue)
                  .describe(
                    'A Kargo subscription: { image: {...} }, { git: {...} } or { chart: {...} }',
                  ),
              )
              .min(1),
            interval: z.string().optional(),
            freightCreationPolicy: z.enum(['Automatic', 'Manual']).optional(),
          })
          .strict(),
      )
      .min(1)
      .describe('Warehouses and their image, Git and chart subscriptions'),
    promotionTasks: z
      .array(
        z
          .object({
            name: dnsLabel,
            vars: z.array(variable).optional(),
            steps: z.array(promotionStep).min(1),
          })
          .strict(),
      )
      .optional()
      .describe('PromotionTasks of the project, for stages to reference'),
    stages: z
      .array(
        z
          .object({
            name: dnsLabel,
            warehouse: dnsLabel
              .optional()
              .describe('Origin of its freight. Default: the only warehouse'),
            upstreamStages: z
              .array(dnsLabel)
              .optional()
              .describe(
                'Stages it takes freight from; none: directly from the warehouse',
              ),
            promotionTask: z
              .object({
                name: dnsLabel,
                kind: z
                  .enum(['PromotionTask', 'ClusterPromotionTask'])
                  .optional(),
                vars: z.array(variable).optional(),
              })
              .strict()
              .optional()
              .describe('The task its promotions run'),
            steps: z
              .array(promotionStep)
              .min(1)
              .optional()
              .describe('Its promotion steps, instead of a promotionTask'),
            vars: z
              .array(variable)
              .optional()
              .describe('Variables of its promotions'),
            argocdApp: z
              .object({
                name: z.string().min(1),
                namespace: dnsLabel.optional(),
              })
              .strict()
              .optional()
              .describe(
                'The Argo CD Application its promotions update: given to its steps as the variables argocdApp (and argocdAppNamespace), which they must use',
              ),
            autoPromotion: z
              .boolean()
              .optional()
              .describe(
                'Promote new freight automatically (ProjectConfig promotion policy)',
              ),
          })
          .strict(),
      )
      .min(1)
      .describe('Stages, each with its upstream stages and promotion steps'),
    register: z
      .boolean()
      .optional()
      .describe(
        'Register the project with the Kargo backend on behalf of the user running the template. Default: true',
      ),
    targetPath: z
      .string()
      .min(1)
      .optional()
      .describe('Workspace path to write the manifests to (to publish them)'),
    entityRef: z
      .string()
      .optional()
      .describe(
        'Catalog entity that will show the project (annotated kargo/project); gives the "url" output',
      ),
  })
  .strict();

/** Parsed input of `kargo:project:create`. */
export type ProjectInput = z.output<typeof projectInputSchema>;
