import { z } from 'zod';
import {
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';

/** Kargo's `FailConfig` (schemas/fail-config.json). */
const failConfigSchema = z
  .object({ message: z.string().min(1).optional() })
  .strict();

/** The checked config of `fail`. */
export type FailConfig = z.infer<typeof failConfigSchema>;

/**
 * `fail`: ends the promotion as Failed, with `failed` or `failed: <message>` as the reason. Usually guarded by
 * an `if:`.
 */
export function createFailStep(): PromotionStepRunner<FailConfig> {
  return createPromotionStep({
    name: 'fail',
    schema: failConfigSchema,
    async run(_context, config) {
      return {
        status: 'Failed',
        message: config.message ? `failed: ${config.message}` : 'failed',
      };
    },
  });
}
