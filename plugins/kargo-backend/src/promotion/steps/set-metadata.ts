import { z } from 'zod';
import {
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import {
  atLeastOneProperty,
  atLeastOnePropertyMessage,
} from '../stepHelpers/stepConfig';

const metadataUpdateSchema = z
  .object({
    kind: z.enum(['Stage', 'Freight']),
    name: z.string().min(1),
    values: z
      .record(z.unknown())
      .refine(atLeastOneProperty, { message: atLeastOnePropertyMessage }),
  })
  .strict();

/** Kargo's `SetMetadataConfig` (schemas/set-metadata-config.json). */
const setMetadataConfigSchema = z
  .object({ updates: z.array(metadataUpdateSchema).min(1) })
  .strict();

/** The checked config of `set-metadata`. */
export type SetMetadataConfig = z.infer<typeof setMetadataConfigSchema>;

/** One metadata change: set each key of `values` on the Stage or Freight `name` of the promotion's project. */
export type MetadataUpdate = z.infer<typeof metadataUpdateSchema>;

/**
 * The key of a `set-metadata` step's output under which it hands its updates to the engine. The step itself
 * cannot reach the store; after the step succeeds, the engine applies each update to the Stage or Freight of
 * the promotion's project, key by key (other keys stay), as Kargo's `UpsertMetadata` does, in the same
 * transaction that records the step's result.
 */
export const METADATA_UPDATES_OUTPUT_KEY = 'metadataUpdates';

/**
 * `set-metadata`: sets metadata on Stages and Freight (read back with `stageMetadata()` and
 * `freightMetadata()`). Output: `metadataUpdates`, the updates for the engine to apply (see
 * {@link METADATA_UPDATES_OUTPUT_KEY}).
 */
export function createSetMetadataStep(): PromotionStepRunner<SetMetadataConfig> {
  return createPromotionStep({
    name: 'set-metadata',
    schema: setMetadataConfigSchema,
    async run(_context, config) {
      return {
        status: 'Succeeded',
        output: {
          [METADATA_UPDATES_OUTPUT_KEY]: config.updates.map(update => ({
            kind: update.kind,
            name: update.name,
            values: { ...update.values },
          })),
        },
      };
    },
  });
}

/**
 * The metadata updates in the output of a `set-metadata` step, checked again, for the engine: output is
 * stored with the promotion, so what comes back from the store is not trusted blindly.
 */
export function metadataUpdatesFromOutput(
  output: Record<string, unknown> | undefined,
): MetadataUpdate[] {
  const updates = output?.[METADATA_UPDATES_OUTPUT_KEY];
  if (updates === undefined) {
    return [];
  }
  return z.array(metadataUpdateSchema).parse(updates);
}
