import fs from 'node:fs';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createTomlUpdateStep } from './toml-update';

// Cases follow Kargo's toml_updater_test.go and pkg/toml/toml_test.go.
describe('toml-update', () => {
  const step = createTomlUpdateStep();
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.path });
  const read = (file = 'config.toml') =>
    fs.readFileSync(path.join(mockDir.path, file), 'utf8');
  const run = (
    updates: { key: string; value: unknown }[],
    file = 'config.toml',
  ) => step.run(context(), step.parseConfig({ path: file, updates }));

  beforeEach(() => mockDir.clear());

  it.each([
    [{ updates: [{ key: 'a', value: 1 }] }, '(root): path is required'],
    [{ path: 'c.toml' }, '(root): updates is required'],
    [
      { path: 'c.toml', updates: [] },
      'updates: Array must have at least 1 items',
    ],
    [
      { path: 'c.toml', updates: [{ key: 'a' }] },
      'updates.0: value is required',
    ],
    [
      { path: 'c.toml', updates: [{ key: '', value: 1 }] },
      'updates.0.key: String length must be greater than or equal to 1',
    ],
    [
      { path: 'c.toml', updates: [{ key: 'a', value: 1, type: 'x' }] },
      'updates.0: Additional property type is not allowed',
    ],
    [
      { path: 'c.toml', updates: [{ key: 'a', value: 1 }], create: true },
      '(root): Additional property create is not allowed',
    ],
  ])('refuses config %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(
      new TerminalStepError(`invalid toml-update config: ${problem}`),
    );
  });

  it('sets values in place, keeping comments, layout and everything else byte for byte', async () => {
    const original = [
      '# Cargo manifest',
      'threshold = 1 # the lowest',
      '',
      '[package]',
      'name    = "demo"   # aligned',
      'version = "1.0.0"',
      '',
      '[features]',
      'newFeature = false',
      'ratio = 0.5',
      '',
      '[[servers]]',
      'host = "a"',
      'ports = [ 8000, 8001 ]',
      '',
      '[[servers]]',
      "host = 'b'",
      'inline = { image = { tag = "v1" }, "dotted.key" = 1 }',
      '',
      '[owner]',
      'dob = 1979-05-27T07:32:00-08:00',
      '',
    ].join('\n');
    mockDir.setContent({ 'config.toml': original });
    const result = await run([
      { key: 'package.version', value: '1.0.1' },
      { key: 'features.newFeature', value: true },
      { key: 'threshold', value: 100 },
      { key: 'features.ratio', value: 0.75 },
      { key: 'servers.0.ports.1', value: 9001 },
      { key: 'servers.1.host', value: "it's" },
      { key: 'servers.1.inline.image.tag', value: 'v2' },
      { key: 'servers.1.inline.dotted\\.key', value: 2 },
      { key: 'owner.dob', value: '2000-01-01' },
    ]);
    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        commitMessage: [
          'Updated config.toml',
          '',
          "- package.version: '1.0.1'",
          '- features.newFeature: true',
          '- threshold: 100',
          '- features.ratio: 0.75',
          '- servers.0.ports.1: 9001',
          `- servers.1.host: "it's"`,
          "- servers.1.inline.image.tag: 'v2'",
          '- servers.1.inline.dotted\\.key: 2',
          "- owner.dob: '2000-01-01'",
        ].join('\n'),
      },
    });
    expect(read()).toBe(
      original
        .replace('threshold = 1 #', 'threshold = 100 #')
        .replace('version = "1.0.0"', "version = '1.0.1'")
        .replace('newFeature = false', 'newFeature = true')
        .replace('ratio = 0.5', 'ratio = 0.75')
        .replace('8001 ]', '9001 ]')
        .replace("host = 'b'", `host = "it's"`)
        .replace('tag = "v1"', "tag = 'v2'")
        .replace('"dotted.key" = 1', '"dotted.key" = 2')
        .replace('1979-05-27T07:32:00-08:00', "'2000-01-01'"),
    );
  });

  it('writes strings as go-toml does: literal when it can, else basic with escapes', async () => {
    mockDir.setContent({ 'config.toml': 'a = 1\nb = 1\nc = 1\n' });
    await run([
      { key: 'a', value: 'line\nbreak "quoted" \\ tab\t' },
      { key: 'b', value: 'C:\\path' },
      { key: 'c', value: 1.5e300 },
    ]);
    expect(read()).toBe(
      'a = "line\\nbreak \\"quoted\\" \\\\ tab\\t"\nb = \'C:\\path\'\nc = 1.5e+300\n',
    );
  });

  it.each([
    [
      'missing.key',
      'x',
      'TOML file update failed: error updating TOML file "config.toml": error finding key missing.key: key path not found',
    ],
    [
      'package',
      'x',
      'TOML file update failed: error updating TOML file "config.toml": error finding key package: key path addresses Table instead of a scalar node',
    ],
    [
      'list',
      'x',
      'TOML file update failed: error updating TOML file "config.toml": error finding key list: key path addresses Array instead of a scalar node',
    ],
    [
      'package.version',
      { nested: true },
      'TOML file update failed: error updating TOML file "config.toml": error formatting value for key package.version: value is not a TOML scalar type',
    ],
    [
      'package.version',
      null,
      'TOML file update failed: error updating TOML file "config.toml": error formatting value for key package.version: value is not a TOML scalar type',
    ],
    [
      'package..version',
      'x',
      'TOML file update failed: error updating TOML file "config.toml": error splitting key package..version: empty key part in key "package..version"',
    ],
  ])(
    'refuses to set %p to %j, and leaves the file as it was',
    async (key, value, message) => {
      const original = 'list = [1]\n[package]\nversion = "1"\n';
      mockDir.setContent({ 'config.toml': original });
      await expect(run([{ key, value }])).rejects.toThrow(message);
      expect(read()).toBe(original);
    },
  );

  it('names a file it cannot read or parse, relative to the work directory', async () => {
    mockDir.setContent({ 'bad.toml': 'a = \n' });
    await expect(run([{ key: 'a', value: 1 }], 'missing.toml')).rejects.toThrow(
      /^TOML file update failed: error updating TOML file "missing.toml": error reading file "missing.toml": ENOENT: no such file or directory, open 'missing.toml'$/,
    );
    await expect(run([{ key: 'a', value: 1 }], 'bad.toml')).rejects.toThrow(
      'TOML file update failed: error updating TOML file "bad.toml": toml: line 2 column 0: Unspecified values are invalid',
    );
  });

  it('keeps the file inside the work directory', async () => {
    await expect(
      run([{ key: 'a', value: 1 }], '../outside.toml'),
    ).rejects.toThrow(
      new TerminalStepError(
        `path "../outside.toml" points outside the promotion's work directory`,
      ),
    );
  });
});
