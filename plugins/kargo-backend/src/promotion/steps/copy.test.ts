import fs from 'node:fs';
import path from 'node:path';
import {
  createMockDirectory,
  MockDirectoryContent,
} from '@backstage/backend-test-utils';
import {
  isTerminalStepError,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createCopyStep, loadIgnoreRules } from './copy';
import { isIgnored } from '../stepHelpers/gitignore';

const vectors = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../../../../test-vectors/kargo/04-promotion-steps/copy.json',
    ),
    'utf8',
  ),
);

type StepCase = {
  id: string;
  name: string;
  files: Record<string, string>;
  symlinks?: Record<string, string>;
  config: any;
  expected: any;
};
const stepCases: StepCase[] = vectors.stepCases;

describe('copy', () => {
  const step = createCopyStep();
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.path });
  const exists = (file: string) => fs.existsSync(mockDir.resolve(file));
  const read = (file: string) => fs.readFileSync(mockDir.resolve(file), 'utf8');

  const setUp = (c: StepCase) => {
    const content: MockDirectoryContent = { ...c.files };
    for (const [link, target] of Object.entries(c.symlinks ?? {})) {
      content[link] = ({ symlink }) => symlink(target);
    }
    mockDir.setContent(content);
  };

  beforeEach(() => mockDir.clear());

  describe('config (Kargo Test_filerCopier_convert vectors)', () => {
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
  });

  describe('run (Kargo Test_fileCopier_run vectors)', () => {
    it.each(stepCases.filter(c => !c.expected.errorContains))(
      '$id $name',
      async c => {
        setUp(c);
        const result = await step.run(context(), c.config);
        expect(result).toEqual({ status: 'Succeeded' });
        for (const [file, content] of Object.entries(c.expected.files)) {
          expect(read(file)).toBe(content);
        }
        for (const file of c.expected.absent ?? []) {
          expect(exists(file)).toBe(false);
        }
      },
    );

    it.each(stepCases.filter(c => c.expected.errorContains))(
      '$id $name',
      async c => {
        setUp(c);
        const error = await step.run(context(), c.config).catch(e => e);
        expect(error.message).toContain(c.expected.errorContains);
        expect(isTerminalStepError(error)).toBe(false);
      },
    );
  });

  describe('ignore rules (Kargo Test_fileCopier_loadIgnoreRules vectors)', () => {
    type IgnoreCase = {
      name: string;
      inPathIsDir?: boolean;
      inPathFile?: string;
      rules: string;
      expected: any;
    };
    const cases: IgnoreCase[] = vectors.ignoreRules.cases;
    const withLists = cases.filter(c => c.expected.ignored);

    const domainOf = (c: IgnoreCase) => {
      mockDir.setContent({ in: c.inPathFile ? { [c.inPathFile]: 'x' } : {} });
      return c.inPathFile
        ? mockDir.resolve('in', c.inPathFile)
        : mockDir.resolve('in');
    };
    const components = (relative: string) => [
      ...mockDir.resolve('in').split(path.sep),
      ...relative.split('/'),
    ];

    it.each(withLists)('$name: ignores what Kargo ignores', async c => {
      const patterns = await loadIgnoreRules(domainOf(c), c.rules);
      for (const [relative, isDir] of c.expected.ignored) {
        expect([
          relative,
          isIgnored(patterns, components(relative), isDir),
        ]).toEqual([relative, true]);
      }
    });

    it.each(withLists)('$name: keeps what Kargo keeps', async c => {
      const patterns = await loadIgnoreRules(domainOf(c), c.rules);
      for (const [relative, isDir] of c.expected.notIgnored) {
        expect([
          relative,
          isIgnored(patterns, components(relative), isDir),
        ]).toEqual([relative, false]);
      }
    });

    it('non-existent path: no rules and no error', async () => {
      await expect(
        loadIgnoreRules(mockDir.resolve('missing'), '*.tmp'),
      ).resolves.toEqual([]);
    });

    it('invalid path (NUL byte): fails to determine the domain', async () => {
      await expect(
        loadIgnoreRules(mockDir.resolve('bad\0path'), '*.tmp'),
      ).rejects.toThrow('failed to determine domain');
    });
  });

  it('applies ignore patterns at every depth, re-includes with !, and skips ignored directories whole', async () => {
    mockDir.setContent({
      src: {
        'app.yaml': 'a',
        'debug.log': 'x',
        'keep.log': 'k',
        node_modules: { 'lib.js': 'x' },
        nested: { 'deep.log': 'x', 'deep.yaml': 'd' },
        docs: { build: { 'x.html': 'x' }, 'readme.md': 'r' },
      },
    });
    await step.run(context(), {
      inPath: 'src',
      outPath: 'out',
      ignore:
        '# generated files\n*.log\n!keep.log\nnode_modules/\ndocs/build\n',
    });
    expect(mockDir.content({ path: 'out' })).toEqual({
      'app.yaml': 'a',
      'keep.log': 'k',
      nested: { 'deep.yaml': 'd' },
      docs: { 'readme.md': 'r' },
    });
  });

  it('merges into an existing directory, overwriting files and keeping file modes', async () => {
    mockDir.setContent({
      src: { 'a.txt': 'new', 'run.sh': 'echo' },
      out: { 'a.txt': 'old', 'other.txt': 'other' },
    });
    fs.chmodSync(mockDir.resolve('src/run.sh'), 0o750);
    await step.run(context(), { inPath: 'src', outPath: 'out' });
    expect(mockDir.content({ path: 'out' })).toEqual({
      'a.txt': 'new',
      'other.txt': 'other',
      'run.sh': 'echo',
    });
    expect(fs.statSync(mockDir.resolve('out/run.sh')).mode & 0o777).toBe(0o750);
  });

  it('copies a file into new parent directories', async () => {
    mockDir.setContent({ overlay: { 'kustomization.yaml': 'k' } });
    await step.run(context(), {
      inPath: './overlay/kustomization.yaml',
      outPath: './src/stages/test/kustomization.yaml',
    });
    expect(read('src/stages/test/kustomization.yaml')).toBe('k');
  });

  it('replaces a link at the destination instead of writing through it', async () => {
    mockDir.setContent({
      work: {
        src: { 'a.txt': 'new', sub: { 'b.txt': 'new' } },
        out: {
          'a.txt': ({ symlink }) => symlink('../../victim.txt'),
          sub: ({ symlink }) => symlink('../../victim-dir'),
        },
      },
      'victim.txt': 'keep me',
      'victim-dir': { 'b.txt': 'keep me too' },
    });
    await step.run(createStepContext({ workDir: mockDir.resolve('work') }), {
      inPath: 'src',
      outPath: 'out',
    });
    expect(read('victim.txt')).toBe('keep me');
    expect(read('victim-dir/b.txt')).toBe('keep me too');
    expect(read('work/out/a.txt')).toBe('new');
    expect(read('work/out/sub/b.txt')).toBe('new');
  });

  it.each([
    ['src', 'src/copy'],
    ['src', 'src'],
    ['src/a.txt', 'src/a.txt'],
  ])('refuses to copy %s onto or into %s', async (inPath, outPath) => {
    mockDir.setContent({ src: { 'a.txt': 'a' } });
    await expect(step.run(context(), { inPath, outPath })).rejects.toThrow(
      'cannot copy a path onto or into itself',
    );
    expect(read('src/a.txt')).toBe('a');
  });

  it.each([
    [{ inPath: '../x', outPath: 'out' }, 'inPath'],
    [{ inPath: 'in.txt', outPath: '../out' }, 'outPath'],
  ])('refuses %j, naming %s', async (config, field) => {
    mockDir.setContent({ work: { 'in.txt': 'x' }, x: 'outside' });
    const error = await step
      .run(createStepContext({ workDir: mockDir.resolve('work') }), config)
      .catch(e => e);
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(field);
    expect(exists('out')).toBe(false);
  });
});
