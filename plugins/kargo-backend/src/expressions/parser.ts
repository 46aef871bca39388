import {
  CallNode,
  depthOf,
  IdentifierNode,
  MemberNode,
  Node,
  PredicateNode,
} from './ast';
import { ExpressionError } from './errors';
import { isIdentifierChar, Token, tokenize } from './lexer';
import {
  BINARY,
  COMPARISONS,
  NEGATABLE,
  PREDICATE_BUILTINS,
  UNARY,
} from './operators';
import { MAX_DEPTH, MAX_NESTING, ParserBase } from './parserBase';

export { MAX_DEPTH, MAX_NESTING, MAX_NODES } from './parserBase';
export { PREDICATE_BUILTINS } from './operators';

class Parser extends ParserBase {
  private nesting = 0;
  private predicateDepth = 0;

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

  protected parseExpression(minPrecedence: number): Node {
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
