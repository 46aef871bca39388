// The fixture of the pipeline card benchmark (card.bench.ts): its settings, the seeded project (manifests, a
// Git repository, 20,000 freight by default) and the real backend serving the built app, on SQLite or PostgreSQL.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';

export const FREIGHT = Number(process.env.KARGO_BENCH_FREIGHT ?? 20_000);
export const STAGES = Number(process.env.KARGO_BENCH_STAGES ?? 50);
export const RUNS = Number(process.env.KARGO_BENCH_RUNS ?? 5);
const PORT = Number(process.env.KARGO_BENCH_PORT ?? 7079);
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const LANES = 5;
const PROJECT = 'bench';
const WAREHOUSE = 'bench';
export const ENTITY_URL = '/catalog/default/component/kargo-bench';
export const ENTITY_DESCRIPTION = 'The Kargo project of the card benchmark';

export const root = path.resolve(__dirname, '../..');
export const baseUrl = `http://localhost:${PORT}`;

export const stageName = (i: number) => `stage-${String(i).padStart(2, '0')}`;
const laneOf = (i: number) => i % LANES;
const depthOf = (i: number) => Math.floor(i / LANES);

/** Stage i feeds from the stage of its lane one level up, and every other lane also from the lane beside it. */
function upstreamOf(i: number): string[] {
  if (depthOf(i) === 0) return [];
  const up = [stageName(i - LANES)];
  if (laneOf(i) % 2 === 1) up.push(stageName(i - LANES - 1));
  return up;
}

export function manifests(appRepo: string): string {
  const docs = [
    `apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata:
  name: ${PROJECT}
  annotations:
    kargo-portal/owners: component:default/kargo-bench`,
    `apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata:
  name: ${WAREHOUSE}
  namespace: ${PROJECT}
spec:
  interval: 24h
  subscriptions:
    - git:
        repoURL: file://${appRepo}
        branch: main`,
    `apiVersion: kargo.akuity.io/v1alpha1
kind: PromotionTask
metadata:
  name: promote
  namespace: ${PROJECT}
spec:
  steps:
    - uses: fail
      config:
        message: the benchmark promotes nothing`,
  ];
  for (let i = 0; i < STAGES; i++) {
    const up = upstreamOf(i);
    const sources =
      up.length === 0
        ? '        direct: true'
        : `        stages: [${up.join(', ')}]`;
    docs.push(`apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata:
  name: ${stageName(i)}
  namespace: ${PROJECT}
  annotations:
    kargo.akuity.io/color: ${
      ['green', 'amber', 'purple', 'blue', 'red'][laneOf(i)]
    }
spec:
  requestedFreight:
    - origin:
        kind: Warehouse
        name: ${WAREHOUSE}
      sources:
${sources}
  promotionTemplate:
    spec:
      steps:
        - task:
            name: promote`);
  }
  return `${docs.join('\n---\n')}\n`;
}

export const entities = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: kargo-bench
  description: ${ENTITY_DESCRIPTION}
  annotations:
    kargo/project: ${PROJECT}
spec:
  type: service
  lifecycle: experimental
  owner: guests
`;

export function appConfig(dir: string, database: 'sqlite' | 'pg'): string {
  const db =
    database === 'sqlite'
      ? `  database:
    client: better-sqlite3
    connection:
      directory: ${path.join(dir, 'sqlite')}`
      : `  database:
    client: pg
    prefix: ${pgPrefix}
    connection: ${JSON.stringify(process.env.KARGO_BENCH_POSTGRES_URL)}`;
  return `app:
  baseUrl: ${baseUrl}
backend:
  baseUrl: ${baseUrl}
  listen:
    port: ${PORT}
  cors:
    origin: ${baseUrl}
${db}
auth:
  providers:
    guest:
      userEntityRef: user:default/guest
catalog:
  locations:
    - type: file
      target: ${path.join(dir, 'entities.yaml')}
    - type: file
      target: ${path.join(root, 'examples/org.yaml')}
      rules:
        - allow: [User, Group]
kargo:
  definitions:
    - type: file
      target: ${path.join(dir, 'bench.yaml')}
`;
}

const pgPrefix = `kcb${process.pid}_`;

function git(args: string[], cwd?: string) {
  execFileSync(
    'git',
    [
      '-c',
      'user.name=bench',
      '-c',
      'user.email=bench@kargo-portal.invalid',
      '-c',
      'init.defaultBranch=main',
      '-c',
      'commit.gpgsign=false',
      ...args,
    ],
    { cwd, stdio: 'ignore' },
  );
}

/** A bare repository with one commit, so that the warehouse's discovery succeeds. */
export function appRepository(dir: string): string {
  const work = path.join(dir, 'app-work');
  const bare = path.join(dir, 'app.git');
  git(['init', '-q', work]);
  fs.writeFileSync(path.join(work, 'VERSION'), 'bench\n');
  git(['add', 'VERSION'], work);
  git(['commit', '-q', '-m', 'bench'], work);
  git(['clone', '-q', '--bare', work, bare]);
  return bare;
}

/**
 * Starts the portal's backend with the repository's app-config.yaml and `configFiles`, and waits until it serves
 * `readyPath`. `entry` is its entry point (the backend's own by default).
 */
export async function startBackend(
  configFiles: string | string[],
  options: { entry?: string; readyPath?: string; nodeOptions?: string[] } = {},
): Promise<ChildProcess> {
  const configs = typeof configFiles === 'string' ? [configFiles] : configFiles;
  // Another backend on the port (one a crashed run left) would answer in this one's place.
  const listening = await fetch(baseUrl).then(
    () => true,
    () => false,
  );
  if (listening) {
    throw new Error(`something already listens on ${baseUrl}: stop it first`);
  }
  // Run the backend's entry point directly, not `yarn workspace backend start`: that one restarts on every
  // source change in the repository, which would break a measurement in progress.
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeOptions ?? []),
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      options.entry ?? 'src/index.ts',
      '--config',
      '../../app-config.yaml',
      ...configs.flatMap(c => ['--config', c]),
    ],
    {
      cwd: path.join(root, 'packages/backend'),
      // The demo signs in with the guest provider, which only works in development mode.
      env: { ...process.env, NODE_ENV: 'development' },
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', chunk => {
    stderr = (stderr + String(chunk)).slice(-4000);
  });
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the backend exited (${child.exitCode}): ${stderr}`);
    }
    try {
      const res = await fetch(
        `${baseUrl}${options.readyPath ?? '/api/kargo/health'}`,
      );
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 1000));
  }
  throw new Error(`the backend did not start in 3 minutes: ${stderr}`);
}

/**
 * One Chrome DevTools Protocol call to the inspector of a backend started with `--inspect=127.0.0.1:<port>` (the
 * memory and flood benches collect its garbage and read its heap this way).
 */
export async function inspectBackend(
  port: number,
  method: string,
  params: object = {},
): Promise<any> {
  const [target] = await (
    await fetch(`http://127.0.0.1:${port}/json/list`)
  ).json();
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  try {
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    return await new Promise((resolve, reject) => {
      socket.onmessage = event => {
        const message = JSON.parse(String(event.data));
        if (message.id !== 1) return;
        if (message.error) reject(new Error(message.error.message));
        else resolve(message.result);
      };
      socket.send(JSON.stringify({ id: 1, method, params }));
    });
  } finally {
    socket.close();
  }
}

/** The V8 heap the backend holds after a full garbage collection, in MB (through its inspector). */
export async function heapAfterFullGc(port: number): Promise<number> {
  await inspectBackend(port, 'HeapProfiler.collectGarbage');
  const { result } = await inspectBackend(port, 'Runtime.evaluate', {
    expression: 'process.memoryUsage().heapUsed',
  });
  return Number(result.value) / 1048576;
}

export function stopBackend(child: ChildProcess) {
  // End the process group we started (the backend and anything it spawned), nothing else.
  if (child.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

export async function kargoKnex(
  database: 'sqlite' | 'pg',
  dir: string,
): Promise<Knex> {
  if (database === 'sqlite') {
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'sqlite', 'kargo.sqlite') },
      useNullAsDefault: true,
    });
  }
  const url = new URL(process.env.KARGO_BENCH_POSTGRES_URL!);
  url.pathname = `/${pgPrefix}kargo`;
  return knexFactory({ client: 'pg', connection: url.toString() });
}

/**
 * Freight as the store keeps it, one a minute, newest last; every stage runs one freight (downstream stages
 * older ones), has a history, and has verified one freight in ten; 2,000 finished promotions. Like the API
 * benchmark, bulk-loaded freight sets the per-origin counter itself.
 */
export async function seed(knex: Knex) {
  const t0 = Date.now() - FREIGHT * 60_000;
  const id = (i: number) => `b${i.toString(16).padStart(39, '0')}`;
  const at = (i: number) => new Date(t0 + i * 60_000).toISOString();
  const freight = [];
  for (let i = 0; i < FREIGHT; i++) {
    freight.push({
      project: PROJECT,
      id: id(i),
      alias: `bench-${i}`,
      origin_kind: 'Warehouse',
      origin_name: WAREHOUSE,
      commits: JSON.stringify([
        {
          repoURL: 'https://git.example/bench.git',
          id: `${i}`.padEnd(40, 'c'),
        },
      ]),
      images: JSON.stringify([
        { repoURL: 'ghcr.io/example/bench', tag: `v1.0.${i}`, digest: '' },
      ]),
      charts: '[]',
      created_at: at(i),
    });
  }
  await knex.batchInsert('kargo_freight', freight, 500);
  const counted = await knex('kargo_freight_counts')
    .where({ project: PROJECT, origin_name: WAREHOUSE })
    .first();
  if (counted) {
    await knex('kargo_freight_counts')
      .where({ project: PROJECT, origin_name: WAREHOUSE })
      .increment('count', FREIGHT);
  } else {
    await knex('kargo_freight_counts').insert({
      project: PROJECT,
      origin_name: WAREHOUSE,
      count: FREIGHT,
    });
  }

  const records = [];
  const history = [];
  for (let s = 0; s < STAGES; s++) {
    const stage = stageName(s);
    const current = FREIGHT - 1 - depthOf(s) * 20;
    for (let i = FREIGHT % 10; i < FREIGHT; i += 10) {
      if (i === current) continue;
      records.push({
        project: PROJECT,
        freight_id: id(i),
        stage,
        origin_name: WAREHOUSE,
        currently_in: false,
        verified_at: at(i + 1),
      });
    }
    records.push({
      project: PROJECT,
      freight_id: id(current),
      stage,
      origin_name: WAREHOUSE,
      currently_in: true,
      current_since: at(current + 2),
      verified_at: at(current + 3),
    });
    for (let h = 20; h >= 0; h--) {
      const freightId = id(current - h * 10);
      history.push({
        project: PROJECT,
        stage,
        freight_id: freightId,
        promoted_at: at(current - h * 10 + 2),
        // The stage takes one warehouse: each collection is that entry's freight (Kargo's id, the SHA-1 of it).
        collection_id: createHash('sha1').update(freightId).digest('hex'),
        collection: JSON.stringify({ [`Warehouse/${WAREHOUSE}`]: freightId }),
      });
    }
  }
  await knex.batchInsert('kargo_freight_stages', records, 500);
  await knex.batchInsert('kargo_stage_history', history, 500);

  const promotions = [];
  for (let p = 0; p < 2000; p++) {
    const s = p % STAGES;
    const i = FREIGHT - 1 - depthOf(s) * 20 - Math.floor(p / STAGES) * 10;
    promotions.push({
      id: `bench-p${p}`,
      project: PROJECT,
      stage: stageName(s),
      freight_id: id(Math.max(0, i)),
      phase: 'Succeeded',
      steps: '[]',
      created_by: 'user:default/guest',
      created_at: at(Math.max(0, i) + 1),
      started_at: at(Math.max(0, i) + 1),
      finished_at: at(Math.max(0, i) + 2),
    });
  }
  await knex.batchInsert('kargo_promotions', promotions, 500);
  if (knex.client.config.client === 'pg') await knex.raw('analyze');
}

export async function dropPgDatabases() {
  const admin = knexFactory({
    client: 'pg',
    connection: process.env.KARGO_BENCH_POSTGRES_URL!,
  });
  try {
    const { rows } = await admin.raw(
      'select datname from pg_database where datname like ?',
      [`${pgPrefix}%`],
    );
    for (const { datname } of rows as Array<{ datname: string }>) {
      await admin.raw('drop database if exists ?? with (force)', [datname]);
    }
  } finally {
    await admin.destroy();
  }
}
