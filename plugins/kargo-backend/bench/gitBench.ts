// What the promotion benchmarks share: an application repository whose commits become freight, a GitOps
// repository with one values file per stage, both bare on the local file system, and the Kargo plugin running on
// them in a test backend (SQLite, the built-in steps, the real git CLI).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { Server } from 'node:http';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { kargoPlugin } from '../src/plugin';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Bench',
      '-c',
      'user.email=bench@example.invalid',
      '-c',
      'init.defaultBranch=main',
      ...args,
    ],
    { cwd, encoding: 'utf8' },
  ).trim();
}

export interface GitBench {
  /** The temporary directory holding everything; removed by `stop`. */
  root: string;
  appWork: string;
  /** Commits version `n` to the application repository and returns the commit id. */
  commitApp(n: number): string;
  server: Server;
  /** The plugin's database (SQLite), for reads that must not go through the HTTP API. */
  knex: Knex;
  stop(): Promise<void>;
}

/**
 * Creates `app.git` (one commit) and `gitops.git` (`env/<stage>/values.yaml` for each stage), writes the
 * manifests `manifests(root)` returns, and starts the plugin on them. The bench owns its database so that it can
 * close it: the test backend's default one keeps a connection pool (and with it the process) alive after the
 * backend stops.
 */
export async function startGitBench(options: {
  prefix: string;
  stages: string[];
  manifests: (root: string) => string;
}): Promise<GitBench> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
  const appWork = path.join(root, 'app-work');
  fs.mkdirSync(appWork);
  git(appWork, 'init', '-q');
  const commitApp = (n: number) => {
    fs.writeFileSync(path.join(appWork, 'VERSION'), `${n}\n`);
    git(appWork, 'add', 'VERSION');
    git(appWork, 'commit', '-q', '-m', `app ${n}`);
    git(appWork, 'push', '-q', `file://${root}/app.git`, 'HEAD:main');
    return git(appWork, 'rev-parse', 'HEAD');
  };
  git(root, 'init', '-q', '--bare', 'app.git');
  commitApp(0);
  const gitopsWork = path.join(root, 'gitops-work');
  fs.mkdirSync(gitopsWork);
  git(gitopsWork, 'init', '-q');
  for (const stage of options.stages) {
    const dir = path.join(gitopsWork, 'env', stage);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'values.yaml'), 'app:\n  commit: none\n');
  }
  git(gitopsWork, 'add', '.');
  git(gitopsWork, 'commit', '-q', '-m', 'gitops');
  git(root, 'clone', '-q', '--bare', gitopsWork, 'gitops.git');
  fs.writeFileSync(path.join(root, 'bench.yaml'), options.manifests(root));

  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(root, 'kargo.sqlite') },
    useNullAsDefault: true,
  });
  const backend = await startTestBackend({
    features: [
      kargoPlugin,
      catalogServiceMock.factory(),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          kargo: {
            definitions: [
              { type: 'file', target: path.join(root, 'bench.yaml') },
            ],
            workDir: path.join(root, 'cache'),
            promotions: { workDir: path.join(root, 'promotions') },
          },
        },
      }),
    ],
  });
  return {
    root,
    appWork,
    commitApp,
    server: backend.server,
    knex,
    stop: async () => {
      await backend.stop();
      await knex.destroy();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * The warehouse (`app`, the bench's app repository) and the PromotionTask (`promote`: git-clone, yaml-update,
 * git-commit, git-push into the gitops repository) that the promotion and auto-promotion benches' stages use.
 */
export function benchWarehouseAndTask(root: string): string[] {
  return [
    `apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: bench }
spec:
  subscriptions:
    - git: { repoURL: 'file://${root}/app.git', branch: main }`,
    `apiVersion: kargo.akuity.io/v1alpha1
kind: PromotionTask
metadata: { name: promote, namespace: bench }
spec:
  steps:
    - uses: git-clone
      config:
        repoURL: file://${root}/gitops.git
        checkout: [{ branch: main, path: ./out }]
    - uses: yaml-update
      config:
        path: ./out/env/\${{ ctx.stage }}/values.yaml
        updates:
          - key: app.commit
            value: \${{ commitFrom("file://${root}/app.git").ID }}
    - uses: git-commit
      config: { path: ./out, message: 'promote \${{ ctx.targetFreight.alias }} to \${{ ctx.stage }}' }
    - uses: git-push
      config: { path: ./out }`,
  ];
}
