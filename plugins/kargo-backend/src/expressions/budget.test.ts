import { EvaluationBudget } from './budget';
import { ExpressionError } from './errors';
import {
  evaluateConfig,
  evaluateExpression,
  evaluateTemplate,
} from './templates';

const env = { values: {} };

function errorOf(f: () => unknown): ExpressionError {
  try {
    f();
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error('expected an ExpressionError');
}

describe('the cost of an evaluation', () => {
  it('renders a template of 80,000 expressions in linear time', () => {
    const started = Date.now();
    const result = evaluateTemplate(`x${'${{1}}'.repeat(80_000)}`, env);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toBe(`x${'1'.repeat(80_000)}`);
  });

  it('refuses a range that would not fit the memory budget before building it, without a stack overflow', () => {
    const error = errorOf(() => evaluateExpression('max(1..10000000)', env));
    expect(error.reason).toMatch(/^memory budget exceeded/);
  });

  it.each([
    ['max(1..1000000)', 1_000_000],
    ['len(concat(1..900000, [1]))', 900_001],
    ['len(flatten([1..900000, [1]]))', 900_001],
  ])(
    '%s works on long arrays without overflowing the stack',
    (source, expected) => {
      expect(evaluateExpression(source, env)).toBe(expected);
    },
  );

  it('spends one budget across a whole step config, and names the field that exhausted it', () => {
    // Each field costs about 200,000 steps: under the budget alone, over it together.
    const field = '${{ len(filter(1..100000, # > 0)) }}';
    expect(evaluateConfig({ one: field }, env)).toEqual({ one: 100_000 });
    const error = errorOf(() =>
      evaluateConfig({ steps: Array(8).fill({ value: field }) }, env),
    );
    expect(error.reason).toMatch(/^expression is too expensive to evaluate/);
    expect(error.message).toMatch(
      /^steps\[\d\]\.value: expression is too expensive/,
    );
  });

  it('shares a budget given to several evaluations', () => {
    const budget = new EvaluationBudget({ maxSteps: 2_000 });
    const source = 'len(filter(1..100, # > 0))';
    for (let i = 0; i < 4; i++) evaluateExpression(source, env, { budget });
    expect(() => {
      for (let i = 0; i < 10; i++) evaluateExpression(source, env, { budget });
    }).toThrow('more than 2000 steps');
  });

  it('stops an evaluation that runs past its time', () => {
    const budget = new EvaluationBudget({ maxMillis: 0 });
    const error = errorOf(() =>
      evaluateExpression('len(filter(1..500000, # % 7 == 0))', env, {
        budget,
      }),
    );
    expect(error.reason).toBe(
      'expression took too long to evaluate (more than 0 ms)',
    );
  });

  it('names the field of a config whose expression fails', () => {
    const error = errorOf(() =>
      evaluateConfig({ a: { b: ['fine', '${{ nope( }}'] } }, env),
    );
    expect(error.field).toBe('a.b[1]');
    expect(error.message).toMatch(/^a\.b\[1\]: /);
  });

  it('evaluates a config nested deeper than the call stack could walk, or refuses it by its depth', () => {
    let config: unknown = '${{ 1 }}';
    for (let i = 0; i < 100_000; i++) config = [config];
    expect(errorOf(() => evaluateConfig(config, env)).reason).toMatch(
      /config is nested too deeply$/,
    );
  });
});
