import fs from 'node:fs/promises';
import path from 'node:path';
import type { Freight } from '@kargo-portal/plugin-kargo-common';
import {
  isTerminalStepError,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import {
  GitTestServer,
  runGit,
  type TestRepository,
} from '../../__testUtils__/services/gitServer';
import { createStepContext } from '../../__testUtils__/stepContext';
import { GitClient } from '../../git/GitClient';
import { createGitCloneStep } from './git-clone';

function freight(name: string, commits: Freight['commits']): Freight {
  return {
    id: name.padEnd(40, '0'),
    alias: name,
    project: 'demo',
    origin: { kind: 'Warehouse', name },
    commits,
    images: [],
    charts: [],
    createdAt: '2026-01-01T00:00:00Z',
  };
}

describe('git-clone', () => {
  let server: GitTestServer;
  let git: GitClient;
  let step: PromotionStepRunner<unknown>;
  let repo: TestRepository;
  let shas: string[];
  let url: string;

  beforeAll(async () => {
    server = await GitTestServer.create();
    git = await GitClient.create({ tmpDir: await server.tempDir('client-') });
    step = createGitCloneStep({ git }) as PromotionStepRunner<unknown>;
    repo = await server.createRepository('gitops');
    shas = await repo.commit([
      {
        files: { 'base/app.yaml': 'v: 1\n', 'stages/dev/values.yaml': 'a\n' },
        tags: [{ name: 'v1.0.0', message: 'first release' }],
      },
      { files: { 'base/app.yaml': 'v: 2\n' } },
      {
        branch: 'stage/dev',
        from: 'main',
        files: { 'out.yaml': 'rendered\n' },
      },
    ]);
    url = server.fileUrl('gitops');
  });

  afterAll(async () => {
    await git.close();
    await server.stop();
  });

  async function context(
    overrides: Parameters<typeof createStepContext>[0] = {},
  ) {
    return createStepContext({
      workDir: await server.tempDir('promo-'),
      ...overrides,
    });
  }

  const run = async (
    ctx: Awaited<ReturnType<typeof context>>,
    config: unknown,
  ) => step.run(ctx, step.parseConfig(config));

  it('checks out a branch, a commit, a tag and the default branch into working trees', async () => {
    const ctx = await context();
    const result = await run(ctx, {
      repoURL: url,
      checkout: [
        { branch: 'stage/dev', path: './out' },
        { commit: shas[0], path: './src', as: 'source' },
        { tag: 'v1.0.0', path: 'tagged' },
        { path: 'default' },
      ],
    });
    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        commits: {
          './out': shas[2],
          source: shas[0],
          tagged: shas[0],
          default: shas[1],
        },
        commit: shas[2],
      },
    });
    const read = (p: string) => fs.readFile(path.join(ctx.workDir, p), 'utf8');
    expect(await read('out/out.yaml')).toBe('rendered\n');
    expect(await read('src/base/app.yaml')).toBe('v: 1\n');
    expect(await read('default/base/app.yaml')).toBe('v: 2\n');
    expect(
      (
        await runGit(['branch', '--show-current'], {
          cwd: path.join(ctx.workDir, 'out'),
        })
      ).trim(),
    ).toBe('stage/dev');
  });

  it('creates a missing branch as an empty orphan branch on the remote when create is true', async () => {
    const ctx = await context();
    const result = await run(ctx, {
      repoURL: url,
      checkout: [{ branch: 'stage/new', create: true, path: 'out' }],
    });
    const created = await repo.log('stage/new');
    expect(created).toEqual([
      { id: expect.any(String), subject: 'Initial commit' },
    ]);
    expect(result.output?.commit).toBe(created[0].id);
    expect(await fs.readdir(path.join(ctx.workDir, 'out'))).toEqual(['.git']);
    // A later clone finds the branch and leaves it alone.
    const again = await run(await context(), {
      repoURL: url,
      checkout: [{ branch: 'stage/new', create: true, path: 'out' }],
    });
    expect(again.output?.commit).toBe(created[0].id);
    expect(await repo.log('stage/new')).toHaveLength(1);
  });

  it('fails for a missing branch without create', async () => {
    await expect(
      run(await context(), {
        repoURL: url,
        checkout: [{ branch: 'nope', path: 'out' }],
      }),
    ).rejects.toThrow(
      /remote branch "nope" of repo .* does not exist; set create=true/,
    );
  });

  it('refuses a tag named as the branch to check out, as for a missing branch', async () => {
    const ctx = await context();
    const error = await run(ctx, {
      repoURL: url,
      checkout: [{ branch: 'v1.0.0', path: 'out' }],
    }).catch(e => e);
    expect(error.message).toMatch(/remote branch "v1.0.0" .* does not exist/);
  });

  it('takes the commit from the freight with fromFreight (legacy), matching normalized URLs', async () => {
    const ctx = await context({
      freight: [
        freight('app', [{ repoURL: `${url}/`, id: shas[0] }]),
        freight('other', [
          { repoURL: 'https://github.com/acme/other.git', id: 'f'.repeat(40) },
        ]),
      ],
    });
    const result = await run(ctx, {
      repoURL: url,
      checkout: [{ fromFreight: true, path: 'src' }],
    });
    expect(result.output?.commit).toBe(shas[0]);

    const ambiguous = await context({
      freight: [
        freight('a', [{ repoURL: url, id: shas[0] }]),
        freight('b', [{ repoURL: url, id: shas[1] }]),
      ],
    });
    await expect(
      run(ambiguous, {
        repoURL: url,
        checkout: [{ fromFreight: true, path: 'src' }],
      }),
    ).rejects.toThrow(
      /multiple requested Freight could potentially provide a commit/,
    );
    const chosen = await run(ambiguous, {
      repoURL: url,
      checkout: [
        {
          fromFreight: true,
          fromOrigin: { kind: 'Warehouse', name: 'b' },
          path: 'src',
        },
      ],
    });
    expect(chosen.output?.commit).toBe(shas[1]);

    await expect(
      run(await context(), {
        repoURL: url,
        checkout: [{ fromFreight: true, path: 'src' }],
      }),
    ).rejects.toThrow(/not found in referenced Freight/);
  });

  it('checks out only the sparse directories', async () => {
    const ctx = await context();
    await run(ctx, {
      repoURL: url,
      checkout: [{ branch: 'main', path: 'out', sparse: ['stages/dev'] }],
    });
    expect((await fs.readdir(path.join(ctx.workDir, 'out'))).sort()).toEqual([
      '.git',
      'stages',
    ]);
  });

  it('clones one branch into one working tree whose repository is beside the others, with the clone’s config', async () => {
    const ctx = await context();
    const result = await run(ctx, {
      repoURL: url,
      insecureSkipTLSVerify: true,
      author: { name: 'Release Bot', email: 'release@example.com' },
      checkout: [{ branch: 'stage/dev', path: 'out', as: 'dev' }],
    });
    expect(result.output).toEqual({
      commits: { dev: shas[2] },
      commit: shas[2],
    });
    const out = path.join(ctx.workDir, 'out');
    expect(await fs.readFile(path.join(out, 'out.yaml'), 'utf8')).toBe(
      'rendered\n',
    );
    // The working tree's .git names a repository under .kargo-git, as for the working trees of a bare clone.
    const gitFile = await fs.readFile(path.join(out, '.git'), 'utf8');
    expect(
      path.relative(ctx.workDir, gitFile.replace(/^gitdir: /, '').trim()),
    ).toMatch(/^\.kargo-git\//);
    const get = (key: string) =>
      runGit(['config', '--get', key], { cwd: out }).then(v => v.trim());
    expect(await get('user.name')).toBe('Release Bot');
    expect(await get('user.email')).toBe('release@example.com');
    expect(await get('http.sslVerify')).toBe('false');
    expect(await get('remote.origin.url')).toBe(url);
    expect(
      (
        await runGit(['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: out })
      ).trim(),
    ).toBe('stage/dev');
  });

  it('writes the clone’s config with several working trees too', async () => {
    const ctx = await context();
    await run(ctx, {
      repoURL: url,
      insecureSkipTLSVerify: true,
      author: { name: 'Release Bot', email: 'release@example.com' },
      checkout: [
        { branch: 'main', path: 'a' },
        { branch: 'stage/dev', path: 'b' },
      ],
    });
    for (const tree of ['a', 'b']) {
      const cwd = path.join(ctx.workDir, tree);
      expect(
        (await runGit(['config', '--get', 'http.sslVerify'], { cwd })).trim(),
      ).toBe('false');
      expect(
        (await runGit(['config', '--get', 'user.name'], { cwd })).trim(),
      ).toBe('Release Bot');
    }
  });

  it('starts over when run again in the same work directory', async () => {
    const ctx = await context();
    const config = {
      repoURL: url,
      checkout: [{ branch: 'main', path: 'out' }],
    };
    await run(ctx, config);
    await fs.writeFile(path.join(ctx.workDir, 'out', 'leftover.txt'), 'x');
    const again = await run(ctx, config);
    expect(again.output?.commit).toBe(shas[1]);
    await expect(
      fs.stat(path.join(ctx.workDir, 'out', 'leftover.txt')),
    ).rejects.toThrow(/ENOENT/);
  });

  it('refuses to check out over a directory it did not make', async () => {
    const ctx = await context();
    await fs.mkdir(path.join(ctx.workDir, 'out'));
    await fs.writeFile(path.join(ctx.workDir, 'out', 'mine.txt'), 'x');
    const error = await run(ctx, {
      repoURL: url,
      checkout: [{ path: 'out' }],
    }).catch(e => e);
    expect(isTerminalStepError(error)).toBe(true);
    expect(error.message).toMatch(/already exists and is not empty/);
  });

  it('keeps paths inside the work directory', async () => {
    const error = await run(await context(), {
      repoURL: url,
      checkout: [{ path: '../escape' }],
    }).catch(e => e);
    expect(isTerminalStepError(error)).toBe(true);
    expect(error.message).toMatch(/outside the promotion's work directory/);
  });

  it('sets the author of the clone', async () => {
    const ctx = await context();
    await run(ctx, {
      repoURL: url,
      author: { name: 'Release Bot', email: 'release@example.com' },
      checkout: [{ path: 'out' }],
    });
    const name = await runGit(['config', 'user.name'], {
      cwd: path.join(ctx.workDir, 'out'),
    });
    expect(name.trim()).toBe('Release Bot');
  });

  it.each([
    ['the default branch', { path: 'out' }],
    ['one branch', { branch: 'main', path: 'out' }],
  ])(
    'treats a URL that looks like an option as a repository (%s)',
    async (_, checkout) => {
      const marker = path.join(await server.tempDir('marker-'), 'pwned');
      await expect(
        run(await context(), {
          repoURL: `--upload-pack=touch ${marker}`,
          checkout: [checkout],
        }),
      ).rejects.toThrow(/error cloning/);
      await expect(fs.stat(marker)).rejects.toThrow(/ENOENT/);
    },
  );

  it.each([
    ['the default branch', { path: 'out' }],
    ['one branch', { branch: 'main', path: 'out' }],
  ])(
    'reports a clone failure as a retryable error (%s)',
    async (_, checkout) => {
      const error = await run(await context(), {
        repoURL: server.fileUrl('does-not-exist'),
        checkout: [checkout],
      }).catch(e => e);
      expect(error).toBeInstanceOf(Error);
      expect(isTerminalStepError(error)).toBe(false);
      expect(error.message).toMatch(/error cloning/);
    },
  );

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      run(await context({ signal: controller.signal }), {
        repoURL: url,
        checkout: [{ path: 'out' }],
      }),
    ).rejects.toThrow();
  });

  describe('config', () => {
    const REPO = 'https://github.com/example/repo.git';

    it.each([
      [
        'an unknown field',
        { repoURL: REPO, checkout: [{ path: 'a' }], depth: 1 },
        /Additional property depth/,
      ],
      ['no checkout', { repoURL: REPO, checkout: [] }, /checkout/],
      [
        'no path',
        { repoURL: REPO, checkout: [{ branch: 'main' }] },
        /path is required/,
      ],
      [
        'branch and commit together',
        {
          repoURL: REPO,
          checkout: [{ branch: 'main', commit: 'abcd', path: 'a' }],
        },
        /mutually exclusive/,
      ],
      [
        'fromOrigin without fromFreight',
        {
          repoURL: REPO,
          checkout: [
            { path: 'a', fromOrigin: { kind: 'Warehouse', name: 'x' } },
          ],
        },
        /fromOrigin/,
      ],
      [
        'a duplicate alias',
        {
          repoURL: REPO,
          checkout: [
            { path: 'a', as: 'x' },
            { path: 'b', as: 'x' },
          ],
        },
        /duplicate checkout alias "x"/,
      ],
      [
        'a commit that is not an id',
        { repoURL: REPO, checkout: [{ path: 'a', commit: 'HEAD~1' }] },
        /not a commit id/,
      ],
      [
        'a branch that looks like an option',
        { repoURL: REPO, checkout: [{ path: 'a', branch: '--upload-pack=x' }] },
        /not a valid Git ref name/,
      ],
      [
        'a glob in sparse',
        { repoURL: REPO, checkout: [{ path: 'a', sparse: ['src/*'] }] },
        /without glob/,
      ],
      [
        'an invalid author email',
        {
          repoURL: REPO,
          checkout: [{ path: 'a' }],
          author: { name: 'a', email: 'nope' },
        },
        /email/,
      ],
    ])('refuses %s', (_name, config, message) => {
      let error: unknown;
      try {
        step.parseConfig(config);
      } catch (e) {
        error = e;
      }
      expect(isTerminalStepError(error)).toBe(true);
      expect(String(error)).toMatch(message);
    });

    it('accepts Kargo’s documented example', () => {
      expect(
        step.parseConfig({
          repoURL: 'https://github.com/example/repo.git',
          checkout: [
            { commit: 'abc1234', path: './src' },
            { branch: 'stage/dev', create: true, path: './out' },
          ],
        }),
      ).toBeDefined();
    });
  });
});
