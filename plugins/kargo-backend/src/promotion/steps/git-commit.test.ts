import fs from 'node:fs/promises';
import path from 'node:path';
import {
  isTerminalStepError,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import { GitTestServer, runGit } from '../../__testUtils__/services/gitServer';
import { createStepContext } from '../../__testUtils__/stepContext';
import { GitClient } from '../../git/GitClient';
import { createGitClearStep } from './git-clear';
import { createGitCloneStep } from './git-clone';
import { createGitCommitStep } from './git-commit';
import { createGitTagStep } from './git-tag';

describe('git-commit, git-clear and git-tag', () => {
  let server: GitTestServer;
  let git: GitClient;
  let clone: PromotionStepRunner<unknown>;
  let commit: PromotionStepRunner<unknown>;
  let clear: PromotionStepRunner<unknown>;
  let tag: PromotionStepRunner<unknown>;
  let head: string;

  beforeAll(async () => {
    server = await GitTestServer.create();
    git = await GitClient.create({
      identity: { name: 'Portal', email: 'portal@example.com' },
      tmpDir: await server.tempDir('client-'),
    });
    clone = createGitCloneStep({ git }) as PromotionStepRunner<unknown>;
    commit = createGitCommitStep({ git }) as PromotionStepRunner<unknown>;
    clear = createGitClearStep({ git }) as PromotionStepRunner<unknown>;
    tag = createGitTagStep({ git }) as PromotionStepRunner<unknown>;
    const repo = await server.createRepository('gitops');
    [, head] = await repo.commit([
      { files: { 'a.yaml': 'a\n', 'dir/b.yaml': 'b\n' } },
      { files: { 'c.yaml': 'c\n' } },
    ]);
  });

  afterAll(async () => {
    await git.close();
    await server.stop();
  });

  const run = (
    step: PromotionStepRunner<unknown>,
    ctx: ReturnType<typeof createStepContext>,
    config: unknown,
  ) => step.run(ctx, step.parseConfig(config));

  /** A fresh promotion with the repository cloned to ./out. */
  async function cloned(author?: { name: string; email: string }) {
    const ctx = createStepContext({ workDir: await server.tempDir('promo-') });
    await run(clone, ctx, {
      repoURL: server.fileUrl('gitops'),
      author,
      checkout: [{ branch: 'main', path: 'out' }],
    });
    const out = path.join(ctx.workDir, 'out');
    const gitIn = (args: string[]) => runGit(args, { cwd: out });
    return { ctx, out, gitIn };
  }

  describe('git-commit', () => {
    it('commits every change: new, modified, deleted and untracked files', async () => {
      const { ctx, out, gitIn } = await cloned();
      await fs.writeFile(path.join(out, 'a.yaml'), 'changed\n');
      await fs.rm(path.join(out, 'dir/b.yaml'));
      await fs.mkdir(path.join(out, 'new'));
      await fs.writeFile(path.join(out, 'new/d.yaml'), 'd\n');
      const message =
        'Promote to dev\n\nimage: v1.2.3\n# not a comment to strip';
      const result = await run(commit, ctx, { path: './out', message });

      const sha = (await gitIn(['rev-parse', 'HEAD'])).trim();
      expect(result).toEqual({ status: 'Succeeded', output: { commit: sha } });
      expect(await gitIn(['log', '-1', '--format=%B'])).toBe(`${message}\n\n`);
      expect(await gitIn(['log', '-1', '--format=%an <%ae>|%cn <%ce>'])).toBe(
        'Portal <portal@example.com>|Portal <portal@example.com>\n',
      );
      expect(
        (await gitIn(['show', '--name-status', '--format=', 'HEAD']))
          .split('\n')
          .filter(Boolean)
          .sort(),
      ).toEqual(['A\tnew/d.yaml', 'D\tdir/b.yaml', 'M\ta.yaml']);
      expect(await gitIn(['status', '--porcelain'])).toBe('');
    });

    it('is skipped with the HEAD commit when nothing changed (Kargo)', async () => {
      const { ctx } = await cloned();
      const result = await run(commit, ctx, {
        path: 'out',
        message: 'nothing',
      });
      expect(result).toEqual({
        status: 'Skipped',
        message: 'no changes to commit',
        output: { commit: head },
      });
    });

    it('commits as the clone’s author, or the deprecated author field', async () => {
      const { ctx, out, gitIn } = await cloned({
        name: 'Release Bot',
        email: 'release@example.com',
      });
      await fs.writeFile(path.join(out, 'x'), '1');
      await run(commit, ctx, { path: 'out', message: 'by clone author' });
      expect(await gitIn(['log', '-1', '--format=%an <%ae>'])).toBe(
        'Release Bot <release@example.com>\n',
      );
      await fs.writeFile(path.join(out, 'x'), '2');
      await run(commit, ctx, {
        path: 'out',
        message: 'by step author',
        author: { name: 'Someone', email: 'someone@example.com' },
      });
      expect(await gitIn(['log', '-1', '--format=%an <%ae>|%cn <%ce>'])).toBe(
        'Someone <someone@example.com>|Someone <someone@example.com>\n',
      );
    });

    it('refuses a path that is not the top of a working tree', async () => {
      const { ctx } = await cloned();
      const error = await run(commit, ctx, {
        path: 'out/dir',
        message: 'm',
      }).catch(e => e);
      expect(isTerminalStepError(error)).toBe(true);
      expect(error.message).toMatch(/not the top of a Git working tree/);
    });

    it('never reaches a repository above the work directory', async () => {
      // The work directory sits inside another repository's working tree.
      const outer = await server.tempDir('outer-');
      await runGit(['init', '--quiet', outer]);
      const workDir = path.join(outer, 'promo');
      await fs.mkdir(workDir);
      await fs.mkdir(path.join(workDir, 'plain'));
      const ctx = createStepContext({ workDir });
      const error = await run(commit, ctx, {
        path: 'plain',
        message: 'm',
      }).catch(e => e);
      expect(isTerminalStepError(error)).toBe(true);
      expect(error.message).toMatch(/not a git repository/i);
      expect(
        await runGit(['log', '--oneline'], { cwd: outer }).catch(
          () => 'no commits',
        ),
      ).toBe('no commits');
    });

    it.each([
      ['no message', { path: 'out' }, /message is required/],
      [
        'an empty message',
        { path: 'out', message: '' },
        /message: String length/,
      ],
      [
        'an unknown field',
        { path: 'out', message: 'm', messageFromSteps: ['a'] },
        /Additional property messageFromSteps/,
      ],
    ])('refuses config with %s', (_name, config, message) => {
      expect(() => commit.parseConfig(config)).toThrow(message);
    });
  });

  describe('git-clear', () => {
    it('removes tracked and untracked files but keeps the repository', async () => {
      const { ctx, out, gitIn } = await cloned();
      await fs.writeFile(path.join(out, 'untracked.txt'), 'u');
      expect(await run(clear, ctx, { path: 'out' })).toEqual({
        status: 'Succeeded',
      });
      expect(await fs.readdir(out)).toEqual(['.git']);
      await fs.writeFile(path.join(out, 'rendered.yaml'), 'r\n');
      await run(commit, ctx, { path: 'out', message: 'replace everything' });
      expect((await gitIn(['ls-tree', '--name-only', 'HEAD'])).trim()).toBe(
        'rendered.yaml',
      );
    });

    it('refuses unknown fields', () => {
      expect(() => clear.parseConfig({ path: 'out', force: true })).toThrow(
        /Additional property force/,
      );
    });
  });

  describe('git-tag', () => {
    it('creates an annotated tag at HEAD, and finds it again on a re-run', async () => {
      const { ctx, gitIn } = await cloned();
      const config = {
        path: 'out',
        tag: 'release/v1',
        message: 'Release v1\n\nnotes',
      };
      expect(await run(tag, ctx, config)).toEqual({
        status: 'Succeeded',
        output: { commit: head },
      });
      expect((await gitIn(['cat-file', '-t', 'release/v1'])).trim()).toBe(
        'tag',
      );
      expect(
        await gitIn(['tag', '-l', '--format=%(contents)', 'release/v1']),
      ).toBe('Release v1\n\nnotes\n\n');
      expect(await run(tag, ctx, config)).toEqual({
        status: 'Succeeded',
        output: { commit: head },
      });
    });

    it('refuses to move a tag without force, and moves it with force', async () => {
      const { ctx, out, gitIn } = await cloned();
      await run(tag, ctx, { path: 'out', tag: 'moving', message: 'first' });
      await fs.writeFile(path.join(out, 'x'), '1');
      const { output } = await run(commit, ctx, {
        path: 'out',
        message: 'next',
      });
      const error = await run(tag, ctx, {
        path: 'out',
        tag: 'moving',
        message: 'again',
      }).catch(e => e);
      expect(isTerminalStepError(error)).toBe(true);
      expect(error.message).toMatch(/already exists/);
      await run(tag, ctx, {
        path: 'out',
        tag: 'moving',
        message: 'again',
        force: true,
      });
      expect((await gitIn(['rev-parse', 'moving^{commit}'])).trim()).toBe(
        output?.commit,
      );
    });

    it.each([
      ['no message', { path: 'out', tag: 'v1' }, /message is required/],
      [
        'an option as tag',
        { path: 'out', tag: '-d', message: 'm' },
        /not a valid Git ref name/,
      ],
      [
        'a tag with a space',
        { path: 'out', tag: 'v 1', message: 'm' },
        /not a valid Git ref name/,
      ],
    ])('refuses config with %s', (_name, config, message) => {
      expect(() => tag.parseConfig(config)).toThrow(message);
    });
  });
});
