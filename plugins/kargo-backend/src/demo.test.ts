import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { parseAllDocuments } from 'yaml';
import { kargoTestDatabases } from './__testUtils__/databases';
import { resolveFileRepositoryRevision } from './__testUtils__/doubles/argoCdGitRevisions';
import { ArgoCdSimulator } from './__testUtils__/doubles/argoCdSimulator';
import { KubernetesApiServerDouble } from './__testUtils__/doubles/kubernetesApiServer';
import { resourceTypes } from './__testUtils__/doubles/kubernetesResources';
import { kargoPlugin } from './plugin';

const examples = path.resolve(__dirname, '../../../examples/kargo');
const demoApplications = path.resolve(
  __dirname,
  '../../../examples/argocd/applications.yaml',
);
const databases = kargoTestDatabases();

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Demo',
      '-c',
      'user.email=demo@example.invalid',
      '-c',
      'init.defaultBranch=main',
      ...args,
    ],
    { cwd, encoding: 'utf8' },
  ).trim();
}

/** A bare repository with one commit made of `files`. */
function bareRepository(
  root: string,
  name: string,
  files: Record<string, string>,
) {
  const work = fs.mkdtempSync(path.join(root, `${name}-work-`));
  git(work, 'init', '-q');
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.writeFileSync(path.join(work, file), content);
  }
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', `${name} 1`);
  const bare = path.join(root, `${name}.git`);
  git(root, 'clone', '-q', '--bare', work, bare);
  return { bare, work };
}

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  // Polls without a time budget of its own: Jest's timeout bounds the test.
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise(r => setTimeout(r, 100));
  }
}

// The demo pipeline of examples/kargo, run by the backend as `./portal start` runs it: the warehouse discovers
// the application repository, and promotions run the PromotionTask (git-clone, yaml-update, git-commit,
// git-push, argocd-update) against the GitOps repository and the demo's Argo CD apps (examples/argocd, in the
// Kubernetes API server double with the Argo CD simulator), dev first, then staging from what dev verified.
describe.each(databases.eachSupportedId())('the demo pipeline on %p', id => {
  let root: string;
  let kubernetes: KubernetesApiServerDouble | undefined;
  let simulator: ArgoCdSimulator | undefined;
  afterEach(async () => {
    simulator?.stopRealTime();
    await kubernetes?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('discovers a commit and promotes it through dev and staging into the GitOps repository', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-demo-'));
    const app = bareRepository(root, 'app', { VERSION: 'guestbook 1\n' });
    const values = '# demo values\napp:\n  commit: none # set by yaml-update\n';
    const gitops = bareRepository(root, 'gitops', {
      'env/dev/values.yaml': values,
      'env/staging/values.yaml': values,
      'env/prod/values.yaml': values,
    });
    // The example pipeline with its repositories moved into this test's directory.
    fs.writeFileSync(
      path.join(root, 'guestbook.yaml'),
      fs
        .readFileSync(path.join(examples, 'guestbook.yaml'), 'utf8')
        .replaceAll('/tmp/kargo-portal-demo', root),
    );
    kubernetes = await KubernetesApiServerDouble.start();
    simulator = new ArgoCdSimulator({
      store: kubernetes.store,
      resolveRevision: resolveFileRepositoryRevision,
    });
    for (const document of parseAllDocuments(
      fs
        .readFileSync(demoApplications, 'utf8')
        .replaceAll('/tmp/kargo-portal-demo', root),
    )) {
      kubernetes.store.put(document.toJS(), 'kubectl');
    }
    simulator.startRealTime(50);
    const { name, url, serviceAccountToken, caData } = kubernetes.cluster;

    const { server } = await startTestBackend({
      features: [
        kargoPlugin,
        catalogServiceMock.factory(),
        mockServices.database.factory({ knex: await databases.init(id) }),
        mockServices.rootConfig.factory({
          data: {
            kargo: {
              definitions: [
                { type: 'file', target: path.join(root, 'guestbook.yaml') },
              ],
              workDir: path.join(root, 'work'),
              promotions: {
                workDir: path.join(root, 'promotions'),
                pollInterval: { milliseconds: 100 },
              },
              warehousesSchedule: {
                frequency: { milliseconds: 200 },
                timeout: { minutes: 1 },
              },
              argocd: {
                clusters: [{ name, url, serviceAccountToken, caData }],
              },
            },
          },
        }),
      ],
    });
    const api = '/api/kargo/projects/guestbook';
    const commit = git(app.work, 'rev-parse', 'HEAD');

    // The test backend's scheduler runs tasks at startup and when triggered: a refresh triggers the poll, as
    // the card's Refresh button does.
    const refreshed = await request(server).post(
      `${api}/warehouses/guestbook/refresh`,
    );
    expect(refreshed.status).toBe(202);
    const freight = await eventually(
      async () => (await request(server).get(`${api}/freight`)).body.items,
      (items: any[]) => items?.length > 0,
    );
    expect(freight[0].commits[0].id).toBe(commit);

    for (const stage of ['dev', 'staging']) {
      const created = await request(server)
        .post(`${api}/stages/${stage}/promotions`)
        .send({ freight: freight[0].alias });
      expect(created.status).toBe(201);
      const done = await eventually(
        async () =>
          (
            await request(server).get(`${api}/promotions/${created.body.id}`)
          ).body,
        (p: any) =>
          ['Succeeded', 'Failed', 'Errored', 'Aborted'].includes(p.phase),
      );
      expect({ stage, phase: done.phase, message: done.message }).toEqual({
        stage,
        phase: 'Succeeded',
        message: done.message,
      });
      expect(done.steps.map((s: any) => [s.alias, s.status])).toEqual([
        ['task-1::step-1', 'Succeeded'],
        ['task-1::step-2', 'Succeeded'],
        ['task-1::step-3', 'Succeeded'],
        ['task-1::push', 'Succeeded'],
        ['task-1::step-5', 'Succeeded'],
      ]);
      const written = git(
        root,
        `--git-dir=${gitops.bare}`,
        'show',
        `main:env/${stage}/values.yaml`,
      );
      // The value is set, and the file's comments are kept.
      expect(written).toBe(
        `# demo values\napp:\n  commit: ${commit} # set by yaml-update`,
      );
      // Argo CD synced the stage's app to the pushed commit, for this promotion.
      const pushed = git(root, `--git-dir=${gitops.bare}`, 'rev-parse', 'main');
      const argoApp = kubernetes.store.get(
        resourceTypes.application,
        'argocd',
        `guestbook-${stage}`,
      );
      expect(argoApp?.status).toMatchObject({
        sync: { status: 'Synced', revision: pushed },
        operationState: { phase: 'Succeeded' },
      });
    }
    // Lists leave out the steps' logs and outputs; the promotion itself has them.
    const listed = (await request(server).get(`${api}/promotions`)).body.items;
    expect(listed).toHaveLength(2);
    expect(
      listed[0].steps.map((s: any) => [s.status, s.log, s.output]),
    ).toEqual(Array(5).fill(['Succeeded', undefined, undefined]));
    const detail = (
      await request(server).get(`${api}/promotions/${listed[0].id}`)
    ).body;
    expect(detail.steps[0].output).toEqual(
      expect.objectContaining({ commit: expect.any(String) }),
    );
    const log = git(root, `--git-dir=${gitops.bare}`, 'log', '--format=%s');
    expect(log.split('\n')).toEqual([
      `promote ${freight[0].alias} to staging`,
      `promote ${freight[0].alias} to dev`,
      'gitops 1',
    ]);
    const pipeline = await request(server).get(`${api}/pipeline`);
    expect(
      pipeline.body.stages.map((s: any) => [s.name, s.currentFreight?.alias]),
    ).toEqual([
      ['dev', freight[0].alias],
      ['staging', freight[0].alias],
      ['prod', undefined],
    ]);
    // The promoted stages' health follows their Argo CD apps to Healthy; prod, never promoted, has nothing to check.
    const stages = await eventually(
      async () => (await request(server).get(`${api}/pipeline`)).body.stages,
      (items: any[]) =>
        items.filter(s => s.health?.status === 'Healthy').length === 2,
    );
    expect(
      stages.map((s: any) => [
        s.name,
        s.health?.status,
        s.health?.applications.map((a: any) => [a.name, a.syncStatus]),
      ]),
    ).toEqual([
      ['dev', 'Healthy', [['guestbook-dev', 'Synced']]],
      ['staging', 'Healthy', [['guestbook-staging', 'Synced']]],
      ['prod', 'NotApplicable', []],
    ]);
  }, 120_000);
});
