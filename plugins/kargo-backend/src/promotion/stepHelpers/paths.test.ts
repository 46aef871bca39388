import fs from 'node:fs';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { isTerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { resolveInWorkDir } from './paths';

describe('resolveInWorkDir', () => {
  const mockDir = createMockDirectory();
  const outside = createMockDirectory();
  let workDir: string;

  beforeEach(() => {
    outside.setContent({ 'secret.txt': 'secret', dir: { 'file.txt': 'x' } });
    mockDir.setContent({
      work: {
        'values.yaml': 'a: 1',
        src: { 'app.yaml': 'b: 2' },
        'inner-link': ({ symlink }) => symlink('src'),
        'outer-link': ({ symlink }) => symlink(outside.resolve('dir')),
        'outer-file-link': ({ symlink }) =>
          symlink(outside.resolve('secret.txt')),
        'dangling-outer': ({ symlink }) => symlink(outside.resolve('new.txt')),
        'dangling-inner': ({ symlink }) => symlink('src/new.yaml'),
        'dangling-chain': ({ symlink }) => symlink('dangling-outer'),
      },
    });
    workDir = mockDir.resolve('work');
  });

  const real = (p: string) => fs.realpathSync(p);

  it('resolves paths inside the work directory, existing or not', async () => {
    await expect(
      resolveInWorkDir(workDir, 'values.yaml', 'path'),
    ).resolves.toBe(path.join(real(workDir), 'values.yaml'));
    await expect(
      resolveInWorkDir(workDir, './src/../src/app.yaml', 'path'),
    ).resolves.toBe(path.join(real(workDir), 'src/app.yaml'));
    await expect(
      resolveInWorkDir(workDir, 'new/dir/file.yaml', 'path'),
    ).resolves.toBe(path.join(real(workDir), 'new/dir/file.yaml'));
    await expect(resolveInWorkDir(workDir, '.', 'path')).resolves.toBe(
      real(workDir),
    );
  });

  it('follows links that stay inside the work directory', async () => {
    await expect(
      resolveInWorkDir(workDir, 'inner-link/app.yaml', 'path'),
    ).resolves.toBe(path.join(real(workDir), 'src/app.yaml'));
  });

  it.each([
    ['..', 'a parent directory'],
    ['../secret.txt', 'a sibling file'],
    ['src/../../work2/x', 'a path that climbs out and back sideways'],
    ['a/b/../../../x', 'a path climbing out from a missing directory'],
    ['/etc/passwd', 'an absolute path'],
  ])('refuses %s (%s) as a terminal error naming the field', async relative => {
    const error = await resolveInWorkDir(workDir, relative, 'inPath').catch(
      e => e,
    );
    expect(isTerminalStepError(error)).toBe(true);
    expect(error.message).toContain('inPath');
    expect(error.message).toContain('outside');
  });

  it.each([
    ['outer-link', 'a link to an outside directory'],
    ['outer-link/file.txt', 'a file through a link to an outside directory'],
    ['outer-link/new.txt', 'a new file through a link to an outside directory'],
    ['outer-file-link', 'a link to an outside file'],
    ['dangling-outer', 'a dangling link that points outside'],
    ['dangling-chain', 'a link to a dangling link that points outside'],
    ['inner-link/../outer-link/file.txt', 'a mix of inner and outer links'],
  ])('refuses %s (%s)', async relative => {
    const error = await resolveInWorkDir(workDir, relative, 'path').catch(
      e => e,
    );
    expect(isTerminalStepError(error)).toBe(true);
    expect(error.message).toContain('symbolic link');
    expect(error.message).toContain('path');
  });

  it('follows a dangling link to where writing through it would create a file', async () => {
    await expect(
      resolveInWorkDir(workDir, 'dangling-inner', 'path'),
    ).resolves.toBe(path.join(real(workDir), 'src/new.yaml'));
  });

  it('refuses an empty path', async () => {
    const error = await resolveInWorkDir(workDir, '', 'outFile').catch(e => e);
    expect(isTerminalStepError(error)).toBe(true);
    expect(error.message).toBe('outFile must be a non-empty path');
  });

  it('works when the work directory itself is reached through a link', async () => {
    mockDir.addContent({ 'work-link': ({ symlink }) => symlink('work') });
    await expect(
      resolveInWorkDir(mockDir.resolve('work-link'), 'src/app.yaml', 'path'),
    ).resolves.toBe(path.join(real(workDir), 'src/app.yaml'));
  });
});
