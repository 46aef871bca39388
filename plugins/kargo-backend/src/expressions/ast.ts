/**
 * The syntax tree of an expr-lang expression. Every node records `pos`, the offset in the source of the token that
 * produced it, for error messages.
 */
export type Node =
  | NilNode
  | BoolNode
  | IntNode
  | FloatNode
  | StringNode
  | ArrayNode
  | MapNode
  | IdentifierNode
  | PointerNode
  | MemberNode
  | SliceNode
  | ChainNode
  | CallNode
  | BuiltinNode
  | PredicateNode
  | UnaryNode
  | BinaryNode
  | ConditionalNode
  | LetNode
  | SequenceNode;

interface Base {
  pos: number;
}

export interface NilNode extends Base {
  type: 'nil';
}
export interface BoolNode extends Base {
  type: 'bool';
  value: boolean;
}
export interface IntNode extends Base {
  type: 'int';
  value: number;
}
export interface FloatNode extends Base {
  type: 'float';
  value: number;
}
export interface StringNode extends Base {
  type: 'string';
  value: string;
}
export interface ArrayNode extends Base {
  type: 'array';
  items: Node[];
}
export interface MapNode extends Base {
  type: 'map';
  entries: Array<{ key: Node; value: Node }>;
}
export interface IdentifierNode extends Base {
  type: 'identifier';
  name: string;
}
/** `#`, `#index`, `#acc` or the implicit element of `.Field` inside a predicate. */
export interface PointerNode extends Base {
  type: 'pointer';
  name: string;
}
/** `a.b`, `a?.b`, `a[b]`, `a?.[b]`; `computed` is false for the dot forms. */
export interface MemberNode extends Base {
  type: 'member';
  object: Node;
  property: Node;
  optional: boolean;
  computed: boolean;
}
export interface SliceNode extends Base {
  type: 'slice';
  object: Node;
  from?: Node;
  to?: Node;
}
/** Wraps a postfix chain that contains `?.`: a nil before `?.` makes the whole chain nil. */
export interface ChainNode extends Base {
  type: 'chain';
  node: Node;
}
/** A call of a function by name, or of a method when `callee` is a member. */
export interface CallNode extends Base {
  type: 'call';
  callee: IdentifierNode | MemberNode;
  args: Node[];
}
/** A call of one of expr-lang's predicate builtins (`filter`, `map`, `all`, ...). */
export interface BuiltinNode extends Base {
  type: 'builtin';
  name: string;
  args: Node[];
}
export interface PredicateNode extends Base {
  type: 'predicate';
  body: Node;
}
export interface UnaryNode extends Base {
  type: 'unary';
  operator: string;
  operand: Node;
}
export interface BinaryNode extends Base {
  type: 'binary';
  operator: string;
  left: Node;
  right: Node;
}
export interface ConditionalNode extends Base {
  type: 'conditional';
  test: Node;
  consequent: Node;
  alternate: Node;
}
export interface LetNode extends Base {
  type: 'let';
  name: string;
  value: Node;
  body: Node;
}
export interface SequenceNode extends Base {
  type: 'sequence';
  nodes: Node[];
}

/** The direct sub-expressions of a node, in source order. */
export function childrenOf(node: Node): Node[] {
  switch (node.type) {
    case 'array':
      return node.items;
    case 'map':
      return node.entries.flatMap(entry => [entry.key, entry.value]);
    case 'member':
      return [node.object, node.property];
    case 'slice':
      return [node.object, node.from, node.to].filter(
        (child): child is Node => child !== undefined,
      );
    case 'chain':
      return [node.node];
    case 'call':
      return [node.callee, ...node.args];
    case 'builtin':
      return node.args;
    case 'predicate':
      return [node.body];
    case 'unary':
      return [node.operand];
    case 'binary':
      return [node.left, node.right];
    case 'conditional':
      return [node.test, node.consequent, node.alternate];
    case 'let':
      return [node.value, node.body];
    case 'sequence':
      return node.nodes;
    default:
      return [];
  }
}

/** The depth of a tree (a leaf has depth 1), computed without recursion. */
export function depthOf(root: Node): number {
  let deepest = 0;
  const stack: Array<[Node, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    for (const child of childrenOf(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
