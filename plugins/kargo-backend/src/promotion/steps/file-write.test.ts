import fs from 'node:fs';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  isTerminalStepError,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createFileWriteStep } from './file-write';

// Cases follow Kargo's Test_fileWriter_convert and Test_fileWriter_run (pkg/promotion/runner/builtin).
describe('file-write', () => {
  const step = createFileWriteStep();
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.resolve('work') });
  const read = (file: string) => fs.readFileSync(mockDir.resolve(file), 'utf8');
  const mode = (file: string) =>
    fs.statSync(mockDir.resolve(file)).mode & 0o777;

  beforeEach(() =>
    mockDir.setContent({
      work: {
        'existing.yaml': 'existing: true\n',
        dir: {},
        'link.yaml': ({ symlink }) => symlink('existing.yaml'),
        'linked-dir': ({ symlink }) => symlink('dir'),
      },
      'outside.yaml': 'outside',
    }),
  );

  describe('config', () => {
    it.each([
      [{ contents: 'x' }, '(root): path is required'],
      [
        { path: '', contents: 'x' },
        'path: String length must be greater than or equal to 1',
      ],
      [{ path: 'a.yaml' }, '(root): contents is required'],
      [
        { path: 'a.yaml', contents: 1 },
        'contents: Invalid type. Expected: string, given: number',
      ],
      [
        { path: 'a.yaml', contents: '', bogus: 1 },
        'Additional property bogus is not allowed',
      ],
      [
        { path: 'a.yaml', contents: '', permissions: 644 },
        'permissions: Invalid type',
      ],
      [
        { path: 'a.yaml', contents: '', permissions: '0999' },
        'permissions: Does not match pattern',
      ],
      [
        { path: 'a.yaml', contents: '', permissions: '644' },
        'permissions: Does not match pattern',
      ],
    ])('refuses %j', (config, problem) => {
      expect(() => step.parseConfig(config)).toThrow(TerminalStepError);
      expect(() => step.parseConfig(config)).toThrow(problem);
    });

    it('accepts empty contents and optional fields', () => {
      const config = {
        path: 'a.yaml',
        contents: '',
        permissions: '0644',
        overwrite: true,
      };
      expect(step.parseConfig(config)).toEqual(config);
    });
  });

  it('writes a new file, with parent directories, exactly and with mode 0600', async () => {
    await expect(
      step.run(context(), { path: 'out/new/app.yaml', contents: 'key: value' }),
    ).resolves.toEqual({ status: 'Succeeded' });
    expect(read('work/out/new/app.yaml')).toBe('key: value');
    expect(mode('work/out/new/app.yaml')).toBe(0o600);
  });

  it('writes an empty file', async () => {
    await step.run(context(), { path: 'empty', contents: '' });
    expect(read('work/empty')).toBe('');
  });

  it('applies permissions, also when it overwrites', async () => {
    await step.run(context(), {
      path: 'existing.yaml',
      contents: 'existing: false\n',
      permissions: '0644',
      overwrite: true,
    });
    expect(read('work/existing.yaml')).toBe('existing: false\n');
    expect(mode('work/existing.yaml')).toBe(0o644);
  });

  it('does not replace an existing file without overwrite', async () => {
    const error = await step
      .run(context(), { path: 'existing.yaml', contents: 'x' })
      .catch(e => e);
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toBe(
      'file "existing.yaml" already exists; set overwrite to true to replace it',
    );
    expect(read('work/existing.yaml')).toBe('existing: true\n');
  });

  it.each([
    ['0755', 'must not include executable bits'],
    ['0100', 'must not include executable bits'],
    ['0666', 'must not be world-writable'],
    ['4644', 'must not include special mode bits'],
  ])('refuses permissions %s', async (permissions, message) => {
    const error = await step
      .run(context(), { path: 'new.yaml', contents: 'x', permissions })
      .catch(e => e);
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(message);
    expect(fs.existsSync(mockDir.resolve('work/new.yaml'))).toBe(false);
  });

  it.each([
    ['../outside.yaml', 'attempts to traverse outside the working directory'],
    [
      'dir/../../outside.yaml',
      'attempts to traverse outside the working directory',
    ],
    ['/etc/passwd', 'must be relative'],
    ['.git/config', 'writing to the .git directory is forbidden'],
    ['./.git', 'writing to the .git directory is forbidden'],
    ['link.yaml', '(symlinks are forbidden)'],
    [
      'linked-dir/new.yaml',
      'resolves to a different path "dir/new.yaml" (symlinks are forbidden)',
    ],
  ])('refuses %s', async (target, message) => {
    const error = await step
      .run(context(), { path: target, contents: 'x', overwrite: true })
      .catch(e => e);
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(message);
    expect(read('outside.yaml')).toBe('outside');
    expect(read('work/existing.yaml')).toBe('existing: true\n');
  });

  it('errors (retryably) when the path is a directory', async () => {
    const error = await step
      .run(context(), { path: 'dir', contents: 'x', overwrite: true })
      .catch(e => e);
    expect(error.message).toContain('error writing file "dir"');
    expect(isTerminalStepError(error)).toBe(false);
  });
});
