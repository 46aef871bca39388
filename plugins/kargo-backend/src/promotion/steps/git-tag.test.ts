import fs from 'node:fs/promises';
import path from 'node:path';
import { isTerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { useGitStepsFixture } from '../../__testUtils__/gitStepsFixture';
import {
  generateSigningKey,
  verifyCommit,
} from '../../__testUtils__/services/gpg';

describe('git-tag', () => {
  const fixture = useGitStepsFixture();
  const { cloned, run, step } = fixture;

  it('creates an annotated tag at HEAD, and finds it again on a re-run', async () => {
    const { ctx, gitIn } = await cloned();
    const config = {
      path: 'out',
      tag: 'release/v1',
      message: 'Release v1\n\nnotes',
    };
    expect(await run('git-tag', ctx, config)).toEqual({
      status: 'Succeeded',
      output: { commit: fixture.head() },
    });
    expect((await gitIn(['cat-file', '-t', 'release/v1'])).trim()).toBe('tag');
    expect(
      await gitIn(['tag', '-l', '--format=%(contents)', 'release/v1']),
    ).toBe('Release v1\n\nnotes\n\n');
    expect(await run('git-tag', ctx, config)).toEqual({
      status: 'Succeeded',
      output: { commit: fixture.head() },
    });
  });

  it('signs the tag when git-clone’s author has a signingKey (git verify-tag accepts it)', async () => {
    const key = await generateSigningKey('Release Bot', 'release@example.com');
    const { ctx, out } = await cloned({
      name: 'Release Bot',
      email: 'release@example.com',
      signingKey: key.privateKey,
    });
    await run('git-tag', ctx, { path: 'out', tag: 'signed', message: 'm' });
    const verified = await verifyCommit(out, 'signed', key.publicKey, 'tag');
    expect(verified.code).toBe(0);
    expect(verified.status).toContain(`VALIDSIG ${key.fingerprint}`);
  }, 30_000);

  it('refuses to move a tag without force, and moves it with force', async () => {
    const { ctx, out, gitIn } = await cloned();
    await run('git-tag', ctx, { path: 'out', tag: 'moving', message: 'first' });
    await fs.writeFile(path.join(out, 'x'), '1');
    const { output } = await run('git-commit', ctx, {
      path: 'out',
      message: 'next',
    });
    const error = await run('git-tag', ctx, {
      path: 'out',
      tag: 'moving',
      message: 'again',
    }).catch(e => e);
    expect(isTerminalStepError(error)).toBe(true);
    expect(error.message).toMatch(/already exists/);
    await run('git-tag', ctx, {
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
    expect(() => step('git-tag').parseConfig(config)).toThrow(message);
  });
});
