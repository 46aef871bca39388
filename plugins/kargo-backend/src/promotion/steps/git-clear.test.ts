import fs from 'node:fs/promises';
import path from 'node:path';
import { useGitStepsFixture } from '../../__testUtils__/gitStepsFixture';

describe('git-clear', () => {
  const fixture = useGitStepsFixture();
  const { cloned, run, step } = fixture;

  it('removes tracked and untracked files but keeps the repository', async () => {
    const { ctx, out, gitIn } = await cloned();
    await fs.writeFile(path.join(out, 'untracked.txt'), 'u');
    expect(await run('git-clear', ctx, { path: 'out' })).toEqual({
      status: 'Succeeded',
    });
    expect(await fs.readdir(out)).toEqual(['.git']);
    await fs.writeFile(path.join(out, 'rendered.yaml'), 'r\n');
    await run('git-commit', ctx, {
      path: 'out',
      message: 'replace everything',
    });
    expect((await gitIn(['ls-tree', '--name-only', 'HEAD'])).trim()).toBe(
      'rendered.yaml',
    );
  });

  it('refuses unknown fields', () => {
    expect(() =>
      step('git-clear').parseConfig({ path: 'out', force: true }),
    ).toThrow(/Additional property force/);
  });
});
