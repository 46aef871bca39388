/**
 * expr-lang's builtin functions that take plain arguments (the ones taking predicates live in the evaluator),
 * with expr-lang's semantics: Go string functions, byte offsets, `int()` and `float()` conversions.
 */
import { fail } from './errors';
import {
  compareGoStrings,
  formatGo,
  goParseFloat,
  goUnmarshalJSON,
  marshalJSON,
} from './golang';
import {
  deepEqual,
  defineEntry,
  ExprStruct,
  exprTypeName,
  goTypeName,
  hasOwnData,
  isPlainObject,
  ownKeys,
  ownValue,
} from './values';
import {
  arity,
  arr,
  flatten,
  int,
  map,
  num,
  numbersOf,
  str,
  toInt64,
} from './builtinArgs';
import {
  atoi,
  decodeUTF8,
  goReplace,
  goSplit,
  isGoSpace,
  mapRunes,
  trimWith,
  utf8Length,
} from './goText';

import { GoNamedInt, TIME_BUILTINS } from './time';

export { utf8Length } from './goText';

/** What builtins may ask of the evaluator: charging the memory budget for what they allocate. */
export interface BuiltinContext {
  charge(units: number): void;
}

export type Builtin = (args: unknown[], context: BuiltinContext) => unknown;

const encoder = new TextEncoder();

/** expr-lang's ordering for `sort` and `sortBy`: numbers with numbers, strings with strings. */
export function lessThan(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  if (typeof a === 'string' && typeof b === 'string') {
    return compareGoStrings(a, b) < 0;
  }
  return fail(
    `invalid operation: < (mismatched types ${goTypeName(a)} and ${goTypeName(
      b,
    )})`,
  );
}

export function sortOrder(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (value === 'asc') return false;
  if (value === 'desc') return true;
  if (typeof value !== 'string') {
    return fail(
      `${name} order argument must be a string (got ${goTypeName(value)})`,
    );
  }
  return fail(`invalid order ${value}, expected asc or desc`);
}

function bitFunction(
  name: string,
  op: (x: bigint, y: bigint) => bigint,
): Builtin {
  return args => {
    arity(name, args, 2);
    const x = toInt64(name, args[0]);
    const y = toInt64(name, args[1]);
    return Number(BigInt.asIntN(64, op(x, y)));
  };
}

function shift(y: bigint): bigint {
  if (y < 0n) fail(`invalid operation: negative shift count ${y} (type int)`);
  return y > 64n ? 64n : y;
}

function getElement(value: unknown, key: unknown): unknown {
  if (Array.isArray(value)) {
    if (typeof key !== 'number') return null;
    let index = Math.trunc(key);
    if (index < 0) index += value.length;
    return index >= 0 && index < value.length ? value[index] ?? null : null;
  }
  if (isPlainObject(value) && typeof key === 'string') {
    return hasOwnData(value, key) ? ownValue(value, key) ?? null : null;
  }
  if (value instanceof ExprStruct && typeof key === 'string') {
    return value.hasField(key) ? value.field(key) : null;
  }
  return null;
}

const MAX_REPEAT_LENGTH = 1_000_000;

/** The builtins, by name. */
export const BUILTINS: Record<string, Builtin> = {
  now: args => TIME_BUILTINS.now(args, () => new Date()),
  date: args => TIME_BUILTINS.date(args),
  duration: args => TIME_BUILTINS.duration(args),
  timezone: args => TIME_BUILTINS.timezone(args),
  len: args => {
    arity('len', args, 1);
    const [v] = args;
    if (typeof v === 'string') return utf8Length(v);
    if (Array.isArray(v)) return v.length;
    if (isPlainObject(v)) return ownKeys(v).length;
    return fail(`invalid argument for len (type ${goTypeName(v)})`);
  },
  type: args => {
    arity('type', args, 1);
    return exprTypeName(args[0]);
  },
  abs: args => {
    arity('abs', args, 1);
    return Math.abs(num('abs', args[0]));
  },
  ceil: args => {
    arity('ceil', args, 1);
    return Math.ceil(num('ceil', args[0]));
  },
  floor: args => {
    arity('floor', args, 1);
    return Math.floor(num('floor', args[0]));
  },
  round: args => {
    arity('round', args, 1);
    const n = num('round', args[0]);
    return Math.sign(n) * Math.round(Math.abs(n));
  },
  int: args => {
    arity('int', args, 1);
    const [v] = args;
    if (typeof v === 'number') {
      if (!Number.isFinite(v))
        return fail(`invalid operation: int(${formatGo(v)})`);
      return Math.trunc(v);
    }
    // time.Month and time.Weekday are Go ints.
    if (v instanceof GoNamedInt) return v.value;
    if (typeof v === 'string') {
      const parsed = atoi(v);
      return parsed === undefined
        ? fail(`invalid operation: int(${v})`)
        : parsed;
    }
    return fail(`invalid operation: int(${goTypeName(v)})`);
  },
  float: args => {
    arity('float', args, 1);
    const [v] = args;
    if (typeof v === 'number') return v;
    if (typeof v === 'string') {
      const parsed = goParseFloat(v);
      return parsed === undefined
        ? fail(`invalid operation: float(${v})`)
        : parsed;
    }
    return fail(`invalid operation: float(${goTypeName(v)})`);
  },
  string: (args, context) => {
    arity('string', args, 1);
    const text = formatGo(args[0]);
    context.charge(text.length);
    return text;
  },
  trim: args => {
    arity('trim', args, 1, 2);
    const text = str('trim', args[0]);
    if (args.length === 1) return trimWith(text, isGoSpace);
    const cutset = new Set(Array.from(str('trim', args[1])));
    return trimWith(text, ch => cutset.has(ch));
  },
  trimPrefix: args => {
    arity('trimPrefix', args, 1, 2);
    const text = str('trimPrefix', args[0]);
    const prefix = args.length === 2 ? str('trimPrefix', args[1]) : ' ';
    return text.startsWith(prefix) ? text.slice(prefix.length) : text;
  },
  trimSuffix: args => {
    arity('trimSuffix', args, 1, 2);
    const text = str('trimSuffix', args[0]);
    const suffix = args.length === 2 ? str('trimSuffix', args[1]) : ' ';
    return suffix !== '' && text.endsWith(suffix)
      ? text.slice(0, text.length - suffix.length)
      : text;
  },
  upper: args => {
    arity('upper', args, 1);
    return mapRunes(str('upper', args[0]), ch => ch.toUpperCase());
  },
  lower: args => {
    arity('lower', args, 1);
    return mapRunes(str('lower', args[0]), ch => ch.toLowerCase());
  },
  split: (args, context) => {
    arity('split', args, 2, 3);
    const text = str('split', args[0]);
    const n = args.length === 3 ? int('split', args[2]) : -1;
    const parts = goSplit(text, str('split', args[1]), n, false);
    context.charge(parts?.length ?? 0);
    return parts;
  },
  splitAfter: (args, context) => {
    arity('splitAfter', args, 2, 3);
    const text = str('splitAfter', args[0]);
    const n = args.length === 3 ? int('splitAfter', args[2]) : -1;
    const parts = goSplit(text, str('splitAfter', args[1]), n, true);
    context.charge(parts?.length ?? 0);
    return parts;
  },
  replace: (args, context) => {
    arity('replace', args, 3, 4);
    const n = args.length === 4 ? int('replace', args[3]) : -1;
    const result = goReplace(
      str('replace', args[0]),
      str('replace', args[1]),
      str('replace', args[2]),
      n,
    );
    context.charge(result.length);
    return result;
  },
  repeat: (args, context) => {
    arity('repeat', args, 2);
    const text = str('repeat', args[0]);
    const n = int('repeat', args[1]);
    if (n < 0) {
      return fail(
        `invalid argument for repeat (expected positive integer, got ${n})`,
      );
    }
    if (n > 1e6 || text.length * n > MAX_REPEAT_LENGTH) {
      return fail('memory budget exceeded');
    }
    context.charge(text.length * n);
    return text.repeat(n);
  },
  join: (args, context) => {
    arity('join', args, 1, 2);
    const items = arr('join', args[0]);
    const glue = args.length === 2 ? str('join', args[1]) : '';
    const strings = items.map(item =>
      typeof item === 'string'
        ? item
        : fail(
            `invalid argument for join: element is ${goTypeName(
              item,
            )}, not string`,
          ),
    );
    const result = strings.join(glue);
    context.charge(result.length);
    return result;
  },
  indexOf: args => {
    arity('indexOf', args, 2);
    const text = str('indexOf', args[0]);
    const index = text.indexOf(str('indexOf', args[1]));
    return index < 0 ? -1 : utf8Length(text.slice(0, index));
  },
  lastIndexOf: args => {
    arity('lastIndexOf', args, 2);
    const text = str('lastIndexOf', args[0]);
    const index = text.lastIndexOf(str('lastIndexOf', args[1]));
    return index < 0 ? -1 : utf8Length(text.slice(0, index));
  },
  hasPrefix: args => {
    arity('hasPrefix', args, 2);
    return str('hasPrefix', args[0]).startsWith(str('hasPrefix', args[1]));
  },
  hasSuffix: args => {
    arity('hasSuffix', args, 2);
    return str('hasSuffix', args[0]).endsWith(str('hasSuffix', args[1]));
  },
  max: args => {
    const numbers = numbersOf('max', args);
    if (numbers.length === 0) return fail('not enough arguments to call max');
    return numbers.reduce((a, b) => (b > a ? b : a));
  },
  min: args => {
    const numbers = numbersOf('min', args);
    if (numbers.length === 0) return fail('not enough arguments to call min');
    return numbers.reduce((a, b) => (b < a ? b : a));
  },
  mean: args => {
    const numbers = numbersOf('mean', args);
    if (numbers.length === 0) return 0;
    return numbers.reduce((a, b) => a + b, 0) / numbers.length;
  },
  median: args => {
    const numbers = numbersOf('median', args).sort((a, b) => a - b);
    const n = numbers.length;
    if (n === 0) return 0;
    return n % 2 === 1
      ? numbers[(n - 1) / 2]
      : (numbers[n / 2 - 1] + numbers[n / 2]) / 2;
  },
  toJSON: (args, context) => {
    arity('toJSON', args, 1);
    const text = marshalJSON(args[0], '  ');
    context.charge(text.length);
    return text;
  },
  fromJSON: (args, context) => {
    arity('fromJSON', args, 1);
    const text = str('fromJSON', args[0]);
    const parsed = goUnmarshalJSON(text);
    if (!parsed) return fail('fromJSON: invalid JSON');
    context.charge(text.length);
    return parsed.value;
  },
  toBase64: args => {
    arity('toBase64', args, 1);
    return Buffer.from(encoder.encode(str('toBase64', args[0]))).toString(
      'base64',
    );
  },
  fromBase64: args => {
    arity('fromBase64', args, 1);
    const text = str('fromBase64', args[0]).replace(/[\r\n]/g, '');
    if (
      !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(
        text,
      )
    ) {
      return fail('illegal base64 data');
    }
    return decodeUTF8(Buffer.from(text, 'base64'));
  },
  first: args => {
    arity('first', args, 1);
    const [v] = args;
    return Array.isArray(v) && v.length > 0 ? v[0] ?? null : null;
  },
  last: args => {
    arity('last', args, 1);
    const [v] = args;
    return Array.isArray(v) && v.length > 0 ? v[v.length - 1] ?? null : null;
  },
  get: args => {
    arity('get', args, 2);
    return getElement(args[0], args[1]);
  },
  take: args => {
    arity('take', args, 2);
    const items = arr('take', args[0]);
    const n = args[1];
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      return fail(`cannot take ${goTypeName(n)} elements`);
    }
    if (n < 0) return fail(`cannot take ${n} elements`);
    return items.slice(0, n);
  },
  keys: args => {
    arity('keys', args, 1);
    return ownKeys(map('keys', args[0])).sort(compareGoStrings);
  },
  values: args => {
    arity('values', args, 1);
    const m = map('values', args[0]);
    return ownKeys(m)
      .sort(compareGoStrings)
      .map(key => ownValue(m, key) ?? null);
  },
  toPairs: args => {
    arity('toPairs', args, 1);
    const m = map('toPairs', args[0]);
    return ownKeys(m)
      .sort(compareGoStrings)
      .map(key => [key, ownValue(m, key) ?? null]);
  },
  fromPairs: args => {
    arity('fromPairs', args, 1);
    const out: Record<string, unknown> = {};
    for (const pair of arr('fromPairs', args[0])) {
      if (!Array.isArray(pair)) return fail(`invalid pair ${formatGo(pair)}`);
      if (pair.length !== 2)
        return fail(`invalid pair length ${formatGo(pair)}`);
      const [key, value] = pair;
      if (typeof key !== 'string') {
        return fail(`invalid pair key: ${goTypeName(key)}, expected string`);
      }
      defineEntry(out, key, value);
    }
    return out;
  },
  reverse: args => {
    arity('reverse', args, 1);
    return [...arr('reverse', args[0])].reverse();
  },
  uniq: args => {
    arity('uniq', args, 1);
    const out: unknown[] = [];
    for (const item of arr('uniq', args[0])) {
      if (!out.some(seen => deepEqual(seen, item))) out.push(item);
    }
    return out;
  },
  concat: (args, context) => {
    if (args.length === 0) {
      return fail('invalid number of arguments (expected at least 1, got 0)');
    }
    const out: unknown[] = [];
    for (const arg of args) out.push(...arr('concat', arg));
    context.charge(out.length);
    return out;
  },
  flatten: (args, context) => {
    arity('flatten', args, 1);
    const out = flatten(arr('flatten', args[0]), 0);
    context.charge(out.length);
    return out;
  },
  sort: args => {
    arity('sort', args, 1, 2);
    const items = [...arr('sort', args[0])];
    const desc = sortOrder('sort', args[1]);
    items.sort((a, b) => {
      if (lessThan(a, b)) return desc ? 1 : -1;
      if (lessThan(b, a)) return desc ? -1 : 1;
      return 0;
    });
    return items;
  },
  bitand: bitFunction('bitand', (x, y) => x & y),
  bitor: bitFunction('bitor', (x, y) => x | y),
  bitxor: bitFunction('bitxor', (x, y) => x ^ y),
  bitnand: bitFunction('bitnand', (x, y) => x & ~y),
  bitshl: bitFunction('bitshl', (x, y) => x << shift(y)),
  bitshr: bitFunction('bitshr', (x, y) => x >> shift(y)),
  bitushr: bitFunction('bitushr', (x, y) => BigInt.asUintN(64, x) >> shift(y)),
  bitnot: args => {
    arity('bitnot', args, 1);
    return Number(BigInt.asIntN(64, ~toInt64('bitnot', args[0])));
  },
};
