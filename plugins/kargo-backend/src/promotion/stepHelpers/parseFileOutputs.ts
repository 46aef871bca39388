import fs from 'node:fs/promises';
import { z } from 'zod';
import {
  PromotionStepContext,
  PromotionStepResult,
} from '@kargo-portal/plugin-kargo-node';
import { goQuote } from './goFormat';
import { messageOf, workDirErrorMessage } from './stepConfig';
import { resolveInWorkDir } from './paths';

/**
 * Evaluates one expr-lang expression (without `${{ }}`) against named values and functions; the promotion
 * expression evaluator provides it.
 */
export type ExpressionEvaluator = (
  expression: string,
  env: {
    values: Record<string, unknown>;
    functions?: Record<string, (...args: unknown[]) => unknown>;
  },
) => unknown;

/** The config of `yaml-parse` and `json-parse` (Kargo's `YAMLParseConfig`, `JSONParseConfig`). */
export interface ParseFileConfig {
  path: string;
  outputs: { name: string; fromExpression: string }[];
}

/** Kargo's schemas/yaml-parse-config.json and json-parse-config.json, which are the same. */
export const parseFileConfigSchema = z
  .object({
    path: z.string().min(1),
    outputs: z
      .array(
        z
          .object({
            name: z.string().min(1),
            fromExpression: z.string().min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/**
 * Evaluates each output's `fromExpression` with the parsed file as the expression environment, as Kargo runs
 * `expr.Run(program, data)`: top-level keys of a mapping are names, and `$env` is the whole document (the way
 * to reach a list document). No other names or functions are visible.
 */
export function extractOutputs(
  data: unknown,
  outputs: ParseFileConfig['outputs'],
  evaluate: ExpressionEvaluator,
): Record<string, unknown> {
  const values = environmentOf(data);
  const results: Record<string, unknown> = {};
  for (const output of outputs) {
    try {
      results[output.name] = evaluate(output.fromExpression, {
        values,
        functions: {},
      });
    } catch (error) {
      throw new Error(
        `failed to extract outputs: error evaluating expression ${goQuote(
          output.fromExpression,
        )}: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }
  return results;
}

/**
 * The document as expr-lang's environment: a mapping is its own environment; a list is too (the evaluator reads
 * its own properties, so `$env[0]` and `len($env)` work); a scalar document leaves nothing to name.
 */
function environmentOf(data: unknown): Record<string, unknown> {
  if (isRecord(data)) {
    return data;
  }
  if (Array.isArray(data)) {
    const list: object = data;
    return list as Record<string, unknown>;
  }
  return {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What the `<format>-parse` steps (`json-parse`, `yaml-parse`) do: read a file of the work directory, turn it
 * into data with `read` (which names the problem of a file it cannot parse), and set one output per `outputs[]`
 * entry.
 */
export async function parseFileOutputs(
  context: PromotionStepContext,
  config: ParseFileConfig,
  options: {
    /** The step, as error messages name it. */
    name: string;
    /** The format as error messages name it: `JSON`, `YAML`. */
    format: string;
    read(text: string, path: string): unknown;
    evaluateExpression: ExpressionEvaluator;
  },
): Promise<PromotionStepResult & { output: Record<string, unknown> }> {
  const { name, format } = options;
  if (config.outputs.length === 0) {
    throw new Error(`invalid ${name} config: outputs is required`);
  }
  const file = await resolveInWorkDir(context.workDir, config.path, 'path');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new Error(
      `error reading ${format} file ${goQuote(
        config.path,
      )}: ${workDirErrorMessage(error, context.workDir)}`,
      { cause: error },
    );
  }
  return {
    status: 'Succeeded',
    output: extractOutputs(
      options.read(text, config.path),
      config.outputs,
      options.evaluateExpression,
    ),
  };
}
