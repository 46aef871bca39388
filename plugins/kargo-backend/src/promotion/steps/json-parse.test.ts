import { createMockDirectory } from '@backstage/backend-test-utils';
import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { evaluateExpression } from '../../expressions';
import { createJsonParseStep } from './json-parse';

// Cases follow Kargo's Test_jsonParser_* (pkg/promotion/runner/builtin/json_parser_test.go).
describe('json-parse', () => {
  const step = createJsonParseStep({ evaluateExpression });
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.path });
  const run = (
    file: string,
    outputs: { name: string; fromExpression: string }[],
  ) => {
    mockDir.setContent({ 'config.json': file });
    return step.run(context(), { path: 'config.json', outputs });
  };

  beforeEach(() => mockDir.clear());

  it('validates config as Kargo’s schema does', () => {
    expect(() => step.parseConfig({ path: 'c.json' })).toThrow(
      '(root): outputs is required',
    );
    expect(() =>
      step.parseConfig({
        path: 'c.json',
        outputs: [{ name: 'a', fromExpression: 'a', extra: 1 }],
      }),
    ).toThrow('outputs.0: Additional property extra is not allowed');
    expect(() => step.parseConfig({ outputs: [] })).toThrow(TerminalStepError);
  });

  it('extracts outputs with expressions over the document', async () => {
    await expect(
      run(
        '{"app": {"version": "1.0.0"}, "features": {"newFeature": false}, "n": 8080}',
        [
          { name: 'appVersion', fromExpression: 'app.version' },
          { name: 'featureStatus', fromExpression: 'features.newFeature' },
          { name: 'next', fromExpression: 'n + 1' },
        ],
      ),
    ).resolves.toEqual({
      status: 'Succeeded',
      output: { appVersion: '1.0.0', featureStatus: false, next: 8081 },
    });
  });

  it('reads a list document through $env', async () => {
    await expect(
      run('["first", "second", "third"]', [
        { name: 'first', fromExpression: '$env[0]' },
        { name: 'count', fromExpression: 'len($env)' },
      ]),
    ).resolves.toEqual({
      status: 'Succeeded',
      output: { first: 'first', count: 3 },
    });
  });

  it.each([
    ['', 'could not parse JSON file'],
    ['{"a": 1,}', 'could not parse JSON file'],
  ])('refuses %j', async (file, message) => {
    await expect(
      run(file, [{ name: 'a', fromExpression: 'a' }]),
    ).rejects.toThrow(message);
  });

  it('errors on a missing file and on an expression that fails', async () => {
    await expect(
      step.run(context(), {
        path: 'missing.json',
        outputs: [{ name: 'a', fromExpression: 'a' }],
      }),
    ).rejects.toThrow(
      'error reading JSON file "missing.json": ENOENT: no such file or directory',
    );
    await expect(
      run('{"a": null}', [{ name: 'x', fromExpression: 'a.b' }]),
    ).rejects.toThrow(
      'failed to extract outputs: error evaluating expression "a.b"',
    );
  });

  it('requires outputs also when called without a checked config', async () => {
    await expect(run('{}', [])).rejects.toThrow(
      'invalid json-parse config: outputs is required',
    );
  });
});
