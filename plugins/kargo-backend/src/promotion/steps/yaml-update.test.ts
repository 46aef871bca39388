import fs from 'node:fs';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  isTerminalStepError,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createYamlUpdateStep, yamlUpdateCommitMessage } from './yaml-update';

const vectors = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../../../../test-vectors/kargo/04-promotion-steps/yaml-update.json',
    ),
    'utf8',
  ),
);

type StepCase = { id: string; name: string; input: any; expected: any };
const stepCases: StepCase[] = vectors.stepCases;

describe('yaml-update', () => {
  const step = createYamlUpdateStep();
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.path });
  const read = (file: string) => fs.readFileSync(mockDir.resolve(file), 'utf8');

  beforeEach(() => mockDir.clear());

  describe('config (Kargo Test_yamlUpdater_convert vectors)', () => {
    const cases: { config: unknown; problems: string[] }[] =
      vectors.configValidation.cases;

    it.each(cases.filter(c => c.problems.length > 0))(
      'refuses $config',
      ({ config, problems }) => {
        expect(() => step.parseConfig(config)).toThrow(TerminalStepError);
        for (const problem of problems) {
          expect(() => step.parseConfig(config)).toThrow(problem);
        }
      },
    );

    it.each(cases.filter(c => c.problems.length === 0))(
      'accepts $config',
      ({ config }) => {
        expect(step.parseConfig(config)).toEqual(config);
      },
    );

    it('refuses unknown fields, naming them', () => {
      const config = {
        path: 'values.yaml',
        updates: [{ key: 'a', value: 1, valeu: 2 }],
        bogus: true,
      };
      expect(() => step.parseConfig(config)).toThrow(
        '(root): Additional property bogus is not allowed',
      );
      expect(() => step.parseConfig(config)).toThrow(
        'updates.0: Additional property valeu is not allowed',
      );
    });

    it('accepts a null value (present, like any JSON value)', () => {
      expect(
        step.parseConfig({
          path: 'v.yaml',
          updates: [{ key: 'a', value: null }],
        }),
      ).toEqual({ path: 'v.yaml', updates: [{ key: 'a', value: null }] });
    });
  });

  describe('run (Kargo Test_yamlUpdater_run and updateValuesFile vectors)', () => {
    const configOf = (c: StepCase) =>
      c.input.config ?? { path: 'values.yaml', updates: c.input.updates };

    it.each(stepCases.filter(c => !c.expected.errorContains))(
      '$id $name',
      async c => {
        mockDir.setContent(c.input.files);
        const result = await step.run(context(), configOf(c));
        expect(result.status).toBe('Succeeded');
        const exact = { ...c.expected.file_derived, ...c.expected.file };
        for (const [file, content] of Object.entries(exact)) {
          expect(read(file)).toBe(content);
        }
        for (const [file, lines] of Object.entries<string[]>(
          c.expected.fileContains ?? {},
        )) {
          for (const line of lines) {
            expect(read(file)).toContain(line);
          }
        }
      },
    );

    it.each(stepCases.filter(c => c.expected.output))(
      '$id $name: output',
      async c => {
        mockDir.setContent(c.input.files);
        const result = await step.run(context(), configOf(c));
        expect(result.output).toEqual(c.expected.output);
      },
    );

    it.each(stepCases.filter(c => c.expected.errorContains))(
      '$id $name',
      async c => {
        mockDir.setContent(c.input.files);
        const error = await step.run(context(), configOf(c)).catch(e => e);
        expect(error).toBeInstanceOf(Error);
        expect(error.message).toContain(c.expected.errorContains);
        // Errored, not terminal: the engine may retry within the step's error threshold.
        expect(isTerminalStepError(error)).toBe(false);
        expect(mockDir.content()).toEqual(c.input.files);
      },
    );
  });

  it('says which file failed, relative to the work directory', async () => {
    mockDir.setContent({ charts: { 'values.yaml': 'a: 1\n' } });
    const error = await step
      .run(context(), {
        path: 'charts/values.yaml',
        updates: [{ key: 'b', value: 2 }],
      })
      .catch(e => e);
    expect(error.message).toBe(
      'values file update failed: error updating values file "charts/values.yaml": error finding key b: key path not found',
    );
  });

  it('leaves the file untouched when one of several updates fails', async () => {
    mockDir.setContent({ 'values.yaml': 'a: 1\nb: 2\n' });
    await expect(
      step.run(context(), {
        path: 'values.yaml',
        updates: [
          { key: 'a', value: 10 },
          { key: 'nope', value: 3 },
        ],
      }),
    ).rejects.toThrow('key path not found');
    expect(read('values.yaml')).toBe('a: 1\nb: 2\n');
  });

  it('refuses a path outside the work directory without retries', async () => {
    mockDir.setContent({ work: {}, 'values.yaml': 'a: 1\n' });
    const error = await step
      .run(createStepContext({ workDir: mockDir.resolve('work') }), {
        path: '../values.yaml',
        updates: [{ key: 'a', value: 2 }],
      })
      .catch(e => e);
    expect(isTerminalStepError(error)).toBe(true);
    expect(read('values.yaml')).toBe('a: 1\n');
  });

  it('edits a Helm values file the way the Kargo docs describe', async () => {
    const values = [
      '# Default values for my-chart.',
      'replicaCount: 1',
      '',
      'image:',
      '  repository: nginx',
      '  # Overrides the image tag whose default is the chart appVersion.',
      '  tag: "1.25.3"',
      '  pullPolicy: IfNotPresent',
      '',
    ].join('\n');
    mockDir.setContent({
      src: { charts: { 'my-chart': { 'values.yaml': values } } },
    });
    const result = await step.run(context(), {
      path: './src/charts/my-chart/values.yaml',
      updates: [{ key: 'image.tag', value: '1.26.0' }],
    });
    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        commitMessage:
          'Updated ./src/charts/my-chart/values.yaml\n\n- image.tag: 1.26.0',
      },
    });
    expect(read('src/charts/my-chart/values.yaml')).toBe(
      values.replace('tag: "1.25.3"', 'tag: 1.26.0'),
    );
  });
});

describe('yamlUpdateCommitMessage (Kargo Test_yamlUpdater_generateCommitMessage vectors)', () => {
  it.each<{ path: string; updates: any[]; expected: string }>(
    vectors.commitMessage.cases,
  )(
    '$path with $updates.length updates',
    ({ path: file, updates, expected }) => {
      expect(yamlUpdateCommitMessage(file, updates)).toBe(expected);
    },
  );
});
