/**
 * Kargo's expression templates (akuity/kargo `pkg/expressions/json_templates.go`): `${{ expr }}` and `${% expr %}`
 * inside strings, the typing of their results, and the recursive evaluation of a step's config.
 */
import type { Node } from './ast';
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

function run(
  source: string,
  env: ExpressionEnv,
  reserved?: Record<string, ExpressionFunction>,
): unknown {
  return evaluateAst(parseCached(source), {
    source,
    values: env.values,
    functions: env.functions ?? {},
    reserved,
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
): unknown {
  const value = run(expression, env);
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

interface Segment {
  before: string;
  expression?: { text: string; offset: number };
  after: string;
}

/** Kargo's nextExpression: the text before the first delimited expression, the expression, the rest. */
function nextExpression(template: string, offset: number): Segment {
  let delimiter: (typeof DELIMITERS)[number] | undefined;
  let startIndex = -1;
  for (const d of DELIMITERS) {
    const i = template.indexOf(d.start);
    if (i >= 0 && (startIndex < 0 || i < startIndex)) {
      startIndex = i;
      delimiter = d;
    }
  }
  if (!delimiter) return { before: '', after: template };
  const exprStart = startIndex + delimiter.start.length;
  const exprEnd = template.indexOf(delimiter.end, exprStart);
  if (exprEnd < 0) {
    throw new ExpressionError({
      reason: `unclosed expression: expected ${JSON.stringify(
        delimiter.end,
      )} but reached end of template`,
      source: template,
      offset: startIndex,
    });
  }
  return {
    before: template.slice(0, startIndex),
    expression: {
      text: template.slice(exprStart, exprEnd),
      offset: offset + exprStart,
    },
    after: template.slice(exprEnd + delimiter.end.length),
  };
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

function renderTemplate(template: string, env: ExpressionEnv): string {
  let result = '';
  let rest = template;
  let offset = 0;
  for (;;) {
    const segment = nextExpression(rest, offset);
    result += segment.before;
    // An empty expression ends the evaluation, leaving the rest of the template as it is (as Kargo does).
    if (!segment.expression || segment.expression.text === '') {
      result += segment.after;
      return result;
    }
    const value = run(segment.expression.text, env, TEMPLATE_FUNCTIONS);
    result += asTemplateText(value, segment.expression.text);
    offset += rest.length - segment.after.length;
    rest = segment.after;
  }
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
): unknown {
  if (!DELIMITERS.some(d => template.includes(d.start))) return template;
  let result = renderTemplate(template, env);
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
): boolean {
  const value = evaluateTemplate(expression, env);
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

function evaluateValue(
  value: unknown,
  env: ExpressionEnv,
  depth: number,
): unknown {
  if (depth > MAX_DATA_DEPTH) {
    throw new ExpressionError({
      reason: 'config is nested too deeply',
      source: '',
    });
  }
  if (typeof value === 'string') {
    return checkFinite(evaluateTemplate(value, env), value);
  }
  if (Array.isArray(value)) {
    return value.map(item => evaluateValue(item, env, depth + 1));
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of ownKeys(value)) {
      defineEntry(
        out,
        key,
        evaluateValue(ownValue(value, key), env, depth + 1),
      );
    }
    return out;
  }
  return value === undefined ? null : value;
}

/**
 * Evaluates every string value of a step's config, recursively (keys are never evaluated), as Kargo's
 * `EvaluateJSONTemplate` does; the input is not changed. A missing config gives `{}`, as a step's does in Kargo.
 * The environment may not define `quote`, `asYAML` or `asJSON`.
 *
 * @public
 */
export function evaluateConfig(config: unknown, env: ExpressionEnv): unknown {
  checkForbiddenKeys(env);
  if (config === null || config === undefined) return {};
  return evaluateValue(config, env, 0);
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
  return evaluateValue(parsed.value, env, 0) as Record<string, unknown>;
}
