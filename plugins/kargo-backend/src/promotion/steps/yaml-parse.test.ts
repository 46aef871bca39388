import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  isTerminalStepError,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { evaluateExpression } from '../../expressions';
import { createYamlParseStep, readYamlData } from './yaml-parse';

// Cases follow Kargo's Test_yamlParser_* (pkg/promotion/runner/builtin/yaml_parser_test.go).
describe('yaml-parse', () => {
  const step = createYamlParseStep({ evaluateExpression });
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.path });
  const run = (
    file: string,
    outputs: { name: string; fromExpression: string }[],
  ) => {
    mockDir.setContent({ 'config.yaml': file });
    return step.run(context(), { path: 'config.yaml', outputs });
  };

  beforeEach(() => mockDir.clear());

  describe('config', () => {
    const output = { name: 'output1', fromExpression: '$.data' };
    it.each([
      [{ outputs: [output] }, '(root): path is required'],
      [
        { path: '', outputs: [output] },
        'path: String length must be greater than or equal to 1',
      ],
      [{ path: 'valid.yaml' }, '(root): outputs is required'],
      [
        { path: 'valid.yaml', outputs: [] },
        'outputs: Array must have at least 1 items',
      ],
      [
        { path: 'valid.yaml', outputs: [{ fromExpression: '$.data' }] },
        'outputs.0: name is required',
      ],
      [
        {
          path: 'valid.yaml',
          outputs: [{ name: '', fromExpression: '$.data' }],
        },
        'name: String length must be greater than or equal to 1',
      ],
      [
        { path: 'valid.yaml', outputs: [{ name: 'output1' }] },
        'outputs.0: fromExpression is required',
      ],
      [
        {
          path: 'valid.yaml',
          outputs: [{ name: 'output1', fromExpression: '' }],
        },
        'fromExpression: String length must be greater than or equal to 1',
      ],
    ])('refuses %j', (config, problem) => {
      expect(() => step.parseConfig(config)).toThrow(TerminalStepError);
      expect(() => step.parseConfig(config)).toThrow(problem);
    });

    it('accepts path and outputs', () => {
      const config = { path: 'valid.yaml', outputs: [output] };
      expect(step.parseConfig(config)).toEqual(config);
    });
  });

  it('extracts outputs with expressions over the document', async () => {
    await expect(
      run(
        '\napp:\n  version: "2.0.1"\nfeatures:\n  enabled: true\nconfig:\n  threshold: 10.0\n',
        [
          { name: 'appVersion', fromExpression: 'app.version' },
          { name: 'isEnabled', fromExpression: 'features.enabled' },
          { name: 'threshold', fromExpression: 'config.threshold' },
        ],
      ),
    ).resolves.toEqual({
      status: 'Succeeded',
      output: { appVersion: '2.0.1', isEnabled: true, threshold: 10 },
    });
  });

  it('reads a list document through $env', async () => {
    await expect(
      run('- name: item1\n  value: 10\n- name: item2\n  value: 20\n', [
        { name: 'second', fromExpression: '$env[1].name' },
        { name: 'count', fromExpression: 'len($env)' },
      ]),
    ).resolves.toEqual({
      status: 'Succeeded',
      output: { second: 'item2', count: 2 },
    });
  });

  it('gives nil for a missing key, and objects and lists as they are', async () => {
    const result = await run('nested:\n  key: value\narray: [1, 2, 3]\n', [
      { name: 'missing', fromExpression: 'missingKey' },
      { name: 'nested', fromExpression: 'nested' },
      { name: 'array', fromExpression: 'array' },
    ]);
    expect(result.output).toEqual({
      missing: null,
      nested: { key: 'value' },
      array: [1, 2, 3],
    });
  });

  it.each([
    [
      'app:\n  version: "1.0.0"\n',
      'nonexistent.path',
      'failed to extract outputs: error evaluating expression "nonexistent.path"',
    ],
    ['a: 1\n', '(1 + 2', 'failed to extract outputs'],
  ])('errors on %j with %s', async (file, expression, message) => {
    const error = await run(file, [
      { name: 'x', fromExpression: expression },
    ]).catch(e => e);
    expect(error.message).toContain(message);
    expect(isTerminalStepError(error)).toBe(false);
  });

  it('errors on an empty or missing file and on invalid YAML', async () => {
    await expect(
      run('', [{ name: 'k', fromExpression: 'app.key' }]),
    ).rejects.toThrow('could not parse empty YAML file: "config.yaml"');
    await expect(
      step.run(context(), {
        path: 'config',
        outputs: [{ name: 'k', fromExpression: 'a' }],
      }),
    ).rejects.toThrow('no such file or directory');
    await expect(
      run('key: : value\n  num: 42', [{ name: 'k', fromExpression: 'key' }]),
    ).rejects.toThrow('could not parse YAML file');
  });

  it('requires outputs also when called without a checked config', async () => {
    await expect(run('a: 1\n', [])).rejects.toThrow(
      'invalid yaml-parse config: outputs is required',
    );
  });

  it('refuses a path outside the work directory', async () => {
    await expect(
      step.run(context(), {
        path: '../x.yaml',
        outputs: [{ name: 'k', fromExpression: 'a' }],
      }),
    ).rejects.toThrow(TerminalStepError);
  });
});

describe('readYamlData (Kargo Test_yamlParser_readAndParseYAML)', () => {
  it.each<[string, unknown]>([
    [
      '\nkey: value\nnum: 42\nflag: true\n',
      { key: 'value', num: 42, flag: true },
    ],
    ['\n- item1\n- item2\n- item3\n', ['item1', 'item2', 'item3']],
    [
      '\napp:\n  name: test-app\n  version: 1.2.3\n  config:\n    debug: false\n    port: 8080\nitems:\n  - name: first\n    value: 100\n',
      {
        app: {
          name: 'test-app',
          version: '1.2.3',
          config: { debug: false, port: 8080 },
        },
        items: [{ name: 'first', value: 100 }],
      },
    ],
    ['simple string value\n', 'simple string value'],
  ])('reads %j', (text, expected) => {
    expect(readYamlData(text)).toEqual(expected);
  });

  it('reads scalars as YAML 1.1 does, leaving timestamps as strings and using only the first document', () => {
    expect(
      readYamlData(
        'a: yes\nb: off\nc: 2024-01-02\nd: 0777\ne: "yes"\n<<: {f: 1}\n---\nignored: true\n',
      ),
    ).toEqual({ a: true, b: false, c: '2024-01-02', d: 511, e: 'yes', f: 1 });
  });

  it('refuses alias bombs', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    ].join('\n');
    expect(() => readYamlData(bomb)).toThrow('could not parse YAML file');
  });
});
