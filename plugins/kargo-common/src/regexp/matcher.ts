import { isWordChar } from './classes';
import { GoRegexpError } from './errors';
import type { AssertKind } from './parser';
import type { CharInstruction, Instruction } from './program';

/*
 * Unanchored search (Go's `MatchString`) by a Thompson NFA whose state sets are cached as the states of a lazily
 * built DFA, as RE2 does: each input character costs one table lookup once its transition is known, and at most
 * one pass over the program when it is not, so matching stays linear in the input for every pattern.
 *
 * Assertions (^ $ \b \B) depend on the characters either side of a position. A transition therefore consumes a
 * character and looks ahead at the class of the next one (end of text, newline, word character, other); programs
 * without assertions ignore the look-ahead.
 */

const NONE = 0;
const NEWLINE = 1;
const WORD_CHAR = 2;
const OTHER = 3;

const ASCII = 128;

const ASCII_CLASSES = Uint8Array.from({ length: ASCII }, (_, c) => {
  if (c === 0x0a) return NEWLINE;
  return isWordChar(c) ? WORD_CHAR : OTHER;
});

/** What an assertion needs to know of the character on one side of a position. */
function classOf(c: number): number {
  return c < ASCII ? ASCII_CLASSES[c] : OTHER;
}

function assertHolds(kind: AssertKind, before: number, after: number) {
  switch (kind) {
    case 'bot':
      return before === NONE;
    case 'eot':
      return after === NONE;
    case 'bol':
      return before === NONE || before === NEWLINE;
    case 'eol':
      return after === NONE || after === NEWLINE;
    case 'word':
      return (before === WORD_CHAR) !== (after === WORD_CHAR);
    default:
      return (before === WORD_CHAR) === (after === WORD_CHAR);
  }
}

/** Thread steps one match may take before it is abandoned. */
const MAX_MATCH_STEPS = 20_000_000;
/** DFA states cached per pattern; past this, new states are computed for each use (still linear). */
const MAX_STATES = 256;
/** Transitions on non-ASCII characters cached per state. */
const MAX_WIDE_TRANSITIONS = 256;

/** A set of NFA threads, each waiting at a character instruction. */
interface State {
  readonly pcs: Uint16Array;
  /** Transitions on ASCII characters, indexed by `c * lookaheads + lookahead`; absent on uncached states. */
  readonly ascii: Array<State | undefined> | undefined;
  wide: Map<number, State> | undefined;
}

/** The state every match reaches once the program has matched: the search stops there. */
const MATCHED: State = {
  pcs: new Uint16Array(0),
  ascii: undefined,
  wide: undefined,
};

export class Matcher {
  private readonly chars: ReadonlyArray<CharInstruction | undefined>;
  private readonly usesContext: boolean;
  private readonly lookaheads: number;
  /** Whether no match can start after position 0 (the program begins with `^` or `\A`). */
  private readonly anchoredStart: boolean;
  private readonly states = new Map<string, State>();
  private readonly initial: Array<State | undefined> = [];
  private readonly marks: Int32Array;
  private generation = 0;
  private steps = 0;

  constructor(private readonly program: readonly Instruction[]) {
    this.chars = program.map(i => (i.op === 'char' ? i : undefined));
    this.usesContext = program.some(i => i.op === 'assert');
    this.lookaheads = this.usesContext ? 4 : 1;
    const entry = program[0];
    this.anchoredStart = entry.op === 'assert' && entry.kind === 'bot';
    this.marks = new Int32Array(program.length);
  }

  test(text: string): boolean {
    this.steps = 0;
    const n = text.length;
    const first = n > 0 ? classOf(text.codePointAt(0)!) : NONE;
    let state = this.initial[first];
    if (!state) {
      state = this.closure([0], NONE, first);
      this.initial[first] = state;
    }
    for (let i = 0; i < n; ) {
      if (state === MATCHED) return true;
      if (this.anchoredStart && state.pcs.length === 0) return false;
      const c = text.codePointAt(i)!;
      i += c > 0xffff ? 2 : 1;
      let after = NONE;
      if (this.usesContext && i < n) after = classOf(text.codePointAt(i)!);
      state = this.next(state, c, after);
    }
    return state === MATCHED;
  }

  private next(state: State, c: number, after: number): State {
    this.steps += 1;
    if (c < ASCII && state.ascii) {
      const index = c * this.lookaheads + after;
      const known = state.ascii[index];
      if (known) return known;
      const computed = this.step(state, c, after);
      if (computed.ascii || computed === MATCHED) state.ascii[index] = computed;
      return computed;
    }
    const key = c * 4 + after;
    const known = state.wide?.get(key);
    if (known) return known;
    const computed = this.step(state, c, after);
    if (state.ascii && (computed.ascii || computed === MATCHED)) {
      state.wide ??= new Map();
      if (state.wide.size < MAX_WIDE_TRANSITIONS) state.wide.set(key, computed);
    }
    return computed;
  }

  /** Advances every thread of `state` over `c`, and starts a new thread (the search is unanchored). */
  private step(state: State, c: number, after: number): State {
    const seeds: number[] = [];
    const pcs = state.pcs;
    for (let i = 0; i < pcs.length; i++) {
      const instruction = this.chars[pcs[i]]!;
      this.steps += 1;
      if (instruction.match(c)) seeds.push(instruction.next);
    }
    seeds.push(0);
    return this.closure(seeds, this.usesContext ? classOf(c) : NONE, after);
  }

  /** Follows empty transitions from `seeds` at a position between characters of classes `before` and `after`. */
  private closure(seeds: number[], before: number, after: number): State {
    this.generation += 1;
    const marks = this.marks;
    const generation = this.generation;
    const pcs: number[] = [];
    const stack = seeds.reverse();
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (marks[pc] === generation) continue;
      marks[pc] = generation;
      this.steps += 1;
      const instruction = this.program[pc];
      switch (instruction.op) {
        case 'match':
          return MATCHED;
        case 'jmp':
          stack.push(instruction.x);
          break;
        case 'split':
          stack.push(instruction.y, instruction.x);
          break;
        case 'assert':
          if (assertHolds(instruction.kind, before, after)) {
            stack.push(instruction.next);
          }
          break;
        default:
          pcs.push(pc);
      }
    }
    if (this.steps > MAX_MATCH_STEPS) {
      throw new GoRegexpError('regular expression match is too expensive');
    }
    // Programs have fewer than 65,536 instructions: the sorted set, one code unit per thread, is its key.
    const sorted = Uint16Array.from(pcs).sort();
    const key = String.fromCharCode(...sorted);
    const known = this.states.get(key);
    if (known) return known;
    if (this.states.size >= MAX_STATES) {
      return { pcs: sorted, ascii: undefined, wide: undefined };
    }
    const state: State = {
      pcs: sorted,
      ascii: new Array(ASCII * this.lookaheads),
      wide: undefined,
    };
    this.states.set(key, state);
    return state;
  }
}
