import fs from 'node:fs';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  isTerminalStepError,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createJsonUpdateStep, jsonUpdateCommitMessage } from './json-update';

const vectors = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../../../../test-vectors/kargo/04-promotion-steps/json-update.json',
    ),
    'utf8',
  ),
);

type StepCase = {
  id: string;
  name: string;
  files: Record<string, string>;
  config: any;
  expected: any;
};
const stepCases: StepCase[] = vectors.stepCases;
type FileCase = {
  name: string;
  file: string | null;
  updates: any[];
  expected: any;
};
const fileCases: FileCase[] = vectors.updateFile;

describe('json-update', () => {
  const step = createJsonUpdateStep();
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.path });
  const read = (file: string) => fs.readFileSync(mockDir.resolve(file), 'utf8');

  beforeEach(() => mockDir.clear());

  describe('run (Kargo Test_jsonUpdater_run vectors)', () => {
    it.each(stepCases.filter(c => !c.expected.errorContains))(
      '$id $name',
      async c => {
        mockDir.setContent(c.files);
        const result = await step.run(context(), c.config);
        expect(result.status).toBe('Succeeded');
        for (const [file, parsed] of Object.entries(
          c.expected.fileJSONEq ?? {},
        )) {
          expect(JSON.parse(read(file))).toEqual(parsed);
        }
        for (const [file, parts] of Object.entries<string[]>(
          c.expected.fileContains ?? {},
        )) {
          for (const part of parts) {
            expect(read(file)).toContain(part);
          }
        }
      },
    );

    it.each(stepCases.filter(c => 'output' in c.expected))(
      '$id $name: output',
      async c => {
        mockDir.setContent(c.files);
        const result = await step.run(context(), c.config);
        expect(result.output ?? null).toEqual(c.expected.output);
      },
    );

    it.each(stepCases.filter(c => c.expected.errorContains))(
      '$id $name',
      async c => {
        mockDir.setContent(c.files);
        const error = await step.run(context(), c.config).catch(e => e);
        expect(error.message).toContain(c.expected.errorContains);
        expect(isTerminalStepError(error)).toBe(false);
      },
    );
  });

  describe('file updates (Kargo Test_jsonUpdater_updateValuesFile vectors)', () => {
    const run = (c: FileCase) => {
      mockDir.setContent(c.file === null ? {} : { 'values.json': c.file });
      return step.run(context(), { path: 'values.json', updates: c.updates });
    };

    it.each(fileCases.filter(c => c.expected.fileJSONEq))('$name', async c => {
      await run(c);
      expect(JSON.parse(read('values.json'))).toEqual(c.expected.fileJSONEq);
    });

    it.each(fileCases.filter(c => 'parsed.key' in c.expected))(
      '$name',
      async c => {
        await run(c);
        expect(JSON.parse(read('values.json')).key).toEqual(
          c.expected['parsed.key'],
        );
      },
    );

    it('covers every vector', () => {
      expect(
        fileCases.every(
          c =>
            c.expected.fileJSONEq ||
            c.expected.errorContains ||
            'parsed.key' in c.expected,
        ),
      ).toBe(true);
    });

    it.each(fileCases.filter(c => c.expected.errorContains))(
      '$name',
      async c => {
        await expect(run(c)).rejects.toThrow(c.expected.errorContains);
        expect(mockDir.content()).toEqual({});
      },
    );
  });

  it('keeps the formatting of the file around the values it changes', async () => {
    const file =
      '{\n    "image": {\n        "tag": "v1"  ,\n        "pull": true\n    }\n}\n';
    mockDir.setContent({ 'config.json': file });
    const result = await step.run(context(), {
      path: 'config.json',
      updates: [
        { key: 'image.tag', value: 'v2' },
        { key: 'image.pull', value: false },
      ],
    });
    expect(read('config.json')).toBe(
      '{\n    "image": {\n        "tag": "v2"  ,\n        "pull": false\n    }\n}\n',
    );
    expect(result.output).toEqual({
      commitMessage:
        'Updated config.json\n\n- image.tag: "v2"\n- image.pull: false',
    });
  });

  it.each([[null], [{ a: 1 }], [[1, 2]]])(
    'refuses the non-scalar value %j and leaves the file alone',
    async value => {
      mockDir.setContent({ 'config.json': '{"a": 1}' });
      await expect(
        step.run(context(), {
          path: 'config.json',
          updates: [{ key: 'a', value }],
        }),
      ).rejects.toThrow(
        'JSON file update failed: value for key "a" is not a scalar type',
      );
      expect(read('config.json')).toBe('{"a": 1}');
    },
  );

  it('refuses a file that is not JSON rather than writing garbage', async () => {
    mockDir.setContent({ 'config.json': '{"a": 1,,}' });
    await expect(
      step.run(context(), {
        path: 'config.json',
        updates: [{ key: 'a', value: 2 }],
      }),
    ).rejects.toThrow('error setting key "a" in JSON file: invalid JSON');
  });

  it('refuses a path through a link out of the work directory', async () => {
    mockDir.setContent({
      work: { 'link.json': ({ symlink }) => symlink('../outside.json') },
      'outside.json': '{"a": 1}',
    });
    const error = await step
      .run(createStepContext({ workDir: mockDir.resolve('work') }), {
        path: 'link.json',
        updates: [{ key: 'a', value: 2 }],
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(read('outside.json')).toBe('{"a": 1}');
  });

  it('validates config as Kargo’s schema does', () => {
    expect(() => step.parseConfig({ path: 'a.json' })).toThrow(
      '(root): updates is required',
    );
    expect(() => step.parseConfig({ path: 'a.json', updates: [] })).toThrow(
      'updates: Array must have at least 1 items',
    );
    expect(() =>
      step.parseConfig({ path: 'a.json', updates: [{ key: 'a' }] }),
    ).toThrow('updates.0: value is required');
    expect(() =>
      step.parseConfig({ path: 1, updates: [{ key: '', value: 1 }] }),
    ).toThrow(
      /path: Invalid type. Expected: string, given: number.*updates.0.key: String length must be greater than or equal to 1/,
    );
    expect(
      step.parseConfig({ path: 'a.json', updates: [{ key: 'a', value: [1] }] }),
    ).toEqual({ path: 'a.json', updates: [{ key: 'a', value: [1] }] });
  });
});

describe('jsonUpdateCommitMessage (Kargo Test_jsonUpdater_generateCommitMessage vectors)', () => {
  it.each<{ path: string; updates: any[]; expected: string }>(
    vectors.commitMessage.cases,
  )(
    '$path with $updates.length updates',
    ({ path: file, updates, expected }) => {
      expect(jsonUpdateCommitMessage(file, updates)).toBe(expected);
    },
  );

  it('writes non-strings as they are', () => {
    expect(
      jsonUpdateCommitMessage('c.json', [
        { key: 'n', value: 1.5 },
        { key: 'b', value: true },
      ]),
    ).toBe('Updated c.json\n\n- n: 1.5\n- b: true');
  });
});
