import fs from 'node:fs/promises';
import path from 'node:path';
import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';
import { GitTestServer } from '../__testUtils__/services/gitServer';
import { createStepContext } from '../__testUtils__/stepContext';
import { ConfigReader } from '@backstage/config';
import { GitClient } from '../git/GitClient';
import { evaluateExpression } from '../expressions';
import { builtinPromotionSteps } from './builtinSteps';

const CREDENTIALS = { username: 'kargo', password: 'flow-secret-456' };

describe('the built-in Git steps together', () => {
  let server: GitTestServer;
  let git: GitClient;
  let steps: Map<string, PromotionStepRunner<unknown>>;

  beforeAll(async () => {
    server = await GitTestServer.create();
    await server.startHttp({ auth: CREDENTIALS });
    git = await GitClient.create({ tmpDir: await server.tempDir('client-') });
    steps = new Map(
      builtinPromotionSteps({
        config: new ConfigReader({}),
        git,
        pushBackoffMs: () => 0,
        evaluateExpression,
      }).map(step => [step.name, step]),
    );
  });

  afterAll(async () => {
    await git.close();
    await server.stop();
  });

  it('registers Kargo’s Git working tree steps by name', () => {
    expect([...steps.keys()]).toEqual(
      expect.arrayContaining([
        'git-clear',
        'git-clone',
        'git-commit',
        'git-push',
        'git-tag',
      ]),
    );
  });

  /**
   * The promotion of the seed articles' PromotionTask: clone the stage branch, update a file, commit, push. The
   * engine re-runs a step whose result it did not save; `from` picks the step to resume at.
   */
  async function promote(options: {
    url: string;
    workDir: string;
    tag: string;
    from?: number;
    stopAfter?: number;
  }): Promise<Record<string, unknown>> {
    const ctx = createStepContext({
      workDir: options.workDir,
      promotion: 'dev.01jexample',
      credentials: {
        git: async repoURL =>
          repoURL === options.url ? CREDENTIALS : undefined,
      },
    });
    const plan: Array<[string, unknown] | (() => Promise<void>)> = [
      [
        'git-clone',
        { repoURL: options.url, checkout: [{ branch: 'main', path: './out' }] },
      ],
      async () => {
        await fs.writeFile(
          path.join(options.workDir, 'out', 'values.yaml'),
          `image:\n  tag: ${options.tag}\n`,
        );
      },
      [
        'git-commit',
        { path: './out', message: `updated dev to ${options.tag}` },
      ],
      ['git-push', { path: './out' }],
    ];
    let last: Record<string, unknown> = {};
    for (const [i, item] of plan.entries()) {
      if (i < (options.from ?? 0)) continue;
      if (i > (options.stopAfter ?? plan.length)) break;
      if (typeof item === 'function') {
        await item();
        continue;
      }
      const [name, config] = item;
      const step = steps.get(name)!;
      const result = await step.run(
        { ...ctx, alias: `step-${i}` },
        step.parseConfig(config),
      );
      expect(['Succeeded', 'Skipped']).toContain(result.status);
      last = result.output ?? {};
    }
    expect(JSON.stringify(ctx.log)).not.toContain(CREDENTIALS.password);
    return last;
  }

  it('makes exactly one commit per promotion, however often steps are repeated after crashes', async () => {
    const repo = await server.createRepository('crashes');
    await repo.commit([
      { files: { 'values.yaml': 'image:\n  tag: v1\n' }, message: 'initial' },
    ]);
    const url = server.httpUrl('crashes');
    const workDir = await server.tempDir('promo-');

    // Crash after the push, before its result was saved: the engine runs git-push again.
    await promote({ url, workDir, tag: 'v2' });
    const output = await promote({ url, workDir, tag: 'v2', from: 3 });
    // Crash after the commit: commit and push run again.
    await promote({ url, workDir, tag: 'v2', from: 2 });
    // The work directory was lost: the whole promotion runs again from the first step.
    await promote({ url, workDir: await server.tempDir('promo-'), tag: 'v2' });

    const log = await repo.log();
    expect(log.map(c => c.subject)).toEqual(['updated dev to v2', 'initial']);
    expect(output.commit).toBe(log[0].id);
    expect(output.branch).toBe('main');
    expect(await repo.show('main', 'values.yaml')).toBe('image:\n  tag: v2\n');
  });

  it('keeps concurrent promotions of one branch from losing each other’s commits', async () => {
    const repo = await server.createRepository('concurrent');
    await repo.commit([
      { files: { 'values.yaml': 'x\n' }, message: 'initial' },
    ]);
    const url = server.httpUrl('concurrent');
    // Each promotion writes its own file, so their changes rebase cleanly.
    const run = async (stage: string) => {
      const workDir = await server.tempDir('promo-');
      const ctx = createStepContext({
        workDir,
        promotion: `${stage}.01j`,
        credentials: { git: async () => CREDENTIALS },
      });
      const step = (name: string) => steps.get(name)!;
      await step('git-clone').run(
        ctx,
        step('git-clone').parseConfig({
          repoURL: url,
          checkout: [{ branch: 'main', path: 'out' }],
        }),
      );
      await fs.writeFile(
        path.join(workDir, 'out', `${stage}.yaml`),
        `${stage}\n`,
      );
      await step('git-commit').run(
        ctx,
        step('git-commit').parseConfig({
          path: 'out',
          message: `promote ${stage}`,
        }),
      );
      return step('git-push').run(
        ctx,
        step('git-push').parseConfig({ path: 'out' }),
      );
    };
    const results = await Promise.all(['dev', 'qa', 'uat', 'prod'].map(run));
    expect(results.map(r => r.status)).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
    ]);
    const subjects = (await repo.log()).map(c => c.subject);
    expect(subjects.sort()).toEqual(
      [
        'initial',
        'promote dev',
        'promote prod',
        'promote qa',
        'promote uat',
      ].sort(),
    );
  });

  it('stops a push when the promotion is aborted', async () => {
    const repo = await server.createRepository('aborted');
    await repo.commit([{ files: { 'values.yaml': 'x\n' } }]);
    const url = server.httpUrl('aborted');
    const workDir = await server.tempDir('promo-');
    const controller = new AbortController();
    const ctx = createStepContext({
      workDir,
      signal: controller.signal,
      credentials: { git: async () => CREDENTIALS },
    });
    const step = (name: string) => steps.get(name)!;
    await step('git-clone').run(
      ctx,
      step('git-clone').parseConfig({
        repoURL: url,
        checkout: [{ branch: 'main', path: 'out' }],
      }),
    );
    await fs.writeFile(path.join(workDir, 'out', 'values.yaml'), 'y\n');
    await step('git-commit').run(
      ctx,
      step('git-commit').parseConfig({ path: 'out', message: 'm' }),
    );
    let release: () => void = () => {};
    server.configureHttp({
      auth: CREDENTIALS,
      beforeRequest: async ({ query }) => {
        if (query === 'service=git-receive-pack') {
          controller.abort();
          await new Promise<void>(resolve => {
            release = resolve;
          });
        }
      },
    });
    try {
      await expect(
        step('git-push').run(
          ctx,
          step('git-push').parseConfig({ path: 'out' }),
        ),
      ).rejects.toThrow(/aborted/);
    } finally {
      release();
      server.configureHttp({ auth: CREDENTIALS });
    }
    expect((await repo.log()).map(c => c.subject)).not.toContain('m');
  });
});
