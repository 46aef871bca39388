import type { Predicate } from './classes';
import { tooLarge } from './errors';
import type { AssertKind, Re } from './parser';

/*
 * A parsed expression compiled into a program for a Thompson NFA (Russ Cox, "Regular Expression Matching Can Be
 * Simple And Fast"): one instruction per character test, alternation as `split`, repetition as loops.
 */

export type CharInstruction = { op: 'char'; match: Predicate; next: number };
type SplitInstruction = { op: 'split'; x: number; y: number };
type JumpInstruction = { op: 'jmp'; x: number };

export type Instruction =
  | CharInstruction
  | SplitInstruction
  | JumpInstruction
  | { op: 'assert'; kind: AssertKind; next: number }
  | { op: 'match' };

const MAX_PROGRAM = 20_000;

class Compiler {
  readonly program: Instruction[] = [];

  private emit<I extends Instruction>(instruction: I): I {
    if (this.program.length >= MAX_PROGRAM) tooLarge();
    this.program.push(instruction);
    return instruction;
  }

  /** A split whose targets are patched once they are known. */
  private split(): SplitInstruction {
    return this.emit<SplitInstruction>({ op: 'split', x: 0, y: 0 });
  }

  private get pc(): number {
    return this.program.length;
  }

  /** Appends code for `re`, continuing at the instruction that follows it. */
  compile(re: Re): void {
    switch (re.t) {
      case 'empty':
        return;
      case 'char':
        this.emit({ op: 'char', match: re.match, next: this.pc + 1 });
        return;
      case 'assert':
        this.emit({ op: 'assert', kind: re.kind, next: this.pc + 1 });
        return;
      case 'cat':
        re.items.forEach(item => this.compile(item));
        return;
      case 'alt': {
        const jumps: JumpInstruction[] = [];
        re.items.forEach((item, i) => {
          if (i < re.items.length - 1) {
            const split = this.split();
            split.x = this.pc;
            this.compile(item);
            jumps.push(this.emit<JumpInstruction>({ op: 'jmp', x: 0 }));
            split.y = this.pc;
          } else {
            this.compile(item);
          }
        });
        for (const jump of jumps) jump.x = this.pc;
        return;
      }
      default:
        this.compileRepeat(re.item, re.min, re.max);
    }
  }

  private compileRepeat(item: Re, min: number, max: number): void {
    for (let i = 0; i < min; i++) this.compile(item);
    if (max < 0) {
      // x*: L: split body, out; body; jmp L
      const loop = this.pc;
      const split = this.split();
      split.x = this.pc;
      this.compile(item);
      this.emit({ op: 'jmp', x: loop });
      split.y = this.pc;
      return;
    }
    const splits: SplitInstruction[] = [];
    for (let i = min; i < max; i++) {
      const split = this.split();
      split.x = this.pc;
      splits.push(split);
      this.compile(item);
    }
    for (const split of splits) split.y = this.pc;
  }
}

/** Compiles `re` into a program whose first instruction is the entry and whose last is `match`. */
export function compileProgram(re: Re): Instruction[] {
  const compiler = new Compiler();
  compiler.compile(re);
  compiler.program.push({ op: 'match' });
  return compiler.program;
}
