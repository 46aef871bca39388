import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as createPack, Header } from 'tar-stream';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createUntarStep } from './untar';

/** An archive of the given entries, which may be anything a hostile archive holds. */
async function makeArchive(
  entries: Array<Partial<Header> & { name: string; content?: string | Buffer }>,
): Promise<Buffer> {
  const pack = createPack();
  const chunks: Buffer[] = [];
  pack.on('data', chunk => {
    chunks.push(chunk as Buffer);
  });
  const ended = new Promise<void>(resolve => pack.on('end', () => resolve()));
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) =>
      pack.entry(header, content ?? Buffer.alloc(0), error =>
        error ? reject(error) : resolve(),
      ),
    );
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

describe('untar', () => {
  const step = createUntarStep();
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.path });
  const run = (config: Record<string, unknown>, runner = step) =>
    runner.run(context(), runner.parseConfig(config));
  const write = (file: string, data: Buffer) =>
    fs.writeFileSync(path.join(mockDir.path, file), data);
  /** Every path under `dir` (links not followed), with `/` after directories and `-> target` after links. */
  const tree = (dir: string, prefix = ''): string[] =>
    fs
      .readdirSync(path.join(mockDir.path, dir))
      .sort()
      .flatMap(name => {
        const full = path.join(mockDir.path, dir, name);
        const stats = fs.lstatSync(full);
        if (stats.isSymbolicLink()) {
          return [`${prefix}${name} -> ${fs.readlinkSync(full)}`];
        }
        return stats.isDirectory()
          ? [
              `${prefix}${name}/`,
              ...tree(path.join(dir, name), `${prefix}${name}/`),
            ]
          : [`${prefix}${name}`];
      });

  beforeEach(() => mockDir.clear());

  it.each([
    [{ outPath: 'out' }, '(root): inPath is required'],
    [{ inPath: 'a.tar' }, '(root): outPath is required'],
    [
      { inPath: 'a.tar', outPath: 'out', stripComponents: -1 },
      'stripComponents: Number must be greater than or equal to 0',
    ],
    [
      { inPath: 'a.tar', outPath: 'out', stripComponents: 1.5 },
      'stripComponents: Invalid type. Expected: integer, given: float',
    ],
    [
      { inPath: 'a.tar', outPath: 'out', ignore: '' },
      'ignore: String length must be greater than or equal to 1',
    ],
    [
      { inPath: 'a.tar', outPath: 'out', overwrite: true },
      '(root): Additional property overwrite is not allowed',
    ],
  ])('refuses config %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(
      new TerminalStepError(`invalid untar config: ${problem}`),
    );
  });

  it('extracts a gzipped archive made by GNU tar, replacing what was at outPath', async () => {
    mockDir.setContent({
      src: { 'a.txt': 'A', bin: { run: 'echo hi' } },
      out: { 'stale.txt': 'old' },
    });
    fs.chmodSync(path.join(mockDir.path, 'src/bin/run'), 0o755);
    execFileSync('tar', ['-czf', 'src.tgz', '-C', 'src', '.'], {
      cwd: mockDir.path,
    });
    await expect(
      run({ inPath: 'src.tgz', outPath: 'out', stripComponents: 1 }),
    ).resolves.toEqual({ status: 'Succeeded' });
    expect(tree('out')).toEqual(['a.txt', 'bin/', 'bin/run']);
    expect(
      fs.statSync(path.join(mockDir.path, 'out/bin/run')).mode & 0o777,
    ).toBe(0o755);
    // No temporary directory is left behind.
    expect(fs.readdirSync(mockDir.path).sort()).toEqual([
      'out',
      'src',
      'src.tgz',
    ]);
  });

  it('strips components and follows ignore rules relative to the stripped root', async () => {
    write(
      'a.tar',
      await makeArchive([
        { name: 'top', type: 'file', content: 'too short' },
        { name: 'pkg/', type: 'directory' },
        { name: 'pkg/keep.yaml', type: 'file', content: 'k' },
        { name: 'pkg/debug.log', type: 'file', content: 'd' },
        { name: 'pkg/docs/', type: 'directory' },
        { name: 'pkg/docs/x.md', type: 'file', content: 'x' },
        { name: 'pkg/.git/HEAD', type: 'file', content: 'ref' },
      ]),
    );
    await run({
      inPath: 'a.tar',
      outPath: 'out',
      stripComponents: 1,
      ignore: '*.log\n# docs too\ndocs/\n',
    });
    expect(tree('out')).toEqual(['.git/', '.git/HEAD', 'keep.yaml']);
    await run({ inPath: 'a.tar', outPath: 'plain' });
    expect(tree('plain')).toEqual([
      'pkg/',
      'pkg/debug.log',
      'pkg/docs/',
      'pkg/docs/x.md',
      'pkg/keep.yaml',
      'top',
    ]);
  });

  it('keeps every entry inside outPath: traversal, absolute paths and escaping links are skipped', async () => {
    mockDir.setContent({ 'secret.txt': 'do not touch' });
    write(
      'evil.tar',
      gzipSync(
        await makeArchive([
          { name: '../secret.txt', type: 'file', content: 'pwned' },
          { name: 'a/../../secret.txt', type: 'file', content: 'pwned' },
          { name: '/etc/evil', type: 'file', content: 'pwned' },
          { name: './dot', type: 'file', content: 'x' },
          { name: 'win\\path', type: 'file', content: 'x' },
          { name: 'up', type: 'symlink', linkname: '..' },
          { name: 'abs', type: 'symlink', linkname: '/etc' },
          { name: 'sub/deep', type: 'symlink', linkname: '../../x' },
          { name: 'dev', type: 'character-device' },
          { name: 'ok', type: 'symlink', linkname: 'sub' },
          { name: 'sub/file', type: 'file', content: 'fine' },
          // Written through a link the archive made: skipped.
          { name: 'ok/through', type: 'file', content: 'x' },
          { name: 'hard', type: 'link', linkname: '/etc/passwd' },
        ]),
      ),
    );
    const recording = context();
    await step.run(recording, { inPath: 'evil.tar', outPath: 'out' });
    expect(tree('out')).toEqual(['ok -> sub', 'sub/', 'sub/file']);
    expect(fs.readFileSync(path.join(mockDir.path, 'secret.txt'), 'utf8')).toBe(
      'do not touch',
    );
    expect(recording.log.info).toEqual(
      expect.arrayContaining([
        'skipping "../secret.txt": its path is not a safe relative path',
        'skipping "up": its link target ".." leaves the archive',
        'skipping "abs": its link target "/etc" leaves the archive',
        'skipping "ok/through": it would be written through a symbolic link',
      ]),
    );
  });

  it('aborts on a file, a total or a number of entries over the limits, leaving outPath as it was', async () => {
    mockDir.setContent({ out: { 'kept.txt': 'kept' } });
    const limited = createUntarStep({
      limits: { maxFileBytes: 10, maxTotalBytes: 15, maxEntries: 3 },
    });
    write(
      'big.tar',
      await makeArchive([
        { name: 'big', type: 'file', content: 'x'.repeat(11) },
      ]),
    );
    await expect(
      run({ inPath: 'big.tar', outPath: 'out' }, limited),
    ).rejects.toThrow(
      'failed to extract tar file "big.tar": extraction aborted: file big exceeds size limit of 10 bytes',
    );
    write(
      'many.tar',
      await makeArchive([
        { name: 'a', type: 'file', content: 'x'.repeat(8) },
        { name: 'b', type: 'file', content: 'x'.repeat(8) },
      ]),
    );
    await expect(
      run({ inPath: 'many.tar', outPath: 'out' }, limited),
    ).rejects.toThrow(
      'failed to extract tar file "many.tar": extraction aborted: total size would exceed limit of 15 bytes',
    );
    write(
      'entries.tar',
      await makeArchive(
        ['a/', 'b/', 'c/', 'd/'].map(name => ({ name, type: 'directory' })),
      ),
    );
    await expect(
      run({ inPath: 'entries.tar', outPath: 'out' }, limited),
    ).rejects.toThrow(
      'failed to extract tar file "entries.tar": extraction aborted: the archive has more than 3 entries',
    );
    expect(tree('out')).toEqual(['kept.txt']);
    expect(fs.readdirSync(mockDir.path).filter(n => n.startsWith('.'))).toEqual(
      [],
    );
  });

  it('refuses to replace the work directory and names a file that is not an archive', async () => {
    await expect(run({ inPath: 'a.tar', outPath: '.' })).rejects.toThrow(
      new TerminalStepError(
        'outPath "." is the work directory itself, which untar would replace',
      ),
    );
    mockDir.setContent({ 'a.tar': 'not an archive at all' });
    await expect(run({ inPath: 'a.tar', outPath: 'out' })).rejects.toThrow(
      /^failed to extract tar file "a.tar": /,
    );
    await expect(
      run({ inPath: 'missing.tar', outPath: 'out' }),
    ).rejects.toThrow(
      /^failed to extract tar file "missing.tar": ENOENT: no such file or directory/,
    );
  });
});
