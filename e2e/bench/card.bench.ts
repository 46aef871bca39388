/* eslint-disable no-console */
// Benchmark of the Kargo pipeline card in Chromium, against the real backend serving the built app, with a
// seeded database: a project of 50 stages (a DAG of 5 lanes, 10 deep) and 20,000 freight (configurable).
// It measures the time from navigating to the entity page until the card is interactive (every stage shown and
// every Promote button's permission decided), and counts the API requests the page makes meanwhile. The Kargo
// tab is measured the same way (until its freight timeline shows). It asserts nothing: it prints a table.
//
//   yarn workspace app build            # once: the backend serves packages/app/dist
//   node --require @backstage/cli/config/nodeTransform.cjs e2e/bench/card.bench.ts
//
// Environment: KARGO_BENCH_FREIGHT (20000), KARGO_BENCH_STAGES (50, a multiple of 5), KARGO_BENCH_RUNS (5),
// KARGO_BENCH_PORT (7079), CHROMIUM_PATH (/usr/bin/chromium), KARGO_BENCH_POSTGRES_URL (when set, the
// measurement runs on PostgreSQL too, in databases named kcb<pid>_* that are dropped afterwards).
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { chromium, Page } from '@playwright/test';

const FREIGHT = Number(process.env.KARGO_BENCH_FREIGHT ?? 20_000);
const STAGES = Number(process.env.KARGO_BENCH_STAGES ?? 50);
const RUNS = Number(process.env.KARGO_BENCH_RUNS ?? 5);
const PORT = Number(process.env.KARGO_BENCH_PORT ?? 7079);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LANES = 5;
const PROJECT = 'bench';
const WAREHOUSE = 'bench';
const ENTITY_URL = '/catalog/default/component/kargo-bench';

const root = path.resolve(__dirname, '../..');
const baseUrl = `http://localhost:${PORT}`;

const stageName = (i: number) => `stage-${String(i).padStart(2, '0')}`;
const laneOf = (i: number) => i % LANES;
const depthOf = (i: number) => Math.floor(i / LANES);

/** Stage i feeds from the stage of its lane one level up, and every other lane also from the lane beside it. */
function upstreamOf(i: number): string[] {
  if (depthOf(i) === 0) return [];
  const up = [stageName(i - LANES)];
  if (laneOf(i) % 2 === 1) up.push(stageName(i - LANES - 1));
  return up;
}

function manifests(appRepo: string): string {
  const docs = [
    `apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata:
  name: ${PROJECT}`,
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

const entities = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: kargo-bench
  description: The Kargo project of the card benchmark
  annotations:
    kargo/project: ${PROJECT}
spec:
  type: service
  lifecycle: experimental
  owner: guests
`;

function appConfig(dir: string, database: 'sqlite' | 'pg'): string {
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
function appRepository(dir: string): string {
  const work = path.join(dir, 'app-work');
  const bare = path.join(dir, 'app.git');
  git(['init', '-q', work]);
  fs.writeFileSync(path.join(work, 'VERSION'), 'bench\n');
  git(['add', 'VERSION'], work);
  git(['commit', '-q', '-m', 'bench'], work);
  git(['clone', '-q', '--bare', work, bare]);
  return bare;
}

async function startBackend(configFile: string): Promise<ChildProcess> {
  // Run the backend's entry point directly, not `yarn workspace backend start`: that one restarts on every
  // source change in the repository, which would break a measurement in progress.
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      'src/index.ts',
      '--config',
      '../../app-config.yaml',
      '--config',
      configFile,
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
      const res = await fetch(`${baseUrl}/api/kargo/health`);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 1000));
  }
  throw new Error(`the backend did not start in 3 minutes: ${stderr}`);
}

function stopBackend(child: ChildProcess) {
  // End the process group we started (the backend and anything it spawned), nothing else.
  if (child.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

async function kargoKnex(
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
async function seed(knex: Knex) {
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
      history.push({
        project: PROJECT,
        stage,
        freight_id: id(current - h * 10),
        promoted_at: at(current - h * 10 + 2),
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

async function signIn(page: Page) {
  await page.goto(`${baseUrl}/`);
  // Until the catalog has read org.yaml, the guest signs in without its group and may do nothing.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const refs: string[] = await page.evaluate(async () => {
      const res = await fetch('/api/auth/guest/refresh', {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      });
      if (!res.ok) return [];
      const body = await res.json();
      return body.backstageIdentity?.identity?.ownershipEntityRefs ?? [];
    });
    if (refs.includes('group:default/guests')) break;
    if (Date.now() > deadline) throw new Error('the catalog has no guest');
    await page.waitForTimeout(1000);
  }
  await page.getByRole('button', { name: 'Enter' }).click();
  await page
    .getByRole('navigation', { name: 'sidebar nav' })
    .waitFor({ state: 'attached' });
}

interface Measure {
  ms: number;
  kargo: number;
  permission: number;
  other: number;
  kargoPaths: Map<string, number>;
}

/** Navigates and waits for `ready`; counts the API requests until then and 2 s after (late requests count). */
async function measure(
  page: Page,
  url: string,
  ready: (page: Page) => Promise<void>,
): Promise<Measure> {
  const requests: string[] = [];
  const onRequest = (r: { url(): string }) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/')) requests.push(u.pathname);
  };
  page.on('request', onRequest);
  const start = Date.now();
  await page.goto(`${baseUrl}${url}`);
  await ready(page);
  const ms = Date.now() - start;
  await page.waitForTimeout(2000);
  page.off('request', onRequest);
  const kargoPaths = new Map<string, number>();
  for (const p of requests.filter(r => r.startsWith('/api/kargo/'))) {
    // Group per route: stage names and ids become placeholders.
    const route = p
      .replace(/\/stages\/[^/]+/, '/stages/:stage')
      .replace(/\/promotions\/[^/]+/, '/promotions/:id')
      .replace(/\/freight\/[^/]+/, '/freight/:id');
    kargoPaths.set(route, (kargoPaths.get(route) ?? 0) + 1);
  }
  return {
    ms,
    kargo: requests.filter(r => r.startsWith('/api/kargo/')).length,
    permission: requests.filter(r => r.startsWith('/api/permission/')).length,
    other: requests.filter(
      r => !r.startsWith('/api/kargo/') && !r.startsWith('/api/permission/'),
    ).length,
    kargoPaths,
  };
}

async function cardReady(page: Page) {
  const card = page.getByRole('list', {
    name: 'Kargo stages in pipeline order',
  });
  await card
    .getByRole('listitem')
    .nth(STAGES - 1)
    .waitFor({ timeout: 120_000 });
  // Interactive: every action's permission is decided (no "Checking your permissions…" left).
  await page.waitForFunction(
    () =>
      !document.querySelector('[title="Checking your permissions…"]') &&
      document.querySelectorAll('button[aria-label^="Promote to "]').length > 0,
    undefined,
    { timeout: 120_000 },
  );
  const first = page.getByRole('button', {
    name: `Promote to ${stageName(0)}`,
  });
  if (await first.isDisabled()) {
    throw new Error(`Promote to ${stageName(0)} is disabled: check the policy`);
  }
}

async function tabReady(page: Page) {
  await page
    .getByRole('table', { name: 'Freight timeline' })
    .locator('tbody tr')
    .nth(24)
    .waitFor({ timeout: 120_000 });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function benchOne(database: 'sqlite' | 'pg'): Promise<string[][]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-card-bench-'));
  let backend: ChildProcess | undefined;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const repo = appRepository(dir);
    fs.writeFileSync(path.join(dir, 'bench.yaml'), manifests(repo));
    fs.writeFileSync(path.join(dir, 'entities.yaml'), entities);
    const configFile = path.join(dir, 'app-config.yaml');
    fs.writeFileSync(configFile, appConfig(dir, database));

    backend = await startBackend(configFile);
    const knex = await kargoKnex(database, dir);
    try {
      const seedStart = Date.now();
      await seed(knex);
      console.error(
        `${database}: seeded ${FREIGHT} freight, ${STAGES} stages in ${(
          (Date.now() - seedStart) /
          1000
        ).toFixed(1)}s`,
      );
    } finally {
      await knex.destroy();
    }

    const rows: string[][] = [];
    for (const [label, url, ready] of [
      ['card', ENTITY_URL, cardReady],
      ['Kargo tab', `${ENTITY_URL}/kargo`, tabReady],
    ] as const) {
      const results: Measure[] = [];
      for (let run = 0; run < RUNS + 1; run++) {
        // A fresh context per run: no permission or data cached; the first run also warms the backend.
        const context = await browser.newContext();
        const page = await context.newPage();
        await signIn(page);
        const result = await measure(page, url, ready);
        if (run > 0) results.push(result);
        await context.close();
      }
      const last = results[results.length - 1];
      rows.push([
        database,
        label,
        String(median(results.map(r => r.ms))),
        String(Math.min(...results.map(r => r.ms))),
        String(Math.max(...results.map(r => r.ms))),
        String(last.kargo),
        String(last.permission),
        String(last.other),
      ]);
      console.error(
        `${database} ${label}: kargo requests by route: ${[...last.kargoPaths]
          .map(([route, n]) => `${route} ×${n}`)
          .join(', ')}`,
      );
    }
    return rows;
  } finally {
    await browser.close();
    if (backend) stopBackend(backend);
    await new Promise(r => setTimeout(r, 2000));
    fs.rmSync(dir, { recursive: true, force: true });
    if (database === 'pg') await dropPgDatabases();
  }
}

async function dropPgDatabases() {
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

async function main() {
  if (!fs.existsSync(path.join(root, 'packages/app/dist/index.html'))) {
    throw new Error(
      'packages/app/dist is missing: run `yarn workspace app build` first',
    );
  }
  if (STAGES % LANES !== 0) {
    throw new Error(`KARGO_BENCH_STAGES must be a multiple of ${LANES}`);
  }
  const databases: Array<'sqlite' | 'pg'> = process.env.KARGO_BENCH_POSTGRES_URL
    ? ['sqlite', 'pg']
    : ['sqlite'];
  const rows: string[][] = [];
  for (const database of databases) rows.push(...(await benchOne(database)));
  const header = [
    'database',
    `view (${STAGES} stages, ${FREIGHT} freight, ${RUNS} runs)`,
    'interactive p50 ms',
    'min ms',
    'max ms',
    'kargo API requests',
    'permission requests',
    'other API requests',
  ];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map(r => r[i].length)),
  );
  const line = (r: string[]) =>
    `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`);
  rows.forEach(r => console.log(line(r)));
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
