import path from 'node:path';
import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';
import { createGitClearStep } from '../promotion/steps/git-clear';
import { createGitCloneStep } from '../promotion/steps/git-clone';
import { createGitCommitStep } from '../promotion/steps/git-commit';
import { createGitTagStep } from '../promotion/steps/git-tag';
import { GitClient } from '../git/GitClient';
import { GitTestServer, runGit } from './services/gitServer';
import { createStepContext } from './stepContext';

type GitStepName = 'git-clone' | 'git-commit' | 'git-clear' | 'git-tag';

/**
 * The Git working tree steps on clones of one test repository (`gitops`, two commits, `a.yaml`, `dir/b.yaml`,
 * `c.yaml`), for the tests of `git-commit`, `git-clear` and `git-tag`. Call it inside a `describe`: the Git
 * server and client start before its tests and stop after them.
 */
export function useGitStepsFixture() {
  let started:
    | {
        server: GitTestServer;
        git: GitClient;
        head: string;
        steps: Map<GitStepName, PromotionStepRunner<unknown>>;
      }
    | undefined;

  beforeAll(async () => {
    const server = await GitTestServer.create();
    const git = await GitClient.create({
      identity: { name: 'Portal', email: 'portal@example.com' },
      tmpDir: await server.tempDir('client-'),
    });
    const steps = new Map<GitStepName, PromotionStepRunner<unknown>>([
      ['git-clone', createGitCloneStep({ git })],
      ['git-commit', createGitCommitStep({ git })],
      ['git-clear', createGitClearStep({ git })],
      ['git-tag', createGitTagStep({ git })],
    ]);
    const repo = await server.createRepository('gitops');
    const [, head] = await repo.commit([
      { files: { 'a.yaml': 'a\n', 'dir/b.yaml': 'b\n' } },
      { files: { 'c.yaml': 'c\n' } },
    ]);
    started = { server, git, head, steps };
  });

  afterAll(async () => {
    await started?.git.close();
    await started?.server.stop();
  });

  const get = () => {
    if (!started) {
      throw new Error('the Git steps fixture runs only inside its tests');
    }
    return started;
  };

  const step = (name: GitStepName): PromotionStepRunner<unknown> => {
    const runner = get().steps.get(name);
    if (!runner) {
      throw new Error(`no step ${name}`);
    }
    return runner;
  };

  const run = (
    name: GitStepName,
    ctx: ReturnType<typeof createStepContext>,
    config: unknown,
  ) => step(name).run(ctx, step(name).parseConfig(config));

  return {
    server: () => get().server,
    /** The commit at the tip of `main` in the test repository. */
    head: () => get().head,
    step,
    run,
    /** A fresh promotion with the repository cloned to ./out. */
    async cloned(author?: {
      name: string;
      email: string;
      signingKey?: string;
    }) {
      const ctx = createStepContext({
        workDir: await get().server.tempDir('promo-'),
      });
      await run('git-clone', ctx, {
        repoURL: get().server.fileUrl('gitops'),
        author,
        checkout: [{ branch: 'main', path: 'out' }],
      });
      const out = path.join(ctx.workDir, 'out');
      const gitIn = (args: string[]) => runGit(args, { cwd: out });
      return { ctx, out, gitIn };
    },
  };
}
