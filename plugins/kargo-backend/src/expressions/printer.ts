/**
 * Prints a syntax tree back as expr-lang source that parses to an equivalent tree: operators are fully
 * parenthesized, strings are written with escapes the lexer reads back exactly.
 */
import type { Node } from './ast';
import { isIdentifierChar } from './lexer';

const WORD_OPERATORS = new Set([
  'and',
  'or',
  'not',
  'in',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
]);

/** A double-quoted expr-lang string literal whose value is `value`. */
export function printString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f)
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function printNumber(value: number, float: boolean): string {
  let text = String(value);
  if (float && !/[.e]/.test(text)) text += '.0';
  return value < 0 || Object.is(value, -0)
    ? `(-${text.replace(/^-/, '')})`
    : text;
}

function isName(text: string): boolean {
  return (
    text !== '' &&
    !/^[0-9]/.test(text) &&
    [...text].every(isIdentifierChar) &&
    !['true', 'false', 'nil', 'let', 'if', 'else'].includes(text) &&
    !WORD_OPERATORS.has(text)
  );
}

/** The object of a postfix operation, in parentheses unless it reads unambiguously without them. */
function printBase(node: Node): string {
  switch (node.type) {
    case 'identifier':
    case 'member':
    case 'slice':
    case 'call':
    case 'pointer':
    case 'string':
    case 'array':
    case 'map':
    case 'builtin':
      return printExpression(node);
    default:
      return `(${printExpression(node)})`;
  }
}

/** expr-lang source for a syntax tree. */
export function printExpression(node: Node): string {
  switch (node.type) {
    case 'nil':
      return 'nil';
    case 'bool':
      return node.value ? 'true' : 'false';
    case 'int':
      return printNumber(node.value, false);
    case 'float':
      return printNumber(node.value, true);
    case 'string':
      return printString(node.value);
    case 'array':
      return `[${node.items.map(printExpression).join(', ')}]`;
    case 'map':
      return `{${node.entries
        .map(({ key, value }) => {
          const keyText =
            key.type === 'string'
              ? printString(key.value)
              : `(${printExpression(key)})`;
          return `${keyText}: ${printExpression(value)}`;
        })
        .join(', ')}}`;
    case 'identifier':
      return node.name;
    case 'pointer':
      return `#${node.name}`;
    case 'member': {
      const object = printBase(node.object);
      const property = node.property;
      if (
        !node.computed &&
        property.type === 'string' &&
        isName(property.value)
      ) {
        return `${object}${node.optional ? '?.' : '.'}${property.value}`;
      }
      return `${object}${node.optional ? '?.' : ''}[${printExpression(
        property,
      )}]`;
    }
    case 'slice':
      return `${printBase(node.object)}[${
        node.from ? printExpression(node.from) : ''
      }:${node.to ? printExpression(node.to) : ''}]`;
    case 'chain':
      return printExpression(node.node);
    case 'call': {
      const args = node.args.map(printExpression).join(', ');
      if (node.callee.type === 'identifier')
        return `${node.callee.name}(${args})`;
      const callee = node.callee;
      const name = (callee.property as { value: string }).value;
      return `${printBase(callee.object)}${
        callee.optional ? '?.' : '.'
      }${name}(${args})`;
    }
    case 'builtin':
      return `${node.name}(${node.args.map(printExpression).join(', ')})`;
    case 'predicate':
      return `{${printExpression(node.body)}}`;
    case 'unary': {
      const operand = printExpression(node.operand);
      return node.operator === 'not'
        ? `(not ${operand})`
        : `(${node.operator}${operand})`;
    }
    case 'binary':
      return `(${printExpression(node.left)} ${node.operator} ${printExpression(
        node.right,
      )})`;
    case 'conditional':
      return `(${printExpression(node.test)} ? ${printExpression(
        node.consequent,
      )} : ${printExpression(node.alternate)})`;
    case 'let':
      return `(let ${node.name} = ${printExpression(
        node.value,
      )}; ${printExpression(node.body)})`;
    case 'sequence':
      return `(${node.nodes.map(printExpression).join('; ')})`;
    default:
      return '';
  }
}
