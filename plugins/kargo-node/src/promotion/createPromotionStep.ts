import {
  PromotionStepConfigSchema,
  parsePromotionStepConfig,
} from './stepConfig';
import type {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
} from './types';

/**
 * What a promotion step is made of: its name, the schema of its config, the registry metadata Kargo keeps with
 * each step (default timeout and error threshold, capabilities) and its `run`.
 *
 * @public
 */
export interface PromotionStepOptions<
  TConfig,
  TOutput extends Record<string, unknown> = Record<string, unknown>,
> {
  /** The name used in `uses:`, e.g. `git-clone`. */
  name: string;
  /**
   * The schema of the step's config (see {@link PromotionStepConfigSchema}). Config that does not match it,
   * unknown fields included, ends the step `Errored` at once, without retries.
   */
  schema: PromotionStepConfigSchema<TConfig>;
  /**
   * Checks of the parsed config that the schema does not express (a valid Git ref name, unique aliases, ...).
   * Throw {@link TerminalStepError}, naming the field, when the config is invalid.
   */
  validate?(config: TConfig): void;
  /** See {@link PromotionStepRunner.defaultTimeoutMs}. */
  defaultTimeoutMs?: number;
  /** See {@link PromotionStepRunner.defaultErrorThreshold}. */
  defaultErrorThreshold?: number;
  /** See {@link PromotionStepRunner.propagatesTaskOutput}. */
  propagatesTaskOutput?: boolean;
  /**
   * Runs the step with its checked config; `output` is what later steps read as `outputs['<alias>']`. The
   * contract of {@link PromotionStepRunner.run} holds: idempotent, prompt to stop on `context.signal`.
   */
  run(
    context: PromotionStepContext,
    config: TConfig,
  ): Promise<PromotionStepResult & { output?: TOutput }>;
  /** See {@link PromotionStepRunner.restore}. */
  restore?(context: PromotionStepContext, config: TConfig): Promise<void>;
}

/**
 * Creates a promotion step from its schema and its `run`, for the built-in steps and for backend modules
 * (registered with `kargoPromotionStepsExtensionPoint`). The config a stage gives the step, its expressions
 * evaluated, is checked against `schema` before `run` sees it (see {@link parsePromotionStepConfig}).
 *
 * @example
 * ```ts
 * const notifyChat = createPromotionStep({
 *   name: 'notify-chat',
 *   schema: z.object({ message: z.string().min(1) }).strict(),
 *   async run(context, config) {
 *     context.logger.info(config.message);
 *     return { status: 'Succeeded' };
 *   },
 * });
 * ```
 *
 * @public
 */
export function createPromotionStep<
  TConfig,
  TOutput extends Record<string, unknown> = Record<string, unknown>,
>(
  options: PromotionStepOptions<TConfig, TOutput>,
): PromotionStepRunner<TConfig> {
  const { name, schema, validate, run } = options;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new Error('A promotion step needs a non-empty name');
  }
  return {
    name,
    ...(options.defaultTimeoutMs !== undefined && {
      defaultTimeoutMs: options.defaultTimeoutMs,
    }),
    ...(options.defaultErrorThreshold !== undefined && {
      defaultErrorThreshold: options.defaultErrorThreshold,
    }),
    ...(options.propagatesTaskOutput !== undefined && {
      propagatesTaskOutput: options.propagatesTaskOutput,
    }),
    parseConfig: config => {
      const parsed = parsePromotionStepConfig(name, schema, config);
      validate?.(parsed);
      return parsed;
    },
    run: (context, config) => run(context, config),
    ...(options.restore !== undefined && { restore: options.restore }),
  };
}
