/*
 * TEST DOUBLE SUPPORT for the Kubernetes API double: the `labelSelector` query parameter, parsed and matched as
 * k8s.io/apimachinery/pkg/labels does. Equality-based (`a=b`, `a==b`, `a!=b`), set-based (`a in (x,y)`,
 * `a notin (x,y)`, `a`, `!a`) and the numeric `a>1`, `a<1`, joined by commas (an AND). `!=` and `notin` also
 * match objects without the label. A selector that does not parse throws (the server answers 400).
 */

/** One parsed requirement. */
export interface LabelRequirement {
  key: string;
  operator:
    | 'exists'
    | 'notExists'
    | 'in'
    | 'notIn'
    | 'equals'
    | 'notEquals'
    | 'gt'
    | 'lt';
  values: string[];
}

/** A parsed selector: every requirement must hold. Empty matches everything. */
export type LabelSelector = LabelRequirement[];

const KEY_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const KEY_PREFIX =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

type Token =
  | { kind: 'ident'; text: string }
  | { kind: ',' | '(' | ')' | '=' | '==' | '!=' | '!' | '<' | '>' };

const PUNCTUATION = [',', '(', ')', '=', '!', '<', '>'] as const;

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
    } else if (input.startsWith('==', i) || input.startsWith('!=', i)) {
      tokens.push({ kind: input.startsWith('==', i) ? '==' : '!=' });
      i += 2;
    } else if (PUNCTUATION.some(p => p === c)) {
      tokens.push({ kind: PUNCTUATION.find(p => p === c) ?? ',' });
      i++;
    } else {
      let end = i;
      while (end < input.length && !/[\s(),=!<>]/.test(input[end])) end++;
      tokens.push({ kind: 'ident', text: input.slice(i, end) });
      i = end;
    }
  }
  return tokens;
}

function checkKey(key: string): string {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (
    !KEY_NAME.test(name) ||
    (prefix !== undefined && (prefix.length > 253 || !KEY_PREFIX.test(prefix)))
  ) {
    throw new Error(`unable to parse requirement: invalid label key "${key}"`);
  }
  return key;
}

function checkValue(value: string): string {
  if (!VALUE.test(value)) {
    throw new Error(
      `unable to parse requirement: invalid label value: "${value}"`,
    );
  }
  return value;
}

/** Parses a `labelSelector` query value. */
export function parseLabelSelector(input: string): LabelSelector {
  const tokens = tokenize(input);
  const requirements: LabelSelector = [];
  let pos = 0;
  const peek = () => tokens[pos];
  const ident = (what: string): string => {
    const token = tokens[pos++];
    if (token?.kind !== 'ident') {
      throw new Error(`unable to parse requirement: expected ${what}`);
    }
    return token.text;
  };
  while (pos < tokens.length) {
    if (peek().kind === '!') {
      pos++;
      requirements.push({
        key: checkKey(ident('a key')),
        operator: 'notExists',
        values: [],
      });
    } else {
      const key = checkKey(ident('a key'));
      const op = peek();
      if (op === undefined || op.kind === ',') {
        requirements.push({ key, operator: 'exists', values: [] });
      } else if (op.kind === '=' || op.kind === '==' || op.kind === '!=') {
        pos++;
        const next = peek();
        const value = next?.kind === 'ident' ? ident('a value') : '';
        requirements.push({
          key,
          operator: op.kind === '!=' ? 'notEquals' : 'equals',
          values: [checkValue(value)],
        });
      } else if (op.kind === '<' || op.kind === '>') {
        pos++;
        const value = ident('an integer');
        if (!/^-?\d+$/.test(value)) {
          throw new Error(
            `unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
        requirements.push({
          key,
          operator: op.kind === '>' ? 'gt' : 'lt',
          values: [value],
        });
      } else if (
        op.kind === 'ident' &&
        (op.text === 'in' || op.text === 'notin')
      ) {
        pos++;
        if (tokens[pos++]?.kind !== '(') {
          throw new Error(
            `unable to parse requirement: found '${op.text}', expected: '('`,
          );
        }
        const values: string[] = [];
        for (;;) {
          const token = tokens[pos++];
          if (token?.kind === 'ident') values.push(checkValue(token.text));
          else if (token?.kind === ',' && tokens[pos]?.kind !== ')') continue;
          else if (token?.kind === ')') break;
          else
            throw new Error(`unable to parse requirement: expected ')' or ','`);
        }
        if (values.filter(v => v !== '').length === 0) {
          throw new Error(
            `unable to parse requirement: for 'in', 'notin' operators, values set can't be empty`,
          );
        }
        requirements.push({
          key,
          operator: op.text === 'in' ? 'in' : 'notIn',
          values,
        });
      } else {
        throw new Error(
          `unable to parse requirement: unexpected token after "${key}"`,
        );
      }
    }
    if (pos < tokens.length) {
      if (tokens[pos].kind !== ',' || pos === tokens.length - 1) {
        throw new Error(`unable to parse requirement: expected ','`);
      }
      pos++;
    }
  }
  return requirements;
}

/** Whether labels satisfy every requirement. */
export function matchesLabelSelector(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  return selector.every(({ key, operator, values }) => {
    const value = labels?.[key];
    switch (operator) {
      case 'exists':
        return value !== undefined;
      case 'notExists':
        return value === undefined;
      case 'equals':
      case 'in':
        return value !== undefined && values.includes(value);
      case 'notEquals':
      case 'notIn':
        return value === undefined || !values.includes(value);
      case 'gt':
      case 'lt': {
        if (value === undefined || !/^-?\d+$/.test(value)) return false;
        const diff = Number(value) - Number(values[0]);
        return operator === 'gt' ? diff > 0 : diff < 0;
      }
      default:
        return false;
    }
  });
}
