import fs from 'node:fs';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  isTerminalStepError,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { parse } from 'yaml';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createYamlMergeStep, yamlMergeCommitMessage } from './yaml-merge';

// Cases follow Kargo's Test_yamlMerger_* (pkg/promotion/runner/builtin) and TestMergeFiles (pkg/yaml), and the
// merge rules documented for yaml-merge and kyaml's merge2.
describe('yaml-merge', () => {
  const step = createYamlMergeStep();
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.path });
  const read = (file: string) => fs.readFileSync(mockDir.resolve(file), 'utf8');
  const merge = async (files: string[], contents: Record<string, string>) => {
    mockDir.setContent(contents);
    await step.run(context(), { inFiles: files, outFile: 'out/merged.yaml' });
    return read('out/merged.yaml');
  };

  beforeEach(() => mockDir.clear());

  describe('config', () => {
    it.each([
      [{ outFile: 'valid.yaml' }, '(root): inFiles is required'],
      [
        { inFiles: [], outFile: 'valid.yaml' },
        'invalid yaml-merge config: inFiles: Array must have at least 1 items',
      ],
      [
        { inFiles: ['valid.yaml'] },
        'invalid yaml-merge config: (root): outFile is required',
      ],
      [
        { inFiles: ['valid.yaml'], outFile: '' },
        'invalid yaml-merge config: outFile: String length must be greater than or equal to 1',
      ],
      [
        { inFiles: ['a'], outFile: 'b', strategy: 'x' },
        'Additional property strategy is not allowed',
      ],
      [
        { inFiles: ['a'], outFile: 'b', ignoreMissingFiles: 'yes' },
        'ignoreMissingFiles: Invalid type. Expected: boolean, given: string',
      ],
    ])('refuses %j', (config, problem) => {
      expect(() => step.parseConfig(config)).toThrow(TerminalStepError);
      expect(() => step.parseConfig(config)).toThrow(problem);
    });

    it.each([
      { inFiles: [''], outFile: 'valid.yaml' },
      { inFiles: ['valid.yaml'], outFile: 'valid.yaml' },
      {
        inFiles: ['a.yaml', 'b.yaml'],
        outFile: 'c.yaml',
        ignoreMissingFiles: true,
      },
    ])('accepts %j', config => {
      expect(step.parseConfig(config)).toEqual(config);
    });
  });

  it('merges the files of Kargo’s TestMergeFiles as Kargo does', async () => {
    const merged = await merge(['empty.yaml', 'base.yaml', 'overlay.yaml'], {
      'empty.yaml': '',
      'base.yaml':
        '\ncharacter:\n  name: Vader\n  ability: Force\n  affiliation: Empire\n  saberColor: red\nvehicles:\n- Star Destroyer',
      'overlay.yaml':
        '\ncharacter:\n  name: Luke # Alters character.name from the base\n  # ability: Force  # Should be inherited from the base without alteration\n  affiliation: Rebel Alliance # Alters character.affiliation from the base\n  saberColor: blue # Alters character.saberColor from the base\n  siblings: # A completely new field that the base does not have\n  - Leia\nvehicles: # Completely replaces vehicles list from the base\n- Millennium Falcon',
    });
    expect(parse(merged)).toEqual({
      character: {
        name: 'Luke',
        ability: 'Force',
        affiliation: 'Rebel Alliance',
        saberColor: 'blue',
        siblings: ['Leia'],
      },
      vehicles: ['Millennium Falcon'],
    });
  });

  it('produces the docs example, keeping the first file’s layout and comments (a replaced value brings its own)', async () => {
    const merged = await merge(['base.yaml', 'qa.yaml', 'cluster.yaml'], {
      'base.yaml':
        '# chart defaults\nservice:\n  enabled: false # off by default\nreplicas: 1\n',
      'qa.yaml': 'service:\n  enabled: true\n',
      'cluster.yaml': 'service:\n  type: LoadBalancer\n',
    });
    expect(merged).toBe(
      '# chart defaults\nservice:\n  enabled: true\n  type: LoadBalancer\nreplicas: 1\n',
    );
  });

  it('removes keys set to null later, keeps a null only the base has, and drops nulls of new mappings', async () => {
    const merged = await merge(['base.yaml', 'overlay.yaml'], {
      'base.yaml': 'a: 1\nb: {x: 1}\nkeep: null\nempty:\nlist: [1]\n',
      'overlay.yaml':
        'a: null\nb: ~\nlist: null\nnew:\n  c: 1\n  d: null\nalsoNull: null\n',
    });
    expect(parse(merged)).toEqual({ keep: null, new: { c: 1 } });
    expect(merged).toContain('keep: null');
  });

  it('appends new keys sorted, replaces lists and scalars, and merges nested maps', async () => {
    const merged = await merge(['base.yaml', 'overlay.yaml'], {
      'base.yaml':
        'z: 1\nenv:\n- name: A\n  value: "1"\nnested:\n  keep: 1\n  change: old\n',
      'overlay.yaml':
        'y: 2\nx: 3\nenv:\n- name: B\n  value: "2"\nnested:\n  change: new\n  add: true\n',
    });
    expect(merged).toBe(
      'z: 1\nenv:\n- name: B\n  value: "2"\nnested:\n  keep: 1\n  change: new\n  add: true\nx: 3\ny: 2\n',
    );
  });

  it('applies $patch directives of strategic merge patches', async () => {
    const merged = await merge(['base.yaml', 'overlay.yaml'], {
      'base.yaml': 'a:\n  x: 1\n  y: 2\nb:\n  x: 1\nc:\n  x: 1\n',
      'overlay.yaml':
        'a:\n  $patch: replace\n  z: 3\nb:\n  $patch: delete\nc:\n  $patch: merge\n  y: 2\n',
    });
    expect(parse(merged)).toEqual({ a: { z: 3 }, c: { x: 1, y: 2 } });
  });

  it('keeps strings strings for YAML 1.1 readers and keeps quoting of replaced strings', async () => {
    const merged = await merge(['base.yaml', 'overlay.yaml'], {
      'base.yaml': 'tag: "1.0"\nflag: off-ish\n',
      'overlay.yaml': 'tag: v2\nflag: "off"\nother: on\nplain: yes\n',
    });
    expect(merged).toBe('tag: "v2"\nflag: "off"\nother: "on"\nplain: "yes"\n');
  });

  it('resolves aliases of later files, which cannot refer to the first file’s anchors', async () => {
    const merged = await merge(['base.yaml', 'overlay.yaml'], {
      'base.yaml': 'defaults: &d {a: 1}\nuse: *d\n',
      'overlay.yaml': 'common: &c {b: 2}\nextra: *c\n',
    });
    expect(parse(merged)).toEqual({
      defaults: { a: 1 },
      use: { a: 1 },
      common: { b: 2 },
      extra: { b: 2 },
    });
  });

  it.each([
    [
      'a:\n  x: 1\n',
      'a: 5\n',
      'wrong node kind at a: expected MappingNode but got ScalarNode',
    ],
    [
      'a: [1]\n',
      'a: {x: 1}\n',
      'wrong node kind at a: expected SequenceNode but got MappingNode',
    ],
    [
      'a: {x: 1}\n',
      'a: {$patch: explode}\n',
      'unknown patch strategy "explode"',
    ],
  ])('refuses to merge %j with %j', async (base, overlay, message) => {
    mockDir.setContent({ 'base.yaml': base, 'overlay.yaml': overlay });
    const error = await step
      .run(context(), {
        inFiles: ['base.yaml', 'overlay.yaml'],
        outFile: 'out.yaml',
      })
      .catch(e => e);
    expect(error.message).toContain(`error merging YAML files: ${message}`);
    expect(fs.existsSync(mockDir.resolve('out.yaml'))).toBe(false);
  });

  it('writes a single file through, and an empty file when inputs have no content', async () => {
    mockDir.setContent({
      'a.yaml': 'a: 1 # one\n',
      'c.yaml': '# only a comment\n',
    });
    const one = await step.run(context(), {
      inFiles: ['a.yaml'],
      outFile: 'x/one.yaml',
    });
    expect(read('x/one.yaml')).toBe('a: 1 # one\n');
    expect(one.output).toEqual({ commitMessage: 'Wrote a.yaml to x/one.yaml' });
    const none = await step.run(context(), {
      inFiles: ['c.yaml', 'missing.yaml'],
      outFile: 'none.yaml',
      ignoreMissingFiles: true,
    });
    expect(read('none.yaml')).toBe('');
    expect(none.output).toEqual({ commitMessage: 'Wrote c.yaml to none.yaml' });
    const nothing = await step.run(context(), {
      inFiles: ['missing.yaml'],
      outFile: 'nothing.yaml',
      ignoreMissingFiles: true,
    });
    expect(nothing).toEqual({ status: 'Succeeded' });
    expect(read('nothing.yaml')).toBe('');
  });

  it('fails on a missing input file unless told to ignore it', async () => {
    const error = await step
      .run(context(), { inFiles: ['non-existent.yaml'], outFile: 'out.yaml' })
      .catch(e => e);
    expect(error.message).toContain('input file "non-existent.yaml" not found');
    expect(isTerminalStepError(error)).toBe(false);
  });

  it('counts only the files that exist in the commit message', async () => {
    mockDir.setContent({
      'base.yaml': 'version: 1.0.0',
      'overlay.yaml': 'version: 2.0.0',
    });
    const result = await step.run(context(), {
      inFiles: ['base.yaml', 'overlay.yaml', 'non-existent.yaml'],
      outFile: 'merged.yaml',
      ignoreMissingFiles: true,
    });
    expect(result.output).toEqual({
      commitMessage:
        'Merged 2 YAML files to merged.yaml\n- base.yaml\n- overlay.yaml',
    });
    expect(read('merged.yaml')).toBe('version: 2.0.0\n');
  });

  it.each([':', 'a: *nope\n', 'a: [\n'])(
    'refuses the invalid YAML %j',
    async text => {
      mockDir.setContent({ 'invalid.yaml': text });
      await expect(
        step.run(context(), {
          inFiles: ['invalid.yaml'],
          outFile: 'merged.yaml',
        }),
      ).rejects.toThrow('error merging YAML files: error reading input file');
    },
  );

  it.each([
    [{ inFiles: ['../x.yaml'], outFile: 'o.yaml' }, 'inFiles.0'],
    [{ inFiles: ['a.yaml', ''], outFile: 'o.yaml' }, 'inFiles.1'],
    [{ inFiles: ['a.yaml'], outFile: '../o.yaml' }, 'outFile'],
  ])('refuses %j, naming %s', async (config, field) => {
    mockDir.setContent({ 'a.yaml': 'a: 1\n' });
    const error = await step.run(context(), config).catch(e => e);
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(field);
  });
});

describe('yamlMergeCommitMessage (Kargo Test_YAMLMerger_generateCommitMessage)', () => {
  it.each([
    [[], ''],
    [['base.yaml'], 'Wrote base.yaml to out/test.yaml'],
    [
      ['base.yaml', 'overrides.yaml'],
      'Merged 2 YAML files to out/test.yaml\n- base.yaml\n- overrides.yaml',
    ],
  ])('%j', (inputs, expected) => {
    expect(yamlMergeCommitMessage(inputs, 'out/test.yaml')).toBe(expected);
  });
});
