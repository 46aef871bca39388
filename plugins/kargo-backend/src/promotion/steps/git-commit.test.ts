import fs from 'node:fs/promises';
import path from 'node:path';
import { isTerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { useGitStepsFixture } from '../../__testUtils__/gitStepsFixture';
import { runGit } from '../../__testUtils__/services/gitServer';
import {
  generateSigningKey,
  TestSigningKey,
  verifyCommit,
} from '../../__testUtils__/services/gpg';
import { createStepContext } from '../../__testUtils__/stepContext';

describe('git-commit', () => {
  const fixture = useGitStepsFixture();
  const { cloned, run, step } = fixture;

  it('commits every change: new, modified, deleted and untracked files', async () => {
    const { ctx, out, gitIn } = await cloned();
    await fs.writeFile(path.join(out, 'a.yaml'), 'changed\n');
    await fs.rm(path.join(out, 'dir/b.yaml'));
    await fs.mkdir(path.join(out, 'new'));
    await fs.writeFile(path.join(out, 'new/d.yaml'), 'd\n');
    const message = 'Promote to dev\n\nimage: v1.2.3\n# not a comment to strip';
    const result = await run('git-commit', ctx, { path: './out', message });

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
    const result = await run('git-commit', ctx, {
      path: 'out',
      message: 'nothing',
    });
    expect(result).toEqual({
      status: 'Skipped',
      message: 'no changes to commit',
      output: { commit: fixture.head() },
    });
  });

  it('commits as the clone’s author, or the deprecated author field', async () => {
    const { ctx, out, gitIn } = await cloned({
      name: 'Release Bot',
      email: 'release@example.com',
    });
    await fs.writeFile(path.join(out, 'x'), '1');
    await run('git-commit', ctx, { path: 'out', message: 'by clone author' });
    expect(await gitIn(['log', '-1', '--format=%an <%ae>'])).toBe(
      'Release Bot <release@example.com>\n',
    );
    await fs.writeFile(path.join(out, 'x'), '2');
    await run('git-commit', ctx, {
      path: 'out',
      message: 'by step author',
      author: { name: 'Someone', email: 'someone@example.com' },
    });
    expect(await gitIn(['log', '-1', '--format=%an <%ae>|%cn <%ce>'])).toBe(
      'Someone <someone@example.com>|Someone <someone@example.com>\n',
    );
  });

  describe('signing with a GPG signingKey (gpg, for real)', () => {
    let key: TestSigningKey;
    beforeAll(async () => {
      key = await generateSigningKey('Release Bot', 'release@example.com');
    }, 30_000);

    it('signs commits with the key git-clone’s author gives: git verify-commit accepts them', async () => {
      const { ctx, out, gitIn } = await cloned({
        name: 'Release Bot',
        email: 'release@example.com',
        signingKey: key.privateKey,
      });
      await fs.writeFile(path.join(out, 'x'), '1');
      const result = await run('git-commit', ctx, {
        path: 'out',
        message: 'signed',
      });
      const sha = (await gitIn(['rev-parse', 'HEAD'])).trim();
      expect(result).toEqual({ status: 'Succeeded', output: { commit: sha } });

      const verified = await verifyCommit(out, sha, key.publicKey);
      expect(verified.code).toBe(0);
      expect(verified.status).toContain('[GNUPG:] GOODSIG');
      expect(verified.status).toContain(`VALIDSIG ${key.fingerprint}`);

      // The key lives outside the work directory and no gpg-agent is left running.
      const gnupgHome = (
        await gitIn(['config', '--get', 'kargoportal.gnupghome'])
      ).trim();
      expect(path.relative(ctx.workDir, gnupgHome)).toMatch(/^\.\./);
      await expect(
        fs.stat(path.join(gnupgHome, 'S.gpg-agent')),
      ).rejects.toThrow();
      expect(JSON.stringify(ctx.log)).not.toContain('PRIVATE KEY');
      expect(JSON.stringify(result)).not.toContain('PRIVATE KEY');
    });

    it('signs one commit with the step’s own (deprecated) author.signingKey', async () => {
      const { ctx, out, gitIn } = await cloned();
      await fs.writeFile(path.join(out, 'x'), '1');
      await run('git-commit', ctx, {
        path: 'out',
        message: 'signed by the step author',
        author: {
          name: 'Release Bot',
          email: 'release@example.com',
          signingKey: key.privateKey,
        },
      });
      const sha = (await gitIn(['rev-parse', 'HEAD'])).trim();
      const verified = await verifyCommit(out, sha, key.publicKey);
      expect(verified.code).toBe(0);
      expect(verified.status).toContain(`VALIDSIG ${key.fingerprint}`);
    });

    it('leaves commits unsigned without a key', async () => {
      const { ctx, out, gitIn } = await cloned();
      await fs.writeFile(path.join(out, 'x'), '1');
      await run('git-commit', ctx, { path: 'out', message: 'unsigned' });
      const sha = (await gitIn(['rev-parse', 'HEAD'])).trim();
      expect((await verifyCommit(out, sha, key.publicKey)).code).not.toBe(0);
    });

    it('refuses a signing key that is not a GPG private key, naming the field', async () => {
      const { ctx, out } = await cloned();
      await fs.writeFile(path.join(out, 'x'), '1');
      for (const signingKey of ['not a key', key.publicKey]) {
        const error = await run('git-commit', ctx, {
          path: 'out',
          message: 'm',
          author: { name: 'a', email: 'a@example.com', signingKey },
        }).catch(e => e);
        expect(isTerminalStepError(error)).toBe(true);
        expect(error.message).toMatch(/^author\.signingKey: /);
      }
    });
  });

  it('refuses a path that is not the top of a working tree', async () => {
    const { ctx } = await cloned();
    const error = await run('git-commit', ctx, {
      path: 'out/dir',
      message: 'm',
    }).catch(e => e);
    expect(isTerminalStepError(error)).toBe(true);
    expect(error.message).toMatch(/not the top of a Git working tree/);
  });

  it('never reaches a repository above the work directory', async () => {
    // The work directory sits inside another repository's working tree.
    const outer = await fixture.server().tempDir('outer-');
    await runGit(['init', '--quiet', outer]);
    const workDir = path.join(outer, 'promo');
    await fs.mkdir(workDir);
    await fs.mkdir(path.join(workDir, 'plain'));
    const ctx = createStepContext({ workDir });
    const error = await run('git-commit', ctx, {
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
    expect(() => step('git-commit').parseConfig(config)).toThrow(message);
  });
});
