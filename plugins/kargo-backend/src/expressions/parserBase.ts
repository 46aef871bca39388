import { Node } from './ast';
import { ExpressionError } from './errors';
import { Token, TokenKind } from './lexer';

/*
 * The parser's cursor over the token list (lookahead, expectations, errors at a token, the node budget) and the
 * literals: numbers, arrays and maps. The expression grammar itself is in parser.ts.
 */

/** Deepest nesting of sub-expressions the parser accepts; it bounds recursion in the parser and the evaluator. */
export const MAX_NESTING = 100;
/** Most syntax nodes one expression may have (expr-lang's own limit is the same). */
export const MAX_NODES = 10_000;
/**
 * Deepest syntax tree accepted. Long operator and member chains (`a + b + c...`, `a.b.c...`) nest without
 * nesting in the source; this bounds the recursion of everything that walks the tree.
 */
export const MAX_DEPTH = 500;

export function describeToken(token: Token): string {
  if (token.kind === 'EOF') return 'EOF';
  return `${token.kind}(${JSON.stringify(token.value)})`;
}

export abstract class ParserBase {
  protected index = 0;
  protected nodeCount = 0;

  constructor(
    protected readonly source: string,
    protected readonly tokens: Token[],
  ) {}

  protected get current(): Token {
    return this.tokens[this.index];
  }

  protected peek(offset = 1): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  protected next(): Token {
    const token = this.current;
    if (this.index < this.tokens.length - 1) this.index += 1;
    return token;
  }

  protected is(kind: TokenKind, value?: string, token = this.current): boolean {
    return (
      token.kind === kind && (value === undefined || token.value === value)
    );
  }

  protected expect(kind: TokenKind, value?: string): Token {
    if (!this.is(kind, value)) {
      throw this.unexpected(this.current);
    }
    return this.next();
  }

  protected error(reason: string, offset: number): ExpressionError {
    return new ExpressionError({ reason, source: this.source, offset });
  }

  protected unexpected(token: Token): ExpressionError {
    return this.error(`unexpected token ${describeToken(token)}`, token.pos);
  }

  protected node<T extends Node>(node: T): T {
    this.nodeCount += 1;
    if (this.nodeCount > MAX_NODES) {
      throw this.error(
        `expression is too large (more than ${MAX_NODES} nodes)`,
        node.pos,
      );
    }
    return node;
  }

  protected parseNumber(token: Token): Node {
    const text = token.value.replace(/_/g, '');
    const lower = text.toLowerCase();
    const radix: Record<string, number> = { '0x': 16, '0o': 8, '0b': 2 };
    const prefix = lower.slice(0, 2);
    if (Object.hasOwn(radix, prefix)) {
      const digits = text.slice(2);
      const valid =
        digits !== '' &&
        [...digits].every(d => parseInt(d, radix[prefix]) < radix[prefix]);
      if (!valid) {
        throw this.error(
          `invalid number literal ${JSON.stringify(token.value)}`,
          token.pos,
        );
      }
      return this.intNode(BigInt(`${prefix}${digits}`), token);
    }
    if (/[.e]/.test(lower)) {
      if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(lower)) {
        throw this.error(
          `invalid float literal ${JSON.stringify(token.value)}`,
          token.pos,
        );
      }
      const value = Number(text);
      if (!Number.isFinite(value)) {
        throw this.error('float literal is too large', token.pos);
      }
      return this.node({ type: 'float', value, pos: token.pos });
    }
    if (!/^\d+$/.test(text)) {
      throw this.error(
        `invalid integer literal ${JSON.stringify(token.value)}`,
        token.pos,
      );
    }
    return this.intNode(BigInt(text), token);
  }

  protected intNode(value: bigint, token: Token): Node {
    // Go's int is 64 bits; beyond 2^53 the value is no longer exact in JavaScript, which we accept.
    if (value > 0x7fffffffffffffffn) {
      throw this.error('integer literal is too large', token.pos);
    }
    return this.node({ type: 'int', value: Number(value), pos: token.pos });
  }

  /** Parses an expression binding at least as tightly as `minPrecedence`. */
  protected abstract parseExpression(minPrecedence: number): Node;

  protected parseArray(): Node {
    const open = this.expect('Bracket', '[');
    const items: Node[] = [];
    while (!this.is('Bracket', ']')) {
      if (items.length > 0) {
        this.expect('Operator', ',');
        if (this.is('Bracket', ']')) break;
      }
      items.push(this.parseExpression(0));
    }
    this.expect('Bracket', ']');
    return this.node({ type: 'array', items, pos: open.pos });
  }

  protected parseMap(): Node {
    const open = this.expect('Bracket', '{');
    const entries: Array<{ key: Node; value: Node }> = [];
    while (!this.is('Bracket', '}')) {
      if (entries.length > 0) {
        this.expect('Operator', ',');
        if (this.is('Bracket', '}')) break;
      }
      const token = this.current;
      let key: Node;
      if (
        token.kind === 'Number' ||
        token.kind === 'String' ||
        token.kind === 'Identifier'
      ) {
        this.next();
        key = this.node({ type: 'string', value: token.value, pos: token.pos });
      } else if (this.is('Bracket', '(')) {
        key = this.parseExpression(0);
      } else {
        throw this.error(
          `a map key must be a quoted string, a number, a identifier, or an expression enclosed in parentheses (unexpected token ${describeToken(
            token,
          )})`,
          token.pos,
        );
      }
      this.expect('Operator', ':');
      const value = this.parseExpression(0);
      entries.push({ key, value });
    }
    this.expect('Bracket', '}');
    return this.node({ type: 'map', entries, pos: open.pos });
  }
}
