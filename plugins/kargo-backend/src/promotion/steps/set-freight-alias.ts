import { z } from 'zod';
import {
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';

/** Kargo's `SetFreightAliasConfig` (schemas/set-freight-alias-config.json). */
const setFreightAliasConfigSchema = z
  .object({
    name: z.string().min(1),
    alias: z.string().min(1),
  })
  .strict();

/** The checked config of `set-freight-alias`. */
export type SetFreightAliasConfig = z.infer<typeof setFreightAliasConfigSchema>;

/**
 * Kargo keeps a Freight's alias in a label (`kargo.akuity.io/alias`) too, so an alias must be a valid
 * Kubernetes label value: at most 63 characters, alphanumerics with `-`, `_` and `.` inside.
 */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const MAX_LABEL_VALUE_LENGTH = 63;

/**
 * `set-freight-alias`: gives the Freight named `name` (its id) of the promotion's project the alias `alias`.
 * The step cannot reach the store: it returns an alias effect, which the engine applies in the transaction
 * that records the step's success. An unknown Freight, or an alias another Freight of the project holds,
 * ends the step Errored and changes nothing. No output.
 */
export function createSetFreightAliasStep(): PromotionStepRunner<SetFreightAliasConfig> {
  return createPromotionStep({
    name: 'set-freight-alias',
    schema: setFreightAliasConfigSchema,
    validate(config) {
      if (
        config.alias.length > MAX_LABEL_VALUE_LENGTH ||
        !LABEL_VALUE.test(config.alias)
      ) {
        throw new TerminalStepError(
          `invalid set-freight-alias config: alias: "${config.alias}" is not a valid alias: it must have at most ${MAX_LABEL_VALUE_LENGTH} characters, begin and end with a letter or digit, with only letters, digits, '-', '_' and '.' between`,
        );
      }
    },
    async run(_context, config) {
      return {
        status: 'Succeeded',
        message: `set alias of Freight "${config.name}" to "${config.alias}"`,
        effects: [
          { kind: 'freight-alias', name: config.name, alias: config.alias },
        ],
      };
    },
  });
}
