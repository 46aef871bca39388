import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract as createExtract, Header } from 'tar-stream';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createTarStep, TAR_MAX_FILE_BYTES } from './tar';
import { createUntarStep } from './untar';

/** The entries of an archive: name, type, and the text of files or the target of links. */
async function listArchive(
  data: Buffer,
): Promise<Array<{ name: string; type: Header['type']; content?: string }>> {
  const extract = createExtract();
  const entries: Array<{
    name: string;
    type: Header['type'];
    content?: string;
  }> = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const { name, type, linkname } = entry.header;
      entries.push({
        name,
        type,
        ...(type === 'file' && { content: Buffer.concat(chunks).toString() }),
        ...(type === 'symlink' && { content: `-> ${linkname}` }),
      });
    }
  })();
  extract.end(data[0] === 0x1f ? gunzipSync(data) : data);
  await done;
  return entries;
}

describe('tar', () => {
  const step = createTarStep();
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.path });
  const run = (config: Record<string, unknown>) =>
    step.run(context(), step.parseConfig(config));
  const archive = (file: string) =>
    listArchive(fs.readFileSync(path.join(mockDir.path, file)));

  beforeEach(() => mockDir.clear());

  it.each([
    [{ outPath: 'a.tar' }, '(root): inPath is required'],
    [{ inPath: 'src' }, '(root): outPath is required'],
    [
      { inPath: '', outPath: 'a.tar' },
      'inPath: String length must be greater than or equal to 1',
    ],
    [
      { inPath: 'src', outPath: 'a.tar', gzip: 'yes' },
      'gzip: Invalid type. Expected: boolean, given: string',
    ],
    [
      { inPath: 'src', outPath: 'a.tar', ignore: '' },
      'ignore: String length must be greater than or equal to 1',
    ],
    [
      { inPath: 'src', outPath: 'a.tar', level: 9 },
      '(root): Additional property level is not allowed',
    ],
  ])('refuses config %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(
      new TerminalStepError(`invalid tar config: ${problem}`),
    );
  });

  it('archives the contents of a directory, links as links, without .git by default', async () => {
    mockDir.setContent({
      src: {
        'a.txt': 'A',
        sub: { 'b.txt': 'B' },
        '.git': { HEAD: 'ref' },
        link: (ctx: { symlink(target: string): void }) => ctx.symlink('a.txt'),
      },
    });
    await expect(
      run({ inPath: 'src', outPath: 'out/src.tar' }),
    ).resolves.toEqual({ status: 'Succeeded' });
    expect(await archive('out/src.tar')).toEqual([
      { name: 'a.txt', type: 'file', content: 'A' },
      { name: 'link', type: 'symlink', content: '-> a.txt' },
      { name: 'sub/', type: 'directory' },
      { name: 'sub/b.txt', type: 'file', content: 'B' },
    ]);
    expect(fs.readdirSync(path.join(mockDir.path, 'out'))).toEqual(['src.tar']);
  });

  it('gzips when asked, follows the ignore rules and archives a single file under its name', async () => {
    mockDir.setContent({
      src: {
        'keep.yaml': 'k',
        'skip.log': 's',
        tmp: { 'x.yaml': 'x' },
        '.git': { HEAD: 'ref' },
      },
      'one.txt': 'one',
    });
    await run({
      inPath: 'src',
      outPath: 'src.tgz',
      gzip: true,
      ignore: '# logs\n*.log\n\ntmp/\n',
    });
    const data = fs.readFileSync(path.join(mockDir.path, 'src.tgz'));
    expect([...data.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    // Rules given: .git is no longer left out by default, as in Kargo.
    expect((await listArchive(data)).map(e => e.name)).toEqual([
      '.git/',
      '.git/HEAD',
      'keep.yaml',
    ]);

    await run({ inPath: 'one.txt', outPath: 'one.tar' });
    expect(await archive('one.tar')).toEqual([
      { name: 'one.txt', type: 'file', content: 'one' },
    ]);
  });

  it('round-trips through untar', async () => {
    mockDir.setContent({
      src: { 'a.txt': 'A', deep: { er: { 'b.txt': 'B' } } },
    });
    await run({ inPath: 'src', outPath: 'src.tar.gz', gzip: true });
    await createUntarStep().run(context(), {
      inPath: 'src.tar.gz',
      outPath: 'copy',
    });
    expect(
      fs.readFileSync(path.join(mockDir.path, 'copy/deep/er/b.txt'), 'utf8'),
    ).toBe('B');
    expect(fs.readFileSync(path.join(mockDir.path, 'copy/a.txt'), 'utf8')).toBe(
      'A',
    );
  });

  it('refuses a file over the size limit, and leaves no partial archive', async () => {
    mockDir.setContent({ src: { 'small.txt': 's' } });
    // A sparse file: large, but nothing to write.
    const big = path.join(mockDir.path, 'src', 'big.bin');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, TAR_MAX_FILE_BYTES + 1);
    await expect(run({ inPath: 'src', outPath: 'src.tar' })).rejects.toThrow(
      `failed to create the tar archive "src.tar": file "big.bin" size (${
        TAR_MAX_FILE_BYTES + 1
      } bytes) exceeds the maximum allowed single file size (${TAR_MAX_FILE_BYTES} bytes)`,
    );
    expect(fs.readdirSync(mockDir.path).sort()).toEqual(['src']);
  });

  it('names a missing input and keeps paths inside the work directory', async () => {
    await expect(run({ inPath: 'nope', outPath: 'a.tar' })).rejects.toThrow(
      /^input path "nope" does not exist: ENOENT/,
    );
    await expect(run({ inPath: '..', outPath: 'a.tar' })).rejects.toThrow(
      new TerminalStepError(
        `inPath ".." points outside the promotion's work directory`,
      ),
    );
    mockDir.setContent({ src: { a: 'a' } });
    await expect(run({ inPath: 'src', outPath: '/tmp/a.tar' })).rejects.toThrow(
      new TerminalStepError(
        `outPath "/tmp/a.tar" points outside the promotion's work directory`,
      ),
    );
  });
});
