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

/**
 * `set-metadata`: sets metadata on Stages and Freight (read back with `stageMetadata()` and
 * `freightMetadata()`). The step cannot reach the store: it returns one metadata effect per update, which the
 * engine applies to the Stage or Freight of the promotion's project, key by key (other keys stay), as Kargo's
 * `UpsertMetadata` does, in the same transaction that records the step's result.
 */
export function createSetMetadataStep(): PromotionStepRunner<SetMetadataConfig> {
  return createPromotionStep({
    name: 'set-metadata',
    schema: setMetadataConfigSchema,
    async run(_context, config) {
      return {
        status: 'Succeeded',
        effects: config.updates.map(update => ({
          kind: 'metadata',
          target: update.kind,
          name: update.name,
          values: { ...update.values },
        })),
      };
    },
  });
}
