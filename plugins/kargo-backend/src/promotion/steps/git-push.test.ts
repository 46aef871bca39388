import fs from 'node:fs/promises';
import path from 'node:path';
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
import { createGitCommitStep } from './git-commit';
import { createGitPushStep } from './git-push';
import { createGitTagStep } from './git-tag';

const CREDENTIALS = { username: 'pusher', password: 'push-secret-123' };

describe('git-push', () => {
  let server: GitTestServer;
  let git: GitClient;
  let clone: PromotionStepRunner<unknown>;
  let commit: PromotionStepRunner<unknown>;
  let push: PromotionStepRunner<unknown>;
  let tag: PromotionStepRunner<unknown>;
  let counter = 0;

  beforeAll(async () => {
    server = await GitTestServer.create();
    await server.startHttp({ auth: CREDENTIALS });
    git = await GitClient.create({ tmpDir: await server.tempDir('client-') });
    const deps = { git, pushBackoffMs: () => 0 };
    clone = createGitCloneStep(deps) as PromotionStepRunner<unknown>;
    commit = createGitCommitStep(deps) as PromotionStepRunner<unknown>;
    push = createGitPushStep(deps) as PromotionStepRunner<unknown>;
    tag = createGitTagStep(deps) as PromotionStepRunner<unknown>;
  });

  afterAll(async () => {
    await git.close();
    await server.stop();
  });

  afterEach(() => {
    server.configureHttp({ auth: CREDENTIALS });
  });

  const run = (
    step: PromotionStepRunner<unknown>,
    ctx: ReturnType<typeof createStepContext>,
    config: unknown,
  ) => step.run(ctx, step.parseConfig(config));

  /** A new remote repository, and a promotion that cloned it over HTTP and committed a change to ./out. */
  async function promotion(options: { branch?: string } = {}) {
    counter += 1;
    const name = `repo-${counter}`;
    const repo = await server.createRepository(name);
    await repo.commit([
      { files: { 'values.yaml': 'tag: v1\n', 'other.yaml': 'x\n' } },
    ]);
    const url = server.httpUrl(name);
    const ctx = createStepContext({
      workDir: await server.tempDir('promo-'),
      promotion: `dev.01j${counter}`,
      credentials: {
        git: async repoURL => (repoURL === url ? CREDENTIALS : undefined),
      },
    });
    await run(clone, ctx, {
      repoURL: url,
      checkout: [{ branch: options.branch ?? 'main', path: 'out' }],
    });
    const out = path.join(ctx.workDir, 'out');
    const change = async (
      file: string,
      content: string,
      message = `set ${file}`,
    ) => {
      await fs.writeFile(path.join(out, file), content);
      return (await run(commit, ctx, { path: 'out', message })).output
        ?.commit as string;
    };
    return { repo, url, ctx, out, change };
  }

  /** A commit made on the remote by someone else. */
  const concurrentCommit = (
    repo: TestRepository,
    file: string,
    content: string,
  ) =>
    repo.commit([
      { files: { [file]: content }, message: `concurrent ${file}` },
    ]);

  it('pushes HEAD to the checked out branch', async () => {
    const { repo, ctx, change } = await promotion();
    const sha = await change('values.yaml', 'tag: v2\n');
    const result = await run(push, ctx, { path: 'out' });
    expect(result).toEqual({
      status: 'Succeeded',
      output: { commit: sha, branch: 'main' },
    });
    expect((await repo.log()).map(c => c.id)[0]).toBe(sha);
    expect(ctx.log.info.join('\n')).not.toContain(CREDENTIALS.password);
  });

  it('is safe to repeat: a commit already on the remote branch is not pushed again', async () => {
    const { repo, ctx, change } = await promotion();
    const sha = await change('values.yaml', 'tag: v2\n');
    await run(push, ctx, { path: 'out' });
    // Someone else pushes on top before the step runs again (a crash before its result was saved).
    await concurrentCommit(repo, 'other.yaml', 'y\n');
    const again = await run(push, ctx, { path: 'out' });
    expect(again).toEqual({
      status: 'Succeeded',
      output: { commit: sha, branch: 'main' },
    });
    const subjects = (await repo.log()).map(c => c.subject);
    expect(subjects.filter(s => s === 'set values.yaml')).toHaveLength(1);
    expect(subjects).toHaveLength(3);
  });

  it('rebases onto commits the remote got meanwhile', async () => {
    const { repo, ctx, change, out } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    const [theirs] = await concurrentCommit(repo, 'other.yaml', 'theirs\n');
    const result = await run(push, ctx, { path: 'out' });
    const log = await repo.log();
    expect(log.map(c => c.subject)).toEqual([
      'set values.yaml',
      'concurrent other.yaml',
      'commit 1',
    ]);
    expect(log[1].id).toBe(theirs);
    expect(result.output?.commit).toBe(log[0].id);
    expect(await repo.show('main', 'values.yaml')).toBe('tag: v2\n');
    expect(await fs.readFile(path.join(out, 'other.yaml'), 'utf8')).toBe(
      'theirs\n',
    );
  });

  it('retries when the branch moves between its fetch and its push', async () => {
    const { repo, ctx, change } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    let raced = 0;
    server.configureHttp({
      auth: CREDENTIALS,
      beforeRequest: async ({ query }) => {
        // The receive-pack advertisement: the moment just before the client decides what to push. The first is
        // the push tried before any fetch; the next two are attempts after a fetch.
        if (query === 'service=git-receive-pack' && raced < 3) {
          raced += 1;
          await concurrentCommit(repo, `race-${raced}.yaml`, 'x\n');
        }
      },
    });
    const result = await run(push, ctx, { path: 'out' });
    expect(result.status).toBe('Succeeded');
    expect(raced).toBe(3);
    expect((await repo.log()).map(c => c.subject)).toEqual([
      'set values.yaml',
      'concurrent race-3.yaml',
      'concurrent race-2.yaml',
      'concurrent race-1.yaml',
      'commit 1',
    ]);
    expect(ctx.log.info.filter(l => /attempt \d+ of 10/.test(l))).toHaveLength(
      2,
    );
  });

  it('gives up after maxAttempts', async () => {
    const { repo, ctx, change } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    let raced = 0;
    server.configureHttp({
      auth: CREDENTIALS,
      beforeRequest: async ({ query }) => {
        if (query === 'service=git-receive-pack') {
          raced += 1;
          await concurrentCommit(repo, `race-${raced}.yaml`, 'x\n');
        }
      },
    });
    const error = await run(push, ctx, { path: 'out', maxAttempts: 3 }).catch(
      e => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(isTerminalStepError(error)).toBe(false);
    expect(error.message).toMatch(/kept moving .* after 3 attempts/);
    // The push tried before any fetch, then 3 attempts.
    expect(raced).toBe(4);
    expect((await repo.log()).map(c => c.subject)).not.toContain(
      'set values.yaml',
    );
  });

  it('fails on a conflict, leaving the working tree out of the rebase', async () => {
    const { repo, ctx, change, out } = await promotion();
    await change('values.yaml', 'tag: mine\n');
    await concurrentCommit(repo, 'values.yaml', 'tag: theirs\n');
    const result = await run(push, ctx, { path: 'out' });
    expect(result.status).toBe('Failed');
    expect(result.message).toMatch(/merge conflict/);
    expect(await runGit(['status', '--porcelain'], { cwd: out })).toBe('');
    expect(await fs.readFile(path.join(out, 'values.yaml'), 'utf8')).toBe(
      'tag: mine\n',
    );
  });

  it('pushes to another branch, or a generated one it may force-push again', async () => {
    const { repo, ctx, change } = await promotion();
    const sha = await change('values.yaml', 'tag: v2\n');
    expect(
      (await run(push, ctx, { path: 'out', targetBranch: 'stage/dev' })).output,
    ).toEqual({
      commit: sha,
      branch: 'stage/dev',
    });
    const generated = `kargo/promotion/${ctx.promotion}`;
    const first = await run(push, ctx, {
      path: 'out',
      generateTargetBranch: true,
    });
    expect(first.output).toEqual({ commit: sha, branch: generated });
    const sha2 = await change('values.yaml', 'tag: v3\n');
    const second = await run(push, ctx, {
      path: 'out',
      generateTargetBranch: true,
    });
    expect(second.output?.commit).toBe(sha2);
    expect((await repo.branches()).sort()).toEqual(
      [generated, 'main', 'stage/dev'].sort(),
    );
    expect((await repo.log(generated))[0].id).toBe(sha2);
  });

  it('force-pushes over history the remote has', async () => {
    const { repo, ctx, change } = await promotion();
    const sha = await change('values.yaml', 'tag: v2\n');
    await concurrentCommit(repo, 'other.yaml', 'gone soon\n');
    const result = await run(push, ctx, { path: 'out', force: true });
    expect(result.output?.commit).toBe(sha);
    expect((await repo.log()).map(c => c.subject)).toEqual([
      'set values.yaml',
      'commit 1',
    ]);
  });

  it('pushes a tag, and accepts the same tag again', async () => {
    const { repo, ctx } = await promotion();
    await run(tag, ctx, { path: 'out', tag: 'v1.0.0', message: 'release' });
    const result = await run(push, ctx, { path: 'out', tag: 'v1.0.0' });
    expect(result.output).toEqual({
      commit: expect.any(String),
      branch: 'main',
    });
    expect(await repo.resolve('refs/tags/v1.0.0')).toBe(result.output?.commit);
    expect((await run(push, ctx, { path: 'out', tag: 'v1.0.0' })).status).toBe(
      'Succeeded',
    );
  });

  it('refuses to push a detached HEAD without targetBranch', async () => {
    const { ctx, repo } = await promotion();
    const [sha] = await repo.commit([{ files: { z: '1' } }]);
    await run(clone, ctx, {
      repoURL: server.httpUrl(repo.name),
      checkout: [{ commit: sha, path: 'detached' }],
    });
    const error = await run(push, ctx, { path: 'detached' }).catch(e => e);
    expect(isTerminalStepError(error)).toBe(true);
    expect(error.message).toMatch(/detached HEAD/);
  });

  it('keeps the password out of errors when the credentials are wrong', async () => {
    const { ctx, change } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    const wrong = 'wrong-secret-987';
    const wrongCtx = {
      ...ctx,
      credentials: {
        git: async () => ({ username: 'pusher', password: wrong }),
      },
    };
    const error = await push
      .run(wrongCtx, push.parseConfig({ path: 'out' }))
      .catch(e => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/Authentication failed/);
    expect(error.message).not.toContain(wrong);
    expect(JSON.stringify(ctx.log)).not.toContain(wrong);
  });

  describe('config', () => {
    it.each([
      [
        'generateTargetBranch with targetBranch',
        { path: 'out', generateTargetBranch: true, targetBranch: 'x' },
        /mutually exclusive/,
      ],
      [
        'tag with targetBranch',
        { path: 'out', tag: 'v1', targetBranch: 'x' },
        /mutually exclusive/,
      ],
      [
        'tag with force',
        { path: 'out', tag: 'v1', force: true },
        /tag and force/,
      ],
      [
        'an unknown provider',
        { path: 'out', provider: 'sourcehut' },
        /provider/,
      ],
      ['zero attempts', { path: 'out', maxAttempts: 0 }, /maxAttempts/],
      [
        'an unknown field',
        { path: 'out', remote: 'upstream' },
        /Additional property remote/,
      ],
      [
        'a branch that looks like an option',
        { path: 'out', targetBranch: '--delete' },
        /not a valid Git ref name/,
      ],
    ])('refuses %s', (_name, config, message) => {
      expect(() => push.parseConfig(config)).toThrow(message);
    });

    it('accepts Kargo’s examples', () => {
      for (const config of [
        { path: './out' },
        { path: './out', generateTargetBranch: true },
        { path: './out', tag: 'v1.0.0' },
        {
          path: './out',
          targetBranch: 'main',
          force: true,
          provider: 'github',
          maxAttempts: 3,
        },
      ]) {
        expect(push.parseConfig(config)).toEqual(config);
      }
    });
  });
});
