import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import type { Freight } from '@kargo-portal/plugin-kargo-common';
import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';
import { testStep } from '../__testUtils__/promotionFixtures';
import { GitTestServer, runGit } from '../__testUtils__/services/gitServer';
import {
  generateSigningKey,
  TestSigningKey,
  verifyCommit,
} from '../__testUtils__/services/gpg';
import { evaluateExpression } from '../expressions';
import { GitClient } from '../git/GitClient';
import { builtinPromotionSteps } from './builtinSteps';
import {
  createStepExpressions,
  PromotionEngine,
  PromotionPlan,
  PromotionRunState,
  StepRegistry,
} from './engine';

const CREDENTIALS = { username: 'kargo', password: 'resume-secret-789' };

/**
 * A promotion that signs its commit with git-clone's `author.signingKey` and is resumed by another backend
 * process between git-clone and git-commit: the GnuPG home the first process imported the key into is gone
 * (the client that made it was closed), and the resumed promotion still signs its commit.
 */
describe('a promotion resumed after a restart between git-clone and git-commit', () => {
  let server: GitTestServer;
  let key: TestSigningKey;

  beforeAll(async () => {
    server = await GitTestServer.create();
    await server.startHttp({ auth: CREDENTIALS });
    key = await generateSigningKey('Release Bot', 'release@example.com');
  }, 30_000);

  afterAll(async () => {
    await server.stop();
  });

  /** One backend process: its own Git client (and GnuPG homes) and engine. */
  async function backendProcess(stop?: AbortController) {
    const git = await GitClient.create({
      tmpDir: await server.tempDir('client-'),
    });
    const edit: PromotionStepRunner<any> = testStep(
      'edit-values',
      async (ctx, config) => {
        await fs.writeFile(
          path.join(ctx.workDir, 'out', 'values.yaml'),
          String(config.content),
        );
        // The backend is asked to stop here: the run ends at the next step boundary.
        stop?.abort();
        return { status: 'Succeeded' };
      },
    );
    const registry = StepRegistry.create(
      builtinPromotionSteps({
        config: new ConfigReader({}),
        git,
        pushBackoffMs: () => 0,
        evaluateExpression,
      }),
      [edit],
    );
    const engine = new PromotionEngine({
      registry,
      expressions: createStepExpressions(),
    });
    return { git, engine };
  }

  it('imports the signing key again from git-clone’s config, and git verify-commit accepts the commit', async () => {
    const repo = await server.createRepository('resumed');
    await repo.commit([{ files: { 'values.yaml': 'tag: v1\n' } }]);
    const url = server.httpUrl('resumed');
    const workDir = await server.tempDir('promo-');
    const freight: Freight = {
      id: 'f'.repeat(40),
      alias: 'resumed-freight',
      project: 'demo',
      origin: { kind: 'Warehouse', name: 'app' },
      commits: [],
      images: [],
      charts: [],
      createdAt: '2026-01-01T00:00:00Z',
    };
    const context = {
      project: 'demo',
      stage: 'dev',
      promotion: 'dev.01jresumed',
      workDir,
      targetFreight: freight,
      freight: [freight],
      credentials: {
        git: async (repoURL: string) =>
          repoURL === url ? CREDENTIALS : undefined,
      },
    };
    const plan: PromotionPlan = {
      vars: [{ name: 'signingKey', value: key.privateKey }],
      origins: [],
      steps: [
        {
          alias: 'clone',
          uses: 'git-clone',
          continueOnError: false,
          vars: [],
          config: {
            repoURL: url,
            checkout: [{ branch: 'main', path: './out' }],
            author: {
              name: 'Release Bot',
              email: 'release@example.com',
              signingKey: '${{ vars.signingKey }}',
            },
          },
        },
        {
          alias: 'edit',
          uses: 'edit-values',
          continueOnError: false,
          vars: [],
          config: { content: 'tag: v2\n' },
        },
        {
          alias: 'commit',
          uses: 'git-commit',
          continueOnError: false,
          vars: [],
          config: { path: './out', message: 'updated to v2' },
        },
      ],
    };
    let saved = '';
    const save = async (state: PromotionRunState) => {
      saved = JSON.stringify(state);
    };

    // The first process clones (importing the key), edits, and is stopped before git-commit.
    const stop = new AbortController();
    const first = await backendProcess(stop);
    const state = PromotionEngine.initialState(plan);
    const interrupted = await first.engine.run({
      plan,
      state,
      context,
      signal: new AbortController().signal,
      stopSignal: stop.signal,
      save,
    });
    expect(interrupted).toEqual({ kind: 'interrupted', reason: 'shutdown' });
    expect(state.currentStep).toBe(2);
    const gnupgHome = (
      await runGit(['config', '--get', 'kargoportal.gnupghome'], {
        cwd: path.join(workDir, 'out'),
      })
    ).trim();
    await first.git.close();
    // The restart took the GnuPG home (and the key in it) away.
    await expect(fs.stat(gnupgHome)).rejects.toThrow();

    // Another process resumes the promotion from what was saved.
    const second = await backendProcess();
    try {
      const resumedState = JSON.parse(saved) as PromotionRunState;
      const outcome = await second.engine.run({
        plan,
        state: resumedState,
        context,
        signal: new AbortController().signal,
        save,
      });
      expect(resumedState.steps.map(s => s.message)).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect(outcome).toEqual({ kind: 'finished', phase: 'Succeeded' });
      const out = path.join(workDir, 'out');
      const head = (await runGit(['rev-parse', 'HEAD'], { cwd: out })).trim();
      expect(resumedState.steps[2].output).toEqual({ commit: head });
      const verified = await verifyCommit(out, head, key.publicKey);
      expect(verified.code).toBe(0);
      expect(verified.status).toContain(`VALIDSIG ${key.fingerprint}`);
      // The key is never in the saved state, the outputs or the logs.
      expect(saved).not.toContain('PRIVATE KEY');
      expect(JSON.stringify(resumedState)).not.toContain('PRIVATE KEY');
      expect(
        resumedState.steps[2].log?.map(l => l.message).join('\n'),
      ).toContain('imported the GPG signing key');
    } finally {
      await second.git.close();
    }
  });
});
