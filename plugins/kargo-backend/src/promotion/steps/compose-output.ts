import { z } from 'zod';
import {
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import {
  atLeastOneProperty,
  atLeastOnePropertyMessage,
} from '../stepHelpers/stepConfig';

/** Kargo's `ComposeOutput` (schemas/compose-output-config.json): any map with at least one key. */
const composeOutputConfigSchema = z
  .record(z.unknown())
  .refine(atLeastOneProperty, { message: atLeastOnePropertyMessage });

/** The checked config of `compose-output`. */
export type ComposeOutputConfig = Record<string, unknown>;

/**
 * `compose-output`: its output is its config, a map whose values are usually expressions over earlier
 * outputs, so that later steps (or the steps after a PromotionTask) can use them under one alias.
 */
export function createComposeOutputStep(): PromotionStepRunner<ComposeOutputConfig> {
  return createPromotionStep({
    name: 'compose-output',
    schema: composeOutputConfigSchema,
    async run(_context, config) {
      return { status: 'Succeeded', output: { ...config } };
    },
  });
}
