import { ExpressionError } from './errors';
import {
  secretFunctions,
  statusFunctions,
  utilityFunctions,
} from './functions';
import {
  evaluateCondition,
  evaluateConfig,
  evaluateExpression,
  evaluateJSONTemplate,
  evaluateTemplate,
  ExpressionEnv,
} from './templates';

const env: ExpressionEnv = {
  values: {
    str: 'hello',
    num: 42,
    float: 3.14,
    flag: true,
    obj: { a: 1, list: ['x'] },
    list: [1, 2],
    numText: '42',
    boolText: 'true',
    quoted: '"quoted"',
    nothing: null,
  },
  functions: {},
};

/**
 * Kargo's typing of template results (pkg/expressions/json_templates.go, EvaluateTemplate): strings without
 * delimiters are untouched; otherwise the joined text is read as a float64, a bool, JSON, or kept as a string.
 */
describe('evaluateTemplate', () => {
  it.each<[string, unknown]>([
    ['plain text', 'plain text'],
    ['42', '42'],
    ['true', 'true'],
    ['null', 'null'],
    ['{{ not an expression }}', '{{ not an expression }}'],
    ['${{ str }}', 'hello'],
    ['${{ num }}', 42],
    ['${{ float }}', 3.14],
    ['${{ flag }}', true],
    ['${{ obj }}', { a: 1, list: ['x'] }],
    ['${{ list }}', [1, 2]],
    ['${{ nothing }}', null],
    ['${{ numText }}', 42],
    ['${{ boolText }}', true],
    ['${{ "0" }}', 0],
    ['${{ "1" }}', 1],
    ['${{ "t" }}', true],
    ['${{ "F" }}', false],
    ['${{ "TRUE" }}', true],
    ['${{ "tRuE" }}', 'tRuE'],
    ['${{ "1e3" }}', 1000],
    ['${{ "0x1p4" }}', 16],
    ['${{ "1e400" }}', '1e400'],
    ['${{ "[1, 2]" }}', [1, 2]],
    ['${{ "null" }}', null],
    ['${{ quoted }}', 'quoted'],
    ['${{ "\\"" }}', '"'],
    ['${{ quote(num) }}', '42'],
    ['${{ quote(flag) }}', 'true'],
    ['${{ quote(nil) }}', 'null'],
    ['${{ quote(str) }}', 'hello'],
    ['${{ quote(obj) }}', '{"a":1,"list":["x"]}'],
    ['${{ quote("a\\nb") }}', 'a\\nb'],
    ['${{ quote("say \\"hi\\"") }}', 'say \\"hi\\"'],
    ['${{ unsafeQuote(str) }}', '"hello"'],
    ['${{ unsafeQuote(num) }}', '42'],
    ['${{ asJSON(list) }}', '[\n  1,\n  2\n]\n'],
    ['${{ asYAML(obj) }}', 'a: 1\nlist:\n    - x\n'],
    ['prefix-${{ str }}', 'prefix-hello'],
    ['${{ num }}${{ num }}', 4242],
    ['${{ num }}.5', 42.5],
    ['[${{ num }}]', [42]],
    ['${{ str }}, ${{ num }}!', 'hello, 42!'],
    ['x ${{ quote(str) }}', 'x "hello"'],
    ['${{ str }}\n', 'hello\n'],
    ['${{ num }}\n', 42],
    ['${{ quote(num) }}\n', '42\n'],
    ['${{ str }}\n\n', 'hello\n\n'],
    ['${% {"a": {"b": 1}} %}', { a: { b: 1 } }],
    ['${% "}}" %}', '}}'],
    ['${{ "%}" }}', '%}'],
    ['a ${% "b" %} ${{ "c" }}', 'a b c'],
    ['${{}}', ''],
    ['x${{}}y${{ num }}', 'xy${{ num }}'],
    ['${{ 1 + 1 }} apples', '2 apples'],
    ['${{ str | upper() }}', 'HELLO'],
  ])('%j', (template, expected) => {
    expect(evaluateTemplate(template, env)).toEqual(expected);
  });

  it('keeps NaN and infinities as numbers, as Go does', () => {
    expect(evaluateTemplate('${{ "NaN" }}', env)).toBeNaN();
    expect(evaluateTemplate('${{ "-Inf" }}', env)).toBe(-Infinity);
  });

  it.each([
    [
      '${{ str',
      'unclosed expression: expected "}}" but reached end of template',
    ],
    [
      '${% str }}',
      'unclosed expression: expected "%}" but reached end of template',
    ],
    ["${{ '{{.domain}}' }}", 'literal not terminated'],
    ['${{ 1 + }}', 'unexpected token EOF'],
    ['${{ nothing.field }}', 'cannot fetch field from <nil>'],
    ['${{ toJSON(1) + 1 }}', 'mismatched types'],
  ])('refuses %j', (template, message) => {
    expect(() => evaluateTemplate(template, env)).toThrow(message);
  });

  it('gives the quoting functions priority over the caller\u2019s', () => {
    expect(
      evaluateTemplate('${{ quote(1) }}', {
        values: {},
        functions: { quote: () => 'mine' },
      }),
    ).toBe('1');
  });

  it('does not offer the template functions to bare expressions (as Kargo)', () => {
    expect(() => evaluateExpression('quote(1)', env)).toThrow(
      'unknown func quote',
    );
  });
});

/** Kargo's StepEvaluator.ShouldSkip (pkg/promotion/evaluator_test.go, TestStepEvaluator_ShouldSkip). */
describe('evaluateCondition', () => {
  const conditionEnv = (
    steps: Parameters<typeof statusFunctions>[0] = [],
    values: Record<string, unknown> = {},
  ): ExpressionEnv => ({
    values,
    functions: { ...statusFunctions(steps), ...utilityFunctions() },
  });

  it.each<[string, boolean]>([
    ['${{ true }}', true],
    ['${{ false }}', false],
    ['${{ success() }}', true],
    ['${{ failure() }}', false],
    ['${{ always() }}', true],
    ["${{ vars.foo == 'bar' }}", true],
    ["${{ outputs.foo == 'bar' }}", false],
    ['${{ "true" }}', true],
    ['${{ 1 == 1 }} ', true],
  ])('%j', (condition, expected) => {
    expect(
      evaluateCondition(
        condition,
        conditionEnv([], { vars: { foo: 'bar' }, outputs: { foo: 'baz' } }),
      ),
    ).toBe(expected);
  });

  it('sees failures of earlier steps', () => {
    const failed = conditionEnv([{ alias: 'a', status: 'Failed' }]);
    expect(evaluateCondition('${{ success() }}', failed)).toBe(false);
    expect(evaluateCondition('${{ failure() }}', failed)).toBe(true);
    expect(evaluateCondition("${{ status('a') == 'Failed' }}", failed)).toBe(
      true,
    );
  });

  it.each<[string, string]>([
    ['invalid condition', 'expression must evaluate to a boolean, got string'],
    ['success()', 'write the condition inside ${{ }}'],
    ['true', 'expression must evaluate to a boolean, got string'],
    ['${{ 1 }}', 'expression must evaluate to a boolean, got float64'],
    ['${{ nil }}', 'expression must evaluate to a boolean, got <nil>'],
    ['${{ "yes" }}', 'expression must evaluate to a boolean, got string'],
    [
      '${{ [true] }}',
      'expression must evaluate to a boolean, got []interface {}',
    ],
  ])('refuses %j', (condition, message) => {
    expect(() => evaluateCondition(condition, conditionEnv())).toThrow(message);
  });
});

describe('evaluateConfig', () => {
  it('evaluates every string value, recursively, and never a key', () => {
    const config = {
      '${{ str }}': '${{ str }}',
      nested: { list: ['${{ num }}', { deep: '${{ flag }}' }], literal: 42 },
      untouched: [true, null, 1.5],
    };
    expect(evaluateConfig(config, env)).toEqual({
      '${{ str }}': 'hello',
      nested: { list: [42, { deep: true }], literal: 42 },
      untouched: [true, null, 1.5],
    });
    expect(config.nested.list[0]).toBe('${{ num }}');
  });

  it('gives {} for a missing config', () => {
    expect(evaluateConfig(undefined, env)).toEqual({});
    expect(evaluateConfig(null, env)).toEqual({});
  });

  it.each(['quote', 'asYAML', 'asJSON'])(
    'refuses %s as a variable name',
    key => {
      expect(() =>
        evaluateConfig(
          { a: '${{ 1 }}' },
          { values: { [key]: 1 }, functions: {} },
        ),
      ).toThrow(`"${key}" is a forbidden key in the environment map`);
    },
  );

  it('refuses results JSON cannot hold', () => {
    expect(() => evaluateConfig({ a: '${{ "NaN" }}' }, env)).toThrow(
      'json: unsupported value',
    );
  });

  it('keeps keys such as __proto__ as data', () => {
    const config = JSON.parse('{"__proto__": {"x": "${{ num }}"}}');
    const result = evaluateConfig(config, env) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual(
      {
        x: 42,
      },
    );
  });

  it('reads secrets through secret()', () => {
    const secretEnv = {
      values: {},
      functions: secretFunctions({ slack: { token: 's3cret' } }),
    };
    expect(
      evaluateConfig(
        { header: "Bearer ${{ secret('slack').token }}" },
        secretEnv,
      ),
    ).toEqual({ header: 'Bearer s3cret' });
  });
});

describe('evaluateJSONTemplate', () => {
  it.each(['{ "a": ${{ 1 }} }', '[1]', '"text"', ''])('refuses %j', json => {
    expect(() => evaluateJSONTemplate(json, env)).toThrow(
      'input is not valid JSON',
    );
  });

  it('evaluates an object', () => {
    expect(evaluateJSONTemplate('{"a": "${{ num }}"}', env)).toEqual({ a: 42 });
  });

  it('throws ExpressionError for template errors', () => {
    expect(() => evaluateJSONTemplate('{"a": "${{ ( }}"}', env)).toThrow(
      ExpressionError,
    );
  });
});
