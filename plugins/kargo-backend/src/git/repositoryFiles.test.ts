import fs from 'node:fs/promises';
import path from 'node:path';
import { GitTestServer, runGit } from '../__testUtils__/services/gitServer';
import { gitDirsOf, readConfig, readHead, readRef } from './repositoryFiles';

/*
 * The file readers must give git's own answer or none: every case compares them with `git rev-parse` and
 * `git config` on real repositories, in each layout git-clone makes (a clone with its repository elsewhere, a
 * working tree of a bare clone) and a plain clone.
 */
describe('repositoryFiles', () => {
  let server: GitTestServer;
  let url: string;
  const git = (cwd: string, ...args: string[]) =>
    runGit(['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], {
      cwd,
    }).then(out => out.trim());

  beforeAll(async () => {
    server = await GitTestServer.create();
    const repo = await server.createRepository('gitops');
    await repo.commit([
      { files: { 'a.yaml': 'a: 1\n' }, tags: [{ name: 'v1' }] },
      { files: { 'a.yaml': 'a: 2\n' } },
      { branch: 'stage/dev', from: 'main', files: { 'b.yaml': 'b\n' } },
    ]);
    url = server.fileUrl('gitops');
  });

  afterAll(() => server.stop());

  /** A working tree of each layout, on `branch`. */
  async function layouts(branch = 'main'): Promise<Record<string, string>> {
    const dir = await server.tempDir('layouts-');
    const separate = path.join(dir, 'separate');
    await git(
      dir,
      'clone',
      '-q',
      '--branch',
      branch,
      `--separate-git-dir=${path.join(dir, 'separate.git')}`,
      url,
      separate,
    );
    await git(dir, 'clone', '-q', '--bare', url, 'bare.git');
    const linked = path.join(dir, 'linked');
    await git(
      path.join(dir, 'bare.git'),
      'worktree',
      'add',
      '-q',
      linked,
      branch,
    );
    const plain = path.join(dir, 'plain');
    await git(dir, 'clone', '-q', '--branch', branch, url, plain);
    return { separate, linked, plain };
  }

  async function headOfGit(tree: string) {
    const head = await git(tree, 'rev-parse', 'HEAD');
    const ref = await git(tree, 'rev-parse', '--symbolic-full-name', 'HEAD');
    return ref.startsWith('refs/heads/')
      ? { head, branch: ref.slice('refs/heads/'.length) }
      : { head };
  }

  it('reads HEAD as git does in every layout: a branch, after a commit, packed refs, detached', async () => {
    for (const [layout, tree] of Object.entries(await layouts('stage/dev'))) {
      expect([layout, await readHead(tree)]).toEqual([
        layout,
        await headOfGit(tree),
      ]);
      await fs.writeFile(path.join(tree, 'c.yaml'), `${layout}\n`);
      await git(tree, 'add', '--all');
      await git(tree, 'commit', '-q', '-m', 'change');
      const afterCommit = await readHead(tree);
      expect(afterCommit).toEqual(await headOfGit(tree));
      expect(afterCommit?.branch).toBe('stage/dev');

      await git(tree, 'pack-refs', '--all');
      expect(await readHead(tree)).toEqual(await headOfGit(tree));

      await git(tree, 'checkout', '-q', '--detach', 'HEAD~1');
      const detached = await readHead(tree);
      expect(detached).toEqual(await headOfGit(tree));
      expect(detached?.branch).toBeUndefined();
    }
  });

  it('leaves an unborn branch, a reftable repository and a missing .git to git', async () => {
    const dir = await server.tempDir('unusual-');
    await git(dir, 'init', '-q', '-b', 'main', 'empty');
    expect(await readHead(path.join(dir, 'empty'))).toBeUndefined();
    expect(await readHead(path.join(dir, 'nothing'))).toBeUndefined();

    const tree = (await layouts()).plain;
    await fs.mkdir(path.join(tree, '.git', 'reftable'));
    expect(await readHead(tree)).toBeUndefined();
    expect(await gitDirsOf(tree)).toBeUndefined();
  });

  it('reads a branch of a fresh bare clone from its packed-refs, and nothing for a branch it lacks', async () => {
    const dir = await server.tempDir('bare-');
    await git(dir, 'clone', '-q', '--bare', url, 'bare.git');
    const bare = path.join(dir, 'bare.git');
    const dirs = { gitDir: bare, commonDir: bare };
    for (const ref of ['refs/heads/main', 'refs/heads/stage/dev']) {
      expect(await readRef(dirs, ref)).toBe(
        await git(bare, 'rev-parse', '--verify', `${ref}^{commit}`),
      );
    }
    expect(await readRef(dirs, 'refs/heads/nope')).toBeUndefined();
    expect(await readRef(dirs, 'refs/heads/../../config')).toBeUndefined();
    expect(await readRef(dirs, 'HEAD')).toBeUndefined();
  });

  describe('readConfig', () => {
    const KEYS = ['remote.origin.url', 'kargoportal.gnupghome', 'user.name'];

    /** What `git config --get` answers for each key. */
    async function fromGit(tree: string): Promise<Map<string, string>> {
      const values = new Map<string, string>();
      for (const key of KEYS) {
        const value = await runGit(['config', '--get', key], {
          cwd: tree,
        }).catch(() => undefined);
        if (value !== undefined) values.set(key, value.replace(/\n$/, ''));
      }
      return values;
    }

    it('reads the values git-clone writes, in every layout, as git config does', async () => {
      for (const tree of Object.values(await layouts())) {
        await git(tree, 'config', 'kargoportal.gnupghome', '/tmp/kp-gpg-x');
        await git(tree, 'config', 'user.name', 'Release Bot');
        const read = await readConfig((await gitDirsOf(tree))!, KEYS);
        expect(read).toEqual(await fromGit(tree));
        expect(read?.get('remote.origin.url')).toBe(url);
      }
    });

    it.each([
      ['a value with spaces', ['user.name', '  Release  Bot ']],
      [
        'a URL with a port and a path',
        ['remote.origin.url', 'ssh://git@example.com:2222/org/repo.git'],
      ],
      [
        'a second value of the key, which wins',
        ['remote.origin.url', 'https://example.com/second.git', '--add'],
      ],
      ['a value with a quote', ['user.name', 'Release "Bot"']],
      ['a value with a backslash', ['user.name', 'Release\\Bot']],
      ['a value with a comment character', ['user.name', 'Release #1']],
      ['a value with a newline', ['user.name', 'Release\nBot']],
    ])(
      'agrees with git or leaves it to git: %s',
      async (_, [key, value, add]) => {
        const { plain } = await layouts();
        await git(plain, 'config', ...(add ? [add] : []), key, value);
        const read = await readConfig((await gitDirsOf(plain))!, KEYS);
        // git's answer, or none; a value that git quotes or escapes is always left to git.
        expect([undefined, await fromGit(plain)]).toContainEqual(read);
        expect(read === undefined || !/["\\#\n]/.test(value)).toBe(true);
      },
    );

    it('leaves includes, per-worktree config and continuation lines to git', async () => {
      const { plain } = await layouts();
      const dirs = (await gitDirsOf(plain))!;
      const file = path.join(dirs.commonDir, 'config');
      const original = await fs.readFile(file, 'utf8');
      for (const extra of [
        '[include]\n\tpath = other.config\n',
        '[includeIf "gitdir:/x/"]\n\tpath = other.config\n',
        '[user]\n\tname = Release \\\n\tBot\n',
      ]) {
        await fs.writeFile(file, original + extra);
        expect(await readConfig(dirs, KEYS)).toBeUndefined();
      }
      await fs.writeFile(file, original);
      await fs.writeFile(
        path.join(dirs.gitDir, 'config.worktree'),
        '[user]\n\tname = X\n',
      );
      expect(await readConfig(dirs, KEYS)).toBeUndefined();
    });
  });
});
