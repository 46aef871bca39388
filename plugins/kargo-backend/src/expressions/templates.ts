/**
 * Kargo's expression templates (akuity/kargo `pkg/expressions/json_templates.go`): `${{ expr }}` and `${% expr %}`
 * inside strings, the typing of their results, and the recursive evaluation of a step's config.
 */
import type { Node } from './ast';
import { EvaluationBudget } from './budget';
import { ExpressionError } from './errors';
import { evaluateAst, ExpressionFunction } from './evaluator';
import { templateFunctions } from './functions';
import {
  goParseBool,
  goParseFloat,
  goUnmarshalJSON,
  marshalJSON,
} from './golang';
import { parse } from './parser';
import {
  defineEntry,
  hasOwnData,
  isPlainObject,
  MAX_DATA_DEPTH,
  ownKeys,
  ownValue,
  toPlainData,
} from './values';

/**
 * What expressions can see: `values` are the variables (`ctx`, `vars`, `outputs`, `task`...), read-only plain data;
 * `functions` the functions they may call by name, besides expr-lang's builtins (which these override). A function
 * the caller puts in `values` as an own property of a plain object can be called as a method
 * (`response.header('Location')`), as in Kargo's http-request step; nothing else is callable.
 *
 * @public
 */
export interface ExpressionEnv {
  values: Record<string, unknown>;
  functions?: Record<string, (...args: unknown[]) => unknown>;
}

const DELIMITERS = [
  { start: '${{', end: '}}' },
  { start: '${%', end: '%}' },
];

/** Environment keys Kargo reserves for its template functions. */
const FORBIDDEN_ENV_KEYS = ['quote', 'asYAML', 'asJSON'];

const TEMPLATE_FUNCTIONS: Record<string, ExpressionFunction> =
  templateFunctions();

const parseCache = new Map<string, Node>();
const PARSE_CACHE_SIZE = 512;
/** Only short expressions are cached, which bounds the cache's memory; long ones are rare and parse fast. */
const CACHEABLE_LENGTH = 1024;

function parseCached(source: string): Node {
  if (source.length > CACHEABLE_LENGTH) return parse(source);
  const cached = parseCache.get(source);
  if (cached) return cached;
  const ast = parse(source);
  if (parseCache.size >= PARSE_CACHE_SIZE) {
    parseCache.delete(parseCache.keys().next().value!);
  }
  parseCache.set(source, ast);
  return ast;
}

/** Options of the evaluation functions. @public */
export interface EvaluationOptions {
  /**
   * What the evaluation may spend; pass one budget to several calls that make up one evaluation (the candidates
   * of a filter, say). A new one by default.
   */
  budget?: EvaluationBudget;
}

function run(
  source: string,
  env: ExpressionEnv,
  budget: EvaluationBudget,
  reserved?: Record<string, ExpressionFunction>,
): unknown {
  return evaluateAst(parseCached(source), {
    source,
    values: env.values,
    functions: env.functions ?? {},
    reserved,
    budget,
  });
}

/**
 * Evaluates a bare expr-lang expression (a Warehouse's `expressionFilter`, say) and returns its value as plain
 * data. No template functions are available, as in Kargo.
 *
 * @public
 */
export function evaluateExpression(
  expression: string,
  env: ExpressionEnv,
  options?: EvaluationOptions,
): unknown {
  const value = run(expression, env, options?.budget ?? new EvaluationBudget());
  try {
    return toPlainData(value);
  } catch (error) {
    throw new ExpressionError({
      reason: error instanceof Error ? error.message : String(error),
      source: expression,
      cause: error,
    });
  }
}

/** An expression's value as template text: strings as they are, anything else as its JSON. */
function asTemplateText(value: unknown, expression: string): string {
  if (typeof value === 'string') return value;
  try {
    return marshalJSON(value);
  } catch (error) {
    throw new ExpressionError({
      reason: error instanceof Error ? error.message : String(error),
      source: expression,
      cause: error,
    });
  }
}

/**
 * Kargo's template rendering (`nextExpression` in a loop): text outside delimiters as it is, each expression's value
 * in its place. One pass over the template: the next position of each delimiter is searched again only once the
 * rendering has moved past it, so a template with many expressions renders in linear time.
 */
function renderTemplate(
  template: string,
  env: ExpressionEnv,
  budget: EvaluationBudget,
): string {
  const parts: string[] = [];
  const next = DELIMITERS.map(d => template.indexOf(d.start));
  let position = 0;
  for (;;) {
    let chosen = -1;
    for (let i = 0; i < DELIMITERS.length; i++) {
      if (next[i] >= 0 && next[i] < position) {
        next[i] = template.indexOf(DELIMITERS[i].start, position);
      }
      if (next[i] >= 0 && (chosen < 0 || next[i] < next[chosen])) chosen = i;
    }
    if (chosen < 0) break;
    const delimiter = DELIMITERS[chosen];
    const start = next[chosen];
    const exprStart = start + delimiter.start.length;
    const exprEnd = template.indexOf(delimiter.end, exprStart);
    if (exprEnd < 0) {
      throw new ExpressionError({
        reason: `unclosed expression: expected ${JSON.stringify(
          delimiter.end,
        )} but reached end of template`,
        source: template,
        offset: start,
      });
    }
    parts.push(template.slice(position, start));
    position = exprEnd + delimiter.end.length;
    const text = template.slice(exprStart, exprEnd);
    // An empty expression ends the evaluation, leaving the rest of the template as it is (as Kargo does).
    if (text === '') break;
    const value = asTemplateText(
      run(text, env, budget, TEMPLATE_FUNCTIONS),
      text,
    );
    try {
      budget.charge(value.length);
    } catch (error) {
      throw new ExpressionError({
        reason: (error as Error).message,
        source: template,
        offset: start,
      });
    }
    parts.push(value);
  }
  parts.push(template.slice(position));
  return parts.join('');
}

/**
 * Evaluates a template string with Kargo's typing rules. A string without `${{` or `${%` is returned unchanged
 * (so `"42"` stays a string). Otherwise every expression is evaluated and the results (strings as they are,
 * anything else as JSON) are joined with the text around them; then, after dropping one trailing newline, a result
 * in double quotes becomes the string inside them (what `quote()` relies on), else a result that Go reads as a
 * float64 becomes a number, else one it reads as a bool (`true`, `False`, `t`...) becomes a bool, else valid JSON
 * becomes its value (objects, arrays, `null`), else it stays a string (with its newline).
 *
 * @public
 */
export function evaluateTemplate(
  template: string,
  env: ExpressionEnv,
  options?: EvaluationOptions,
): unknown {
  if (!DELIMITERS.some(d => template.includes(d.start))) return template;
  let result = renderTemplate(
    template,
    env,
    options?.budget ?? new EvaluationBudget(),
  );
  let removedNewline = false;
  if (result.endsWith('\n')) {
    result = result.slice(0, -1);
    removedNewline = true;
  }
  const newline = removedNewline ? '\n' : '';
  if (result.length > 1 && result.startsWith('"') && result.endsWith('"')) {
    return `${result.slice(1, -1)}${newline}`;
  }
  const asNumber = goParseFloat(result);
  if (asNumber !== undefined) return asNumber;
  const asBool = goParseBool(result);
  if (asBool !== undefined) return asBool;
  const asJSON = goUnmarshalJSON(result);
  if (asJSON) return asJSON.value;
  return `${result}${newline}`;
}

/**
 * Evaluates a step `if:` condition as Kargo does: the text is a template (so it must use `${{ }}`; a bare
 * `success()` is just a string) whose value must be a boolean.
 *
 * @public
 */
export function evaluateCondition(
  expression: string,
  env: ExpressionEnv,
  options?: EvaluationOptions,
): boolean {
  const value = evaluateTemplate(expression, env, options);
  if (typeof value === 'boolean') return value;
  let type: string;
  if (value === null) type = '<nil>';
  else if (typeof value === 'number') type = 'float64';
  else if (typeof value === 'string') type = 'string';
  else if (Array.isArray(value)) type = '[]interface {}';
  else type = 'map[string]interface {}';
  const hint =
    typeof value === 'string' &&
    !DELIMITERS.some(d => expression.includes(d.start))
      ? ' (write the condition inside ${{ }})'
      : '';
  throw new ExpressionError({
    reason: `expression must evaluate to a boolean, got ${type}${hint}`,
    source: expression,
  });
}

function checkForbiddenKeys(env: ExpressionEnv): void {
  for (const key of FORBIDDEN_ENV_KEYS) {
    if (hasOwnData(env.values, key)) {
      throw new ExpressionError({
        reason: `${JSON.stringify(
          key,
        )} is a forbidden key in the environment map; it is reserved for internal use`,
        source: key,
      });
    }
  }
}

function checkFinite(value: unknown, template: string): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    // Kargo marshals the evaluated config to JSON, which cannot hold NaN or infinities.
    throw new ExpressionError({
      reason: `json: unsupported value: ${value}`,
      source: template,
    });
  }
  return value;
}

/**
 * Evaluates every string of a config, walking it with an explicit stack (a config nested deeper than the call
 * stack cannot overflow it) under one budget. An error names the field it comes from (`path[0].value`).
 */
function evaluateValue(
  root: unknown,
  env: ExpressionEnv,
  budget: EvaluationBudget,
): unknown {
  type Task = {
    value: unknown;
    path: Array<string | number>;
    store: (evaluated: unknown) => void;
  };
  let result: unknown = null;
  const tasks: Task[] = [{ value: root, path: [], store: v => (result = v) }];
  while (tasks.length > 0) {
    const { value, path, store } = tasks.pop()!;
    if (path.length > MAX_DATA_DEPTH) {
      throw new ExpressionError({
        reason: `${fieldName(path)}: config is nested too deeply`,
        source: '',
      });
    }
    if (typeof value === 'string') {
      try {
        store(checkFinite(evaluateTemplate(value, env, { budget }), value));
      } catch (error) {
        if (error instanceof ExpressionError && path.length > 0) {
          throw error.inField(fieldName(path));
        }
        throw error;
      }
    } else if (Array.isArray(value)) {
      const out: unknown[] = new Array(value.length).fill(null);
      store(out);
      // Pushed last to first, so that fields are evaluated in order (and the first failing one is reported).
      for (let i = value.length - 1; i >= 0; i--) {
        tasks.push({
          value: value[i],
          path: [...path, i],
          store: v => (out[i] = v),
        });
      }
    } else if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      store(out);
      const keys = ownKeys(value);
      for (const key of keys) defineEntry(out, key, null);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i];
        tasks.push({
          value: ownValue(value, key),
          path: [...path, key],
          store: v => defineEntry(out, key, v),
        });
      }
    } else {
      store(value === undefined ? null : value);
    }
  }
  return result;
}

/** A field path as a config reads it: `steps[0].config.path`. */
function fieldName(path: ReadonlyArray<string | number>): string {
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      if (!/^[A-Za-z_$][\w$-]*$/.test(part)) return `[${JSON.stringify(part)}]`;
      return i === 0 ? part : `.${part}`;
    })
    .join('');
}

/**
 * Evaluates every string value of a step's config, recursively (keys are never evaluated), as Kargo's
 * `EvaluateJSONTemplate` does; the input is not changed. A missing config gives `{}`, as a step's does in Kargo.
 * The environment may not define `quote`, `asYAML` or `asJSON`.
 *
 * @public
 */
export function evaluateConfig(
  config: unknown,
  env: ExpressionEnv,
  options?: EvaluationOptions,
): unknown {
  checkForbiddenKeys(env);
  if (config === null || config === undefined) return {};
  return evaluateValue(config, env, options?.budget ?? new EvaluationBudget());
}

/**
 * Kargo's `EvaluateJSONTemplate` for a config given as JSON text: it must be a JSON object (expressions inside
 * quotes); returns the evaluated object.
 *
 * @public
 */
export function evaluateJSONTemplate(
  json: string,
  env: ExpressionEnv,
  options?: EvaluationOptions,
): Record<string, unknown> {
  checkForbiddenKeys(env);
  const parsed = goUnmarshalJSON(json);
  if (!parsed || !isPlainObject(parsed.value)) {
    throw new ExpressionError({
      reason:
        'input is not valid JSON; are all expressions enclosed in quotes?',
      source: json,
    });
  }
  return evaluateValue(
    parsed.value,
    env,
    options?.budget ?? new EvaluationBudget(),
  ) as Record<string, unknown>;
}
