/**
 * A tree-walking evaluator for expr-lang syntax trees. It reaches data only through own data properties of plain
 * objects and arrays (never getters, prototypes or methods of JavaScript objects), calls only the functions it is
 * given, and bounds the work and memory one evaluation may use.
 */
import type { BuiltinNode, MemberNode, Node, SliceNode } from './ast';
import { Builtin, BUILTINS, lessThan, sortOrder } from './builtins';
import { EvaluationFailure, ExpressionError, fail } from './errors';
import { EvaluationBudget } from './budget';
import { formatGo } from './golang';
import { applyOperator } from './binaryOperators';
import {
  clampSlice,
  fetch,
  FORBIDDEN_NAMES,
  methodOf,
  sumOf,
} from './dataAccess';

export { fetch } from './dataAccess';
import {
  defineEntry,
  goTypeName,
  hasOwnData,
  isNil,
  ownValue,
  toBool,
} from './values';

/** A function an expression may call; it receives and returns expression values. @public */
export type ExpressionFunction = (...args: unknown[]) => unknown;

export { MAX_BYTES, MAX_MILLIS, MAX_STEPS } from './budget';

const SHORT_CIRCUIT: unique symbol = Symbol('short-circuit');

interface Frame {
  element: unknown;
  index: number;
  acc?: { value: unknown };
}

interface Scope {
  readonly parent?: Scope;
  readonly variable?: { name: string; value: unknown };
  readonly frame?: Frame;
}

export interface EvaluationInput {
  source: string;
  values: Record<string, unknown>;
  /** Functions supplied by the caller; they override expr-lang's builtins of the same name. */
  functions: Record<string, ExpressionFunction>;
  /** Functions that override even the caller's (Kargo's template functions). */
  reserved?: Record<string, ExpressionFunction>;
  /** What the evaluation may spend, shared with the other expressions of the same evaluation; a new one if not given. */
  budget?: EvaluationBudget;
}

function lookupFunction(
  table: Record<string, ExpressionFunction> | undefined,
  name: string,
): ExpressionFunction | undefined {
  if (!table || !hasOwnData(table, name)) return undefined;
  const fn = ownValue(table, name);
  return typeof fn === 'function' ? (fn as ExpressionFunction) : undefined;
}

function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function describeError(error: unknown): string {
  if (error instanceof ExpressionError) return error.reason;
  if (error instanceof Error) return error.message;
  return String(error);
}

class Evaluator {
  private readonly budget: EvaluationBudget;
  private readonly builtinContext = {
    charge: (units: number) => this.charge(units),
  };

  constructor(private readonly input: EvaluationInput) {
    this.budget = input.budget ?? new EvaluationBudget();
  }

  private charge(units: number): void {
    this.budget.charge(units);
  }

  evaluate(node: Node, scope: Scope): unknown {
    const spent = this.budget.step();
    if (spent) {
      throw new ExpressionError({
        reason: spent,
        source: this.input.source,
        offset: node.pos,
      });
    }
    try {
      return this.evaluateNode(node, scope);
    } catch (error) {
      if (error instanceof ExpressionError) throw error;
      if (error instanceof EvaluationFailure) {
        throw new ExpressionError({
          reason: error.message,
          source: this.input.source,
          offset: node.pos,
          cause: error.innerCause,
        });
      }
      // Anything else (a stack overflow, say) is still the expression's failure, never the process's.
      throw new ExpressionError({
        reason: `cannot evaluate: ${describeError(error)}`,
        source: this.input.source,
        offset: node.pos,
      });
    }
  }

  private evaluateNode(node: Node, scope: Scope): unknown {
    switch (node.type) {
      case 'nil':
        return null;
      case 'bool':
      case 'int':
      case 'float':
      case 'string':
        return node.value;
      case 'array': {
        const items = node.items.map(item => this.value(item, scope));
        this.charge(items.length);
        return items;
      }
      case 'map': {
        const out: Record<string, unknown> = {};
        for (const entry of node.entries) {
          const key = this.value(entry.key, scope);
          if (typeof key !== 'string') {
            fail(`a map key must be a string, got ${goTypeName(key)}`);
          }
          defineEntry(out, key, this.value(entry.value, scope));
        }
        this.charge(node.entries.length);
        return out;
      }
      case 'identifier':
        return this.identifier(node.name, scope);
      case 'pointer':
        return this.pointer(node.name, scope);
      case 'member':
        return this.member(node, scope);
      case 'slice':
        return this.slice(node, scope);
      case 'chain': {
        const value = this.evaluate(node.node, scope);
        return value === SHORT_CIRCUIT ? null : value;
      }
      case 'call':
        return this.call(node.callee, node.args, scope);
      case 'builtin':
        return this.predicateBuiltin(node, scope);
      case 'predicate':
        return fail('a predicate can only be an argument of a builtin');
      case 'unary':
        return this.unary(node.operator, node.operand, scope);
      case 'binary':
        return this.binary(node.operator, node.left, node.right, scope);
      case 'conditional':
        return toBool(this.value(node.test, scope), 'condition')
          ? this.evaluate(node.consequent, scope)
          : this.evaluate(node.alternate, scope);
      case 'let':
        return this.evaluate(node.body, {
          parent: scope,
          variable: { name: node.name, value: this.value(node.value, scope) },
        });
      case 'sequence': {
        let last: unknown = null;
        for (const item of node.nodes) last = this.evaluate(item, scope);
        return last;
      }
      default:
        return fail('unknown syntax node');
    }
  }

  /** Evaluates a node whose value is used on its own: an optional chain ending here yields nil. */
  private value(node: Node, scope: Scope): unknown {
    const value = this.evaluate(node, scope);
    return value === SHORT_CIRCUIT ? null : value;
  }

  private identifier(name: string, scope: Scope): unknown {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (s.variable?.name === name) return s.variable.value;
    }
    const values = this.input.values;
    if (name === '$env') return values;
    if (hasOwnData(values, name)) return ownValue(values, name) ?? null;
    if (Object.getOwnPropertyDescriptor(values, name)) {
      return fail(`${JSON.stringify(name)} is not plain data`);
    }
    if (FORBIDDEN_NAMES.has(name)) {
      return fail(`access to ${JSON.stringify(name)} is not allowed`);
    }
    // Like expr-lang without a declared environment: an unknown name is nil.
    return null;
  }

  private pointer(name: string, scope: Scope): unknown {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (!s.frame) continue;
      if (name === '') return s.frame.element;
      if (name === 'index') return s.frame.index;
      if (name === 'acc' && s.frame.acc) return s.frame.acc.value;
      return fail(`unknown pointer #${name}`);
    }
    return fail('cannot use pointer accessor outside predicate');
  }

  private member(node: MemberNode, scope: Scope): unknown {
    const object = this.evaluate(node.object, scope);
    if (object === SHORT_CIRCUIT) return SHORT_CIRCUIT;
    if (isNil(object) && node.optional) return SHORT_CIRCUIT;
    const key = node.computed
      ? this.value(node.property, scope)
      : (node.property as { value: string }).value;
    return fetch(object, key);
  }

  private slice(node: SliceNode, scope: Scope): unknown {
    const object = this.evaluate(node.object, scope);
    if (object === SHORT_CIRCUIT) return SHORT_CIRCUIT;
    const bound = (n: Node | undefined, fallback: number): number => {
      if (!n) return fallback;
      const v = this.value(n, scope);
      if (typeof v !== 'number') {
        return fail(`non-integer slice index ${goTypeName(v)}`);
      }
      return Math.trunc(v);
    };
    if (Array.isArray(object)) {
      const [from, to] = clampSlice(
        bound(node.from, 0),
        bound(node.to, object.length),
        object.length,
      );
      return object.slice(from, to);
    }
    if (typeof object === 'string') {
      // Go slices strings by byte offsets.
      // eslint-disable-next-line no-control-regex
      if (/^[\x00-\x7f]*$/.test(object)) {
        const [from, to] = clampSlice(
          bound(node.from, 0),
          bound(node.to, object.length),
          object.length,
        );
        return object.slice(from, to);
      }
      const bytes = new TextEncoder().encode(object);
      const [from, to] = clampSlice(
        bound(node.from, 0),
        bound(node.to, bytes.length),
        bytes.length,
      );
      return new TextDecoder('utf-8').decode(bytes.subarray(from, to));
    }
    return fail(`cannot slice ${goTypeName(object)}`);
  }

  private call(callee: Node, argNodes: Node[], scope: Scope): unknown {
    if (callee.type === 'member') {
      const object = this.evaluate(callee.object, scope);
      if (object === SHORT_CIRCUIT) return SHORT_CIRCUIT;
      if (isNil(object) && callee.optional) return SHORT_CIRCUIT;
      const name = (callee.property as { value: string }).value;
      const method = methodOf(object, name);
      if (!method) {
        return fail(`type ${goTypeName(object)} has no method ${name}`);
      }
      const args = argNodes.map(arg => this.value(arg, scope));
      return this.invoke(name, method, args);
    }
    if (callee.type !== 'identifier')
      return fail('cannot call this expression');
    const name = callee.name;
    const args = argNodes.map(arg => this.value(arg, scope));
    const fn =
      lookupFunction(this.input.reserved, name) ??
      lookupFunction(this.input.functions, name);
    if (fn) return this.invoke(name, fn, args);
    if (Object.hasOwn(BUILTINS, name)) {
      const builtin: Builtin = BUILTINS[name];
      return builtin(args, this.builtinContext);
    }
    return fail(`unknown func ${name}`);
  }

  private invoke(
    name: string,
    fn: ExpressionFunction,
    args: unknown[],
  ): unknown {
    let result: unknown;
    try {
      result = fn(...args);
    } catch (error) {
      throw new EvaluationFailure(`${name}(): ${describeError(error)}`, error);
    }
    if (isThenable(result)) {
      return fail(
        `${name}() returned a promise; expression functions must be synchronous`,
      );
    }
    if (typeof result === 'function') {
      return fail(
        `${name}() returned a function, which expressions cannot use`,
      );
    }
    return result === undefined ? null : result;
  }

  private unary(operator: string, operand: Node, scope: Scope): unknown {
    const value = this.value(operand, scope);
    switch (operator) {
      case 'not':
      case '!':
        return !toBool(value, operator);
      case '-':
        if (typeof value !== 'number') {
          return fail(`invalid operation: - ${goTypeName(value)}`);
        }
        return -value;
      default:
        if (typeof value !== 'number') {
          return fail(`invalid operation: + ${goTypeName(value)}`);
        }
        return value;
    }
  }

  private binary(
    operator: string,
    leftNode: Node,
    rightNode: Node,
    scope: Scope,
  ): unknown {
    switch (operator) {
      case 'or':
      case '||':
        return (
          toBool(this.value(leftNode, scope), operator) ||
          toBool(this.value(rightNode, scope), operator)
        );
      case 'and':
      case '&&':
        return (
          toBool(this.value(leftNode, scope), operator) &&
          toBool(this.value(rightNode, scope), operator)
        );
      case '??': {
        const left = this.value(leftNode, scope);
        return isNil(left) ? this.value(rightNode, scope) : left;
      }
      default:
        break;
    }
    return applyOperator(
      operator,
      this.value(leftNode, scope),
      this.value(rightNode, scope),
      units => this.charge(units),
    );
  }

  private predicateBuiltin(node: BuiltinNode, scope: Scope): unknown {
    const name = node.name;
    const collection = this.value(node.args[0], scope);
    if (!Array.isArray(collection)) {
      return fail(
        `invalid argument for ${name} (type ${goTypeName(
          collection,
        )}, expected array)`,
      );
    }
    const items = collection;
    const predicate = node.args[1];
    if (!predicate) {
      if (name === 'count') {
        return items.filter(item => toBool(item, 'count')).length;
      }
      // sum without a predicate
      return sumOf(items);
    }
    const body = predicate.type === 'predicate' ? predicate.body : predicate;
    // The predicate's value for the element at `index`, with `#`, `#index` and (in reduce) `#acc` bound.
    const run = (index: number, acc?: { value: unknown }) =>
      this.value(body, {
        parent: scope,
        frame: { element: items[index] ?? null, index, acc },
      });
    const test = (i: number) => toBool(run(i), name);
    switch (name) {
      case 'all':
        return items.every((_, i) => test(i));
      case 'any':
        return items.some((_, i) => test(i));
      case 'none':
        return !items.some((_, i) => test(i));
      case 'one':
        return items.filter((_, i) => test(i)).length === 1;
      case 'filter': {
        const out = items.filter((_, i) => test(i));
        this.charge(out.length);
        return out;
      }
      case 'map': {
        const out = items.map((_, i) => run(i));
        this.charge(out.length);
        return out;
      }
      case 'count':
        return items.filter((_, i) => test(i)).length;
      case 'sum':
        return sumOf(items.map((_, i) => run(i)));
      case 'find': {
        const index = items.findIndex((_, i) => test(i));
        return index < 0 ? null : items[index] ?? null;
      }
      case 'findIndex':
        return items.findIndex((_, i) => test(i));
      case 'findLast': {
        for (let i = items.length - 1; i >= 0; i--) {
          if (test(i)) return items[i] ?? null;
        }
        return null;
      }
      case 'findLastIndex': {
        for (let i = items.length - 1; i >= 0; i--) {
          if (test(i)) return i;
        }
        return -1;
      }
      case 'groupBy': {
        const groups: Record<string, unknown[]> = {};
        items.forEach((item, i) => {
          const key = run(i);
          const group = typeof key === 'string' ? key : formatGo(key);
          if (!hasOwnData(groups, group)) defineEntry(groups, group, []);
          (ownValue(groups, group) as unknown[]).push(item);
        });
        this.charge(items.length);
        return groups;
      }
      case 'sortBy': {
        const desc = sortOrder(
          'sortBy',
          node.args[2] ? this.value(node.args[2], scope) : undefined,
        );
        const keyed = items.map((item, i) => ({ item, key: run(i) }));
        keyed.sort((a, b) => {
          if (lessThan(a.key, b.key)) return desc ? 1 : -1;
          if (lessThan(b.key, a.key)) return desc ? -1 : 1;
          return 0;
        });
        this.charge(items.length);
        return keyed.map(entry => entry.item);
      }
      case 'reduce': {
        let start = 0;
        const acc = { value: null as unknown };
        if (node.args[2]) {
          acc.value = this.value(node.args[2], scope);
        } else {
          if (items.length === 0) {
            return fail('reduce of empty array with no initial value');
          }
          acc.value = items[0];
          start = 1;
        }
        for (let i = start; i < items.length; i++) {
          acc.value = run(i, acc);
        }
        return acc.value;
      }
      default:
        return fail(`unknown builtin ${name}`);
    }
  }
}

/** Evaluates a parsed expression; throws an {@link ExpressionError} pointing at the failing node. */
export function evaluateAst(ast: Node, input: EvaluationInput): unknown {
  const evaluator = new Evaluator(input);
  const result = evaluator.evaluate(ast, {});
  return result === SHORT_CIRCUIT ? null : result;
}
