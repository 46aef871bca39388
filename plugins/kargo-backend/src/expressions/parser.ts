import {
  CallNode,
  depthOf,
  IdentifierNode,
  MemberNode,
  Node,
  PredicateNode,
} from './ast';
import { ExpressionError } from './errors';
import { isIdentifierChar, Token, TokenKind, tokenize } from './lexer';

/** Deepest nesting of sub-expressions the parser accepts; it bounds recursion in the parser and the evaluator. */
export const MAX_NESTING = 100;
/** Most syntax nodes one expression may have (expr-lang's own limit is the same). */
export const MAX_NODES = 10_000;
/**
 * Deepest syntax tree accepted. Long operator and member chains (`a + b + c...`, `a.b.c...`) nest without
 * nesting in the source; this bounds the recursion of everything that walks the tree.
 */
export const MAX_DEPTH = 500;

interface OperatorInfo {
  precedence: number;
  rightAssociative?: boolean;
}

// expr-lang's operator table (parser/operator/operator.go).
const UNARY: Record<string, number> = { not: 50, '!': 50, '-': 90, '+': 90 };
const BINARY: Record<string, OperatorInfo> = {
  '|': { precedence: 0 },
  or: { precedence: 10 },
  '||': { precedence: 10 },
  and: { precedence: 15 },
  '&&': { precedence: 15 },
  '==': { precedence: 20 },
  '!=': { precedence: 20 },
  '<': { precedence: 20 },
  '>': { precedence: 20 },
  '>=': { precedence: 20 },
  '<=': { precedence: 20 },
  in: { precedence: 20 },
  matches: { precedence: 20 },
  contains: { precedence: 20 },
  startsWith: { precedence: 20 },
  endsWith: { precedence: 20 },
  '..': { precedence: 25 },
  '+': { precedence: 30 },
  '-': { precedence: 30 },
  '*': { precedence: 60 },
  '/': { precedence: 60 },
  '%': { precedence: 60 },
  '**': { precedence: 100, rightAssociative: true },
  '^': { precedence: 100, rightAssociative: true },
  '??': { precedence: 500 },
};
const COMPARISONS = new Set(['<', '>', '<=', '>=']);
const NEGATABLE = new Set([
  'in',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
]);

type ArgKind = 'expr' | 'predicate' | 'optionalPredicate' | 'optionalExpr';

/** expr-lang's builtins whose arguments include a predicate (a closure over `#`). */
export const PREDICATE_BUILTINS: Record<string, ArgKind[]> = {
  all: ['expr', 'predicate'],
  none: ['expr', 'predicate'],
  any: ['expr', 'predicate'],
  one: ['expr', 'predicate'],
  filter: ['expr', 'predicate'],
  map: ['expr', 'predicate'],
  count: ['expr', 'optionalPredicate'],
  sum: ['expr', 'optionalPredicate'],
  find: ['expr', 'predicate'],
  findIndex: ['expr', 'predicate'],
  findLast: ['expr', 'predicate'],
  findLastIndex: ['expr', 'predicate'],
  groupBy: ['expr', 'predicate'],
  sortBy: ['expr', 'predicate', 'optionalExpr'],
  reduce: ['expr', 'predicate', 'optionalExpr'],
};

function describeToken(token: Token): string {
  if (token.kind === 'EOF') return 'EOF';
  return `${token.kind}(${JSON.stringify(token.value)})`;
}

class Parser {
  private index = 0;
  private nesting = 0;
  private nodeCount = 0;
  private predicateDepth = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parseProgram(): Node {
    const node = this.parseSequence();
    if (this.current.kind !== 'EOF') {
      throw this.unexpected(this.current);
    }
    if (depthOf(node) > MAX_DEPTH) {
      throw this.error(
        `expression is too deeply nested (more than ${MAX_DEPTH} levels)`,
        node.pos,
      );
    }
    return node;
  }

  private get current(): Token {
    return this.tokens[this.index];
  }

  private peek(offset = 1): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const token = this.current;
    if (this.index < this.tokens.length - 1) this.index += 1;
    return token;
  }

  private is(kind: TokenKind, value?: string, token = this.current): boolean {
    return (
      token.kind === kind && (value === undefined || token.value === value)
    );
  }

  private expect(kind: TokenKind, value?: string): Token {
    if (!this.is(kind, value)) {
      throw this.unexpected(this.current);
    }
    return this.next();
  }

  private error(reason: string, offset: number): ExpressionError {
    return new ExpressionError({ reason, source: this.source, offset });
  }

  private unexpected(token: Token): ExpressionError {
    return this.error(`unexpected token ${describeToken(token)}`, token.pos);
  }

  private node<T extends Node>(node: T): T {
    this.nodeCount += 1;
    if (this.nodeCount > MAX_NODES) {
      throw this.error(
        `expression is too large (more than ${MAX_NODES} nodes)`,
        node.pos,
      );
    }
    return node;
  }

  private parseSequence(): Node {
    const first = this.parseExpression(0);
    const nodes = [first];
    while (this.is('Operator', ';')) {
      this.next();
      if (this.current.kind === 'EOF') break;
      nodes.push(this.parseExpression(0));
    }
    if (nodes.length === 1) return first;
    return this.node({ type: 'sequence', nodes, pos: first.pos });
  }

  private parseExpression(minPrecedence: number): Node {
    this.nesting += 1;
    if (this.nesting > MAX_NESTING) {
      throw this.error(
        `expression is nested too deeply (more than ${MAX_NESTING} levels)`,
        this.current.pos,
      );
    }
    try {
      return this.parseExpressionBody(minPrecedence);
    } finally {
      this.nesting -= 1;
    }
  }

  private parseExpressionBody(minPrecedence: number): Node {
    if (minPrecedence === 0 && this.is('Operator', 'let')) {
      return this.parseLet();
    }
    if (minPrecedence === 0 && this.is('Operator', 'if')) {
      return this.parseIf();
    }
    let left = this.parsePrimary();
    let previous = '';
    for (;;) {
      let opToken = this.current;
      if (opToken.kind !== 'Operator') break;
      let negate = false;
      let notToken: Token | undefined;
      if (opToken.value === 'not') {
        const following = this.peek();
        if (following.kind !== 'Operator' || !NEGATABLE.has(following.value)) {
          throw this.unexpected(following);
        }
        if (BINARY[following.value].precedence < minPrecedence) break;
        negate = true;
        notToken = opToken;
        this.next();
        opToken = this.current;
      }
      const info = Object.hasOwn(BINARY, opToken.value)
        ? BINARY[opToken.value]
        : undefined;
      if (!info || info.precedence < minPrecedence) break;
      this.next();

      if (opToken.value === '|') {
        const name = this.expect('Identifier');
        left = this.parseCall(name, [left]);
      } else {
        if (previous === '??' && opToken.value !== '??') {
          throw this.error(
            `Operator (${opToken.value}) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses.`,
            opToken.pos,
          );
        }
        if (COMPARISONS.has(opToken.value)) {
          left = this.parseComparison(left, opToken, info.precedence);
        } else {
          const right = this.parseExpression(
            info.rightAssociative ? info.precedence : info.precedence + 1,
          );
          left = this.node({
            type: 'binary',
            operator: opToken.value,
            left,
            right,
            pos: opToken.pos,
          });
          if (negate) {
            left = this.node({
              type: 'unary',
              operator: 'not',
              operand: left,
              pos: notToken!.pos,
            });
          }
        }
      }
      previous = opToken.value;
    }
    if (minPrecedence === 0) {
      left = this.parseConditional(left);
    }
    return left;
  }

  /** `a < b < c` means `a < b && b < c`, as in expr-lang. */
  private parseComparison(left: Node, first: Token, precedence: number): Node {
    let root: Node | undefined;
    let operand = left;
    let token = first;
    for (;;) {
      const right = this.parseExpression(precedence + 1);
      const comparison: Node = this.node({
        type: 'binary',
        operator: token.value,
        left: operand,
        right,
        pos: token.pos,
      });
      root = root
        ? this.node({
            type: 'binary',
            operator: '&&',
            left: root,
            right: comparison,
            pos: token.pos,
          })
        : comparison;
      operand = right;
      if (
        !(
          this.current.kind === 'Operator' &&
          COMPARISONS.has(this.current.value)
        )
      ) {
        return root;
      }
      token = this.next();
    }
  }

  private parseConditional(node: Node): Node {
    let result = node;
    while (this.is('Operator', '?')) {
      const question = this.next();
      let consequent: Node;
      let alternate: Node;
      if (this.is('Operator', ':')) {
        this.next();
        consequent = result;
        alternate = this.parseExpression(0);
      } else {
        consequent = this.parseExpression(0);
        this.expect('Operator', ':');
        alternate = this.parseExpression(0);
      }
      result = this.node({
        type: 'conditional',
        test: result,
        consequent,
        alternate,
        pos: question.pos,
      });
    }
    return result;
  }

  private parseLet(): Node {
    const letToken = this.expect('Operator', 'let');
    const name = this.expect('Identifier');
    this.expect('Operator', '=');
    const value = this.parseExpression(0);
    this.expect('Operator', ';');
    const body = this.parseSequence();
    return this.node({
      type: 'let',
      name: name.value,
      value,
      body,
      pos: letToken.pos,
    });
  }

  private parseIf(): Node {
    const ifToken = this.expect('Operator', 'if');
    const test = this.parseExpression(0);
    this.expect('Bracket', '{');
    const consequent = this.parseSequence();
    this.expect('Bracket', '}');
    this.expect('Operator', 'else');
    let alternate: Node;
    if (this.is('Operator', 'if')) {
      alternate = this.parseIf();
    } else {
      this.expect('Bracket', '{');
      alternate = this.parseSequence();
      this.expect('Bracket', '}');
    }
    return this.node({
      type: 'conditional',
      test,
      consequent,
      alternate,
      pos: ifToken.pos,
    });
  }

  private parsePrimary(): Node {
    const token = this.current;
    if (token.kind === 'Operator' && Object.hasOwn(UNARY, token.value)) {
      this.next();
      const operand = this.parseExpression(UNARY[token.value]);
      const unary = this.node({
        type: 'unary',
        operator: token.value,
        operand,
        pos: token.pos,
      });
      return this.parsePostfix(unary);
    }
    if (this.is('Bracket', '(')) {
      this.next();
      const inner = this.parseSequence();
      this.expect('Bracket', ')');
      return this.parsePostfix(inner);
    }
    if (this.predicateDepth > 0) {
      if (this.is('Operator', '#')) {
        this.next();
        let name = '';
        if (
          this.current.kind === 'Identifier' &&
          this.current.pos === token.end
        ) {
          name = this.next().value;
        }
        return this.parsePostfix(
          this.node({ type: 'pointer', name, pos: token.pos }),
        );
      }
      if (this.is('Operator', '.')) {
        // `.Field` inside a predicate is `#.Field`; the dot is left for the postfix parser.
        return this.parsePostfix(
          this.node({ type: 'pointer', name: '', pos: token.pos }),
        );
      }
    }
    return this.parseSecondary();
  }

  private parseSecondary(): Node {
    const token = this.current;
    switch (token.kind) {
      case 'Identifier': {
        this.next();
        if (token.value === 'true' || token.value === 'false') {
          return this.node({
            type: 'bool',
            value: token.value === 'true',
            pos: token.pos,
          });
        }
        if (token.value === 'nil') {
          return this.node({ type: 'nil', pos: token.pos });
        }
        if (this.is('Bracket', '(')) {
          return this.parsePostfix(this.parseCall(token, []));
        }
        return this.parsePostfix(
          this.node({ type: 'identifier', name: token.value, pos: token.pos }),
        );
      }
      case 'Number':
        this.next();
        return this.parsePostfix(this.parseNumber(token));
      case 'String':
        this.next();
        return this.parsePostfix(
          this.node({ type: 'string', value: token.value, pos: token.pos }),
        );
      default:
        if (this.is('Bracket', '['))
          return this.parsePostfix(this.parseArray());
        if (this.is('Bracket', '{')) return this.parsePostfix(this.parseMap());
        throw this.unexpected(token);
    }
  }

  private parseNumber(token: Token): Node {
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

  private intNode(value: bigint, token: Token): Node {
    // Go's int is 64 bits; beyond 2^53 the value is no longer exact in JavaScript, which we accept.
    if (value > 0x7fffffffffffffffn) {
      throw this.error('integer literal is too large', token.pos);
    }
    return this.node({ type: 'int', value: Number(value), pos: token.pos });
  }

  private parseArray(): Node {
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

  private parseMap(): Node {
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

  /** A call of `name`; `leading` holds the left side of a pipe, which becomes the first argument. */
  private parseCall(name: Token, leading: Node[]): Node {
    const kinds = Object.hasOwn(PREDICATE_BUILTINS, name.value)
      ? PREDICATE_BUILTINS[name.value]
      : undefined;
    if (kinds) {
      this.expect('Bracket', '(');
      const args = [...leading];
      const remaining = kinds.slice(leading.length);
      for (let i = 0; i < remaining.length; i++) {
        const kind = remaining[i];
        const optional =
          kind === 'optionalPredicate' || kind === 'optionalExpr';
        if (this.is('Bracket', ')')) {
          if (optional) break;
          throw this.error(
            `expected at least ${
              remaining.filter(k => !k.startsWith('optional')).length
            } arguments`,
            this.current.pos,
          );
        }
        if (i > 0) this.expect('Operator', ',');
        args.push(
          kind === 'predicate' || kind === 'optionalPredicate'
            ? this.parsePredicate()
            : this.parseExpression(0),
        );
      }
      if (this.is('Operator', ',')) this.next();
      this.expect('Bracket', ')');
      return this.node({
        type: 'builtin',
        name: name.value,
        args,
        pos: name.pos,
      });
    }
    const callee: IdentifierNode = this.node({
      type: 'identifier',
      name: name.value,
      pos: name.pos,
    });
    const call: CallNode = this.node({
      type: 'call',
      callee,
      args: this.parseArguments(leading),
      pos: name.pos,
    });
    return call;
  }

  private parseArguments(leading: Node[]): Node[] {
    const args = [...leading];
    this.expect('Bracket', '(');
    while (!this.is('Bracket', ')')) {
      if (args.length > leading.length) {
        this.expect('Operator', ',');
        if (this.is('Bracket', ')')) break;
      }
      args.push(this.parseExpression(0));
    }
    this.expect('Bracket', ')');
    return args;
  }

  private parsePredicate(): PredicateNode {
    const start = this.current;
    const braces = this.is('Bracket', '{');
    if (braces) this.next();
    this.predicateDepth += 1;
    let body: Node;
    try {
      if (braces) {
        body = this.parseSequence();
      } else {
        body = this.parseExpression(0);
        if (this.is('Operator', ';')) {
          throw this.error(
            'wrap predicate with brackets { and }',
            this.current.pos,
          );
        }
      }
    } finally {
      this.predicateDepth -= 1;
    }
    if (braces) this.expect('Bracket', '}');
    return this.node({ type: 'predicate', body, pos: start.pos });
  }

  private parsePostfix(start: Node): Node {
    let node = start;
    let chained = false;
    for (;;) {
      const token = this.current;
      if (this.is('Operator', '.') || this.is('Operator', '?.')) {
        const optional = token.value === '?.';
        this.next();
        if (optional && this.is('Bracket', '[')) {
          chained = true;
          node = this.parseIndex(node, true);
          continue;
        }
        const property = this.next();
        const isName =
          property.kind === 'Identifier' ||
          (property.kind === 'Operator' &&
            [...property.value].every(isIdentifierChar));
        if (!isName) {
          throw this.error('expected name', property.pos);
        }
        chained = chained || optional;
        const member: MemberNode = this.node({
          type: 'member',
          object: node,
          property: this.node({
            type: 'string',
            value: property.value,
            pos: property.pos,
          }),
          optional,
          computed: false,
          pos: property.pos,
        });
        if (this.is('Bracket', '(')) {
          node = this.node({
            type: 'call',
            callee: member,
            args: this.parseArguments([]),
            pos: property.pos,
          });
        } else {
          node = member;
        }
      } else if (this.is('Bracket', '[')) {
        node = this.parseIndex(node, false);
      } else {
        break;
      }
    }
    return chained ? this.node({ type: 'chain', node, pos: start.pos }) : node;
  }

  /** `[i]`, `[from:to]` and their optional forms; the current token is `[`. */
  private parseIndex(object: Node, optional: boolean): Node {
    const open = this.expect('Bracket', '[');
    if (this.is('Operator', ':')) {
      this.next();
      const to = this.is('Bracket', ']') ? undefined : this.parseExpression(0);
      this.expect('Bracket', ']');
      return this.node({ type: 'slice', object, to, pos: open.pos });
    }
    const from = this.parseExpression(0);
    if (this.is('Operator', ':')) {
      this.next();
      const to = this.is('Bracket', ']') ? undefined : this.parseExpression(0);
      this.expect('Bracket', ']');
      return this.node({ type: 'slice', object, from, to, pos: open.pos });
    }
    this.expect('Bracket', ']');
    return this.node({
      type: 'member',
      object,
      property: from,
      optional,
      computed: true,
      pos: open.pos,
    });
  }
}

/** Parses an expr-lang expression into a syntax tree; throws an {@link ExpressionError} on a syntax error. */
export function parse(source: string): Node {
  return new Parser(source, tokenize(source)).parseProgram();
}
