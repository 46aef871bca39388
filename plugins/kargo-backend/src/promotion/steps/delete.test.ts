import fs from 'node:fs';
import {
  createMockDirectory,
  MockDirectoryContentCallback,
} from '@backstage/backend-test-utils';
import {
  isTerminalStepError,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createDeleteStep } from './delete';
import {
  expandBraces,
  globInDirectory,
  GlobPatternError,
} from '../stepHelpers/glob';

const linkTo =
  (target: string): MockDirectoryContentCallback =>
  ({ symlink }) =>
    symlink(target);

describe('delete', () => {
  const step = createDeleteStep();
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.resolve('work') });
  const exists = (file: string) => {
    try {
      fs.lstatSync(mockDir.resolve(file));
      return true;
    } catch {
      return false;
    }
  };

  beforeEach(() =>
    mockDir.setContent({
      work: {
        'a.txt': 'a',
        'b.txt': 'b',
        'c.md': 'c',
        'a[1].txt': 'literal',
        'a1.txt': 'glob',
        input: {
          'input.txt': 'x',
          'symlink.txt': linkTo('input.txt'),
        },
        bar: { 'file.txt': 'x' },
        foo: linkTo('bar'),
        out: { 'a.tmp': 'x', build: { 'b.tmp': 'x' }, 'keep.md': 'k' },
        sub: { deep: { 'c.tmp': 'x', 'keep.md': 'k' } },
        link: linkTo('../outside'),
        '.hidden.tmp': 'x',
      },
      outside: { 'secret.txt': 'secret' },
      'escape-target': 'x',
    }),
  );

  // Config cases of Kargo's Test_fileDeleter_convert.
  describe('config', () => {
    it.each([
      [{}, '(root): Must validate one and only one schema'],
      [{ path: '' }, 'path: String length must be greater than or equal to 1'],
      [{ paths: [] }, 'paths: Array must have at least 1 items'],
      [
        { paths: [''] },
        'paths.0: String length must be greater than or equal to 1',
      ],
      [
        { path: '/p', pathsAreGlobs: 'true' },
        'pathsAreGlobs: Invalid type. Expected: boolean, given: string',
      ],
      [
        { path: '/p', bogus: 'value' },
        'Additional property bogus is not allowed',
      ],
      [{ path: 'a', paths: ['b'] }, 'Must validate one and only one schema'],
    ])('refuses %j', (config, problem) => {
      expect(() => step.parseConfig(config)).toThrow(TerminalStepError);
      expect(() => step.parseConfig(config)).toThrow(problem);
    });

    it.each([
      { path: '/path/to/delete' },
      { path: '/path/to/delete', strict: true },
      { paths: ['/path/to/a', '/path/to/b', '/path/to/c'] },
      { path: '*.txt', pathsAreGlobs: true },
      { paths: ['**/*.log', 'build/'], pathsAreGlobs: true, strict: true },
    ])('accepts %j', config => {
      expect(step.parseConfig(config)).toEqual(config);
    });
  });

  // Run cases of Kargo's Test_fileDeleter_run.
  describe('literal paths', () => {
    it('deletes a file and a directory', async () => {
      await expect(
        step.run(context(), { paths: ['a.txt', 'out'] }),
      ).resolves.toEqual({ status: 'Succeeded' });
      expect(exists('work/a.txt')).toBe(false);
      expect(exists('work/out')).toBe(false);
      expect(exists('work/b.txt')).toBe(true);
    });

    it('deletes a link, not what it points to', async () => {
      await step.run(context(), { path: 'input/symlink.txt' });
      expect(exists('work/input/symlink.txt')).toBe(false);
      expect(exists('work/input/input.txt')).toBe(true);
      await step.run(context(), { path: 'foo/' });
      expect(exists('work/foo')).toBe(false);
      expect(exists('work/bar/file.txt')).toBe(true);
    });

    it('handles a parent and its child both listed', async () => {
      await expect(
        step.run(context(), { paths: ['out', 'out/a.tmp'] }),
      ).resolves.toEqual({ status: 'Succeeded' });
      expect(exists('work/out')).toBe(false);
    });

    it('treats glob characters literally', async () => {
      await step.run(context(), { path: 'a[1].txt' });
      expect(exists('work/a[1].txt')).toBe(false);
      expect(exists('work/a1.txt')).toBe(true);
    });

    it('succeeds on missing paths unless strict, and then deletes nothing', async () => {
      await expect(
        step.run(context(), {
          paths: ['a.txt', 'nope.txt', 'no_dir/child.txt'],
        }),
      ).resolves.toEqual({ status: 'Succeeded' });
      expect(exists('work/a.txt')).toBe(false);

      const error = await step
        .run(context(), { paths: ['b.txt', 'no_dir/child.txt'], strict: true })
        .catch(e => e);
      expect(error.message).toBe('path "no_dir/child.txt" does not exist');
      expect(isTerminalStepError(error)).toBe(false);
      expect(exists('work/b.txt')).toBe(true);
    });

    it.each([
      '../escape-target',
      'link/secret.txt',
      '.',
      'out/..',
      '/etc/passwd',
    ])('refuses %s', async target => {
      const error = await step.run(context(), { path: target }).catch(e => e);
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain(
        'path attempts to traverse outside the working directory',
      );
      expect(exists('escape-target')).toBe(true);
      expect(exists('outside/secret.txt')).toBe(true);
      expect(exists('work/link')).toBe(true);
      expect(exists('work/out')).toBe(true);
    });

    it('deletes a link that points outside, as a link', async () => {
      await step.run(context(), { path: 'link' });
      expect(exists('work/link')).toBe(false);
      expect(exists('outside/secret.txt')).toBe(true);
    });
  });

  describe('globs', () => {
    it('deletes what matches and keeps the rest', async () => {
      await step.run(context(), { path: '*.txt', pathsAreGlobs: true });
      expect(exists('work/a.txt')).toBe(false);
      expect(exists('work/b.txt')).toBe(false);
      expect(exists('work/a[1].txt')).toBe(false);
      expect(exists('work/c.md')).toBe(true);
      expect(exists('work/input/input.txt')).toBe(true);
    });

    it('matches nested files with **, dot files included', async () => {
      await step.run(context(), { path: '**/*.tmp', pathsAreGlobs: true });
      expect(exists('work/out/a.tmp')).toBe(false);
      expect(exists('work/out/build/b.tmp')).toBe(false);
      expect(exists('work/sub/deep/c.tmp')).toBe(false);
      expect(exists('work/.hidden.tmp')).toBe(false);
      expect(exists('work/sub/deep/keep.md')).toBe(true);
    });

    it('ignores a leading ./ and matches directories with a trailing /', async () => {
      await step.run(context(), {
        paths: ['./out/**/*.tmp', './out/build/'],
        pathsAreGlobs: true,
        strict: true,
      });
      expect(exists('work/out/a.tmp')).toBe(false);
      expect(exists('work/out/build')).toBe(false);
      expect(exists('work/out/keep.md')).toBe(true);
    });

    it('deletes a matched directory whole and a matched link as a link', async () => {
      await step.run(context(), {
        paths: ['bu*', 'o?t', 'inp*/sym*'],
        pathsAreGlobs: true,
      });
      expect(exists('work/out')).toBe(false);
      expect(exists('work/input/symlink.txt')).toBe(false);
      expect(exists('work/input/input.txt')).toBe(true);
    });

    it('fails on a pattern that matches nothing only when strict', async () => {
      await expect(
        step.run(context(), { path: '*.nothing', pathsAreGlobs: true }),
      ).resolves.toEqual({ status: 'Succeeded' });
      const error = await step
        .run(context(), {
          paths: ['*.md', '*.nothing'],
          pathsAreGlobs: true,
          strict: true,
        })
        .catch(e => e);
      expect(error.message).toBe('no paths matched pattern "*.nothing"');
      expect(exists('work/c.md')).toBe(true);
    });

    it('makes an invalid pattern a terminal error', async () => {
      const error = await step
        .run(context(), { path: '[', pathsAreGlobs: true })
        .catch(e => e);
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('invalid glob pattern "["');
    });

    it('matches nothing with .. and refuses to delete through a link out of the work directory', async () => {
      await expect(
        step.run(context(), {
          path: '../*',
          pathsAreGlobs: true,
          strict: true,
        }),
      ).rejects.toThrow('no paths matched pattern');
      const error = await step
        .run(context(), { path: 'link/*', pathsAreGlobs: true })
        .catch(e => e);
      expect(error.message).toContain(
        'attempts to traverse outside the working directory',
      );
      expect(exists('outside/secret.txt')).toBe(true);
      expect(exists('work/link')).toBe(true);
    });
  });
});

describe('globInDirectory', () => {
  const mockDir = createMockDirectory({
    content: {
      'a.yaml': '',
      'b.yml': '',
      '.env': '',
      'x{y}.txt': '',
      dir: { 'c.yaml': '', nested: { 'd.yaml': '' } },
      other: { 'e.json': '' },
      loop: linkTo('.'),
    },
  });
  const glob = (pattern: string) => globInDirectory(mockDir.path, pattern);

  it.each<[string, string[]]>([
    ['*.yaml', ['a.yaml']],
    ['*.y{a,}ml', ['a.yaml', 'b.yml']],
    ['{dir,other}/*', ['dir/c.yaml', 'dir/nested', 'other/e.json']],
    ['**/*.yaml', ['a.yaml', 'dir/c.yaml', 'dir/nested/d.yaml']],
    ['dir/**', ['dir', 'dir/c.yaml', 'dir/nested', 'dir/nested/d.yaml']],
    ['dir/**/', ['dir', 'dir/nested']],
    ['dir**', ['dir']],
    ['.*', ['.env']],
    ['[ab].y*', ['a.yaml', 'b.yml']],
    ['[!a].y*', ['b.yml']],
    ['[^a].y*', ['b.yml']],
    ['x\\{y\\}.txt', ['x{y}.txt']],
    ['?', []],
    ['/a.yaml', []],
    ['./a.yaml', []],
    ['dir/../a.yaml', []],
  ])('%s matches %j', async (pattern, expected) => {
    expect((await glob(pattern)).sort()).toEqual(expected);
  });

  it('does not follow links with **', async () => {
    expect((await glob('**/d.yaml')).sort()).toEqual(['dir/nested/d.yaml']);
  });

  it.each(['[', 'a\\', '{a,b', '[z-'])(
    'refuses the malformed pattern %s',
    async pattern => {
      await expect(glob(pattern)).rejects.toThrow(GlobPatternError);
    },
  );

  it('expands nested alternatives in order', () => {
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('a\\{b,c}')).toEqual(['a\\{b,c}']);
  });
});
