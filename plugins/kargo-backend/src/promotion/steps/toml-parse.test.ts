import { createMockDirectory } from '@backstage/backend-test-utils';
import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { evaluateExpression } from '../../expressions';
import { createTomlParseStep } from './toml-parse';

// Cases follow Kargo's toml_parser_test.go.
describe('toml-parse', () => {
  const step = createTomlParseStep({ evaluateExpression });
  const mockDir = createMockDirectory();
  const run = (
    file: string,
    outputs: { name: string; fromExpression: string }[],
  ) => {
    mockDir.setContent({ 'config.toml': file });
    return step.run(
      createStepContext({ workDir: mockDir.path }),
      step.parseConfig({ path: 'config.toml', outputs }),
    );
  };

  beforeEach(() => mockDir.clear());

  it.each([
    [
      { outputs: [{ name: 'a', fromExpression: 'b' }] },
      '(root): path is required',
    ],
    [{ path: 'c.toml' }, '(root): outputs is required'],
    [
      { path: 'c.toml', outputs: [] },
      'outputs: Array must have at least 1 items',
    ],
    [
      { path: 'c.toml', outputs: [{ name: 'a' }] },
      'outputs.0: fromExpression is required',
    ],
    [
      { path: 'c.toml', outputs: [{ name: 'a', fromExpression: 'b', x: 1 }] },
      'outputs.0: Additional property x is not allowed',
    ],
  ])('refuses config %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(
      new TerminalStepError(`invalid toml-parse config: ${problem}`),
    );
  });

  it('sets each output from an expression over the document', async () => {
    const result = await run(
      [
        '[package]',
        'name = "demo"',
        'version = "1.2.3"',
        'keywords = ["a", "b"]',
        '',
        '[dependencies]',
        'serde = { version = "1.0", features = ["derive"] }',
        '',
        '[[bin]]',
        'name = "first"',
        '[[bin]]',
        'name = "second"',
        '',
        '[dates]',
        'at = 1979-05-27 07:32:00Z',
        'day = 1979-05-27',
        'count = 3',
        'ratio = 0.5',
      ].join('\n'),
      [
        { name: 'version', fromExpression: 'package.version' },
        { name: 'serde', fromExpression: 'dependencies.serde.version' },
        { name: 'features', fromExpression: 'dependencies.serde.features' },
        { name: 'bins', fromExpression: 'len(bin)' },
        { name: 'second', fromExpression: 'bin[1].name' },
        { name: 'at', fromExpression: 'dates.at' },
        { name: 'day', fromExpression: 'dates.day' },
        { name: 'sum', fromExpression: 'dates.count + dates.ratio' },
      ],
    );
    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        version: '1.2.3',
        serde: '1.0',
        features: ['derive'],
        bins: 2,
        second: 'second',
        at: '1979-05-27T07:32:00Z',
        day: '1979-05-27',
        sum: 3.5,
      },
    });
  });

  it('names an empty file, invalid TOML and a failing expression', async () => {
    await expect(run('', [{ name: 'a', fromExpression: 'a' }])).rejects.toThrow(
      'could not parse empty TOML file: "config.toml"',
    );
    await expect(
      run('a = = 1', [{ name: 'a', fromExpression: 'a' }]),
    ).rejects.toThrow(/^could not parse TOML file: toml: line 1 column \d+: /);
    await expect(
      run('a = 1', [{ name: 'a', fromExpression: 'a.b.(' }]),
    ).rejects.toThrow(
      /^failed to extract outputs: error evaluating expression "a.b.\(": /,
    );
  });
});
