import { z } from 'zod';
import {
  PromotionHealthCheck,
  PromotionStepEffect,
} from '@kargo-portal/plugin-kargo-node';
import { Redactor } from './redaction';

const effectSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('metadata'),
      target: z.enum(['Stage', 'Freight']),
      name: z.string().min(1),
      values: z.record(z.unknown()),
    })
    .strict(),
  z
    .object({
      kind: z.literal('freight-alias'),
      name: z.string().min(1),
      alias: z.string().min(1),
    })
    .strict(),
]);

/**
 * The effects of a step's result, checked (a module's step may not be typed) and with known secrets redacted,
 * as its output is: what is stored must not reveal what the log and outputs hide.
 */
export function checkedEffects(
  effects: unknown,
  redactor: Redactor,
): { effects?: PromotionStepEffect[]; error?: Error } {
  if (effects === undefined) return {};
  const parsed = z.array(effectSchema).safeParse(effects);
  if (!parsed.success) {
    return {
      error: new Error(
        `invalid effects in the step's result: ${parsed.error.issues
          .map(i => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')}`,
      ),
    };
  }
  return parsed.data.length > 0
    ? { effects: redactor.redactDeep(parsed.data) }
    : {};
}

const healthCheckSchema = z
  .object({ uses: z.string().min(1), config: z.record(z.unknown()) })
  .strict();

/**
 * The health check of a step's result, checked (a module's step may not be typed) and with known secrets
 * redacted: it is stored with the promotion.
 */
export function checkedHealthCheck(
  healthCheck: unknown,
  redactor: Redactor,
): { healthCheck?: PromotionHealthCheck; error?: Error } {
  if (healthCheck === undefined) return {};
  const parsed = healthCheckSchema.safeParse(healthCheck);
  if (!parsed.success) {
    return {
      error: new Error(
        `invalid healthCheck in the step's result: ${parsed.error.issues
          .map(i => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')}`,
      ),
    };
  }
  return { healthCheck: redactor.redactDeep(parsed.data) };
}
