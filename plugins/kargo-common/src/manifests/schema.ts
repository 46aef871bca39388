import { z } from 'zod';
import { KARGO_API_VERSION } from './types';

// Kubernetes object names: DNS-1123 subdomain.
const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a lowercase DNS-1123 name (a-z, 0-9, "-" and ".")',
  );

const metadata = z
  .object({
    name: objectName,
    namespace: objectName.optional(),
    labels: z.record(z.string()).optional(),
    annotations: z.record(z.string()).optional(),
  })
  .passthrough();

const freightRequest = z
  .object({
    origin: z
      .object({ kind: z.literal('Warehouse'), name: objectName })
      .strict(),
    sources: z
      .object({
        direct: z.boolean().optional(),
        stages: z.array(objectName).optional(),
      })
      .passthrough()
      .refine(s => s.direct || (s.stages?.length ?? 0) > 0, {
        message: 'must set direct: true or list at least one upstream stage',
      }),
  })
  .strict();

const envelope = <K extends string, S extends z.ZodTypeAny>(kind: K, spec: S) =>
  z
    .object({
      apiVersion: z.literal(KARGO_API_VERSION),
      kind: z.literal(kind),
      metadata,
      spec,
    })
    .strict();

/** Zod schemas of the manifests, keyed by kind. */
export const manifestSchemas = {
  Project: envelope('Project', z.record(z.unknown()).optional()),
  ProjectConfig: envelope('ProjectConfig', z.record(z.unknown()).optional()),
  Warehouse: envelope(
    'Warehouse',
    z
      .object({ subscriptions: z.array(z.record(z.unknown())).min(1) })
      .passthrough(),
  ),
  Stage: envelope(
    'Stage',
    z
      .object({ requestedFreight: z.array(freightRequest).min(1) })
      .passthrough(),
  ),
  PromotionTask: envelope('PromotionTask', z.record(z.unknown()).optional()),
  ClusterPromotionTask: envelope(
    'ClusterPromotionTask',
    z.record(z.unknown()).optional(),
  ),
};
