/* eslint-disable no-console */
// Memory benchmark (issue 16): the RSS the Kargo plugin adds to the portal's backend with 100,000 freight, 10
// warehouses polling and 50 stages' health watched, over the same portal without the Kargo plugin
// (backendWithoutKargo.ts). Both backends run on SQLite with the card benchmark's catalog and the Argo CD test
// doubles' configuration; each is measured after a warm-up, as the median of RSS samples. Goal: <= 100 MB. It
// asserts nothing: it prints a table (and fails only when the setup did not do what it measures: no stage health
// evaluated, no warehouse polled).
//
//   node --require @backstage/cli/config/nodeTransform.cjs e2e/bench/memory.bench.ts
//
// Environment: KARGO_BENCH_FREIGHT (100000), KARGO_BENCH_STAGES (50), KARGO_BENCH_WAREHOUSES (10),
// KARGO_BENCH_WARMUP_S (60), KARGO_BENCH_PORT (7079), KARGO_BENCH_HEAP_SNAPSHOT (a directory: the backend with
// Kargo writes a heap snapshot there after the measurement, to find what holds memory), KARGO_BENCH_ALLOCATIONS
// (1: print where the backend with Kargo allocates, collected or not, during 30 s after the warm-up, and where both
// backends' memory is, running and after full GC; `promoted`: the same, counting only what survived the young
// generation's collections), KARGO_BENCH_ALLOCATIONS_PROFILE (a file: the sampling profile, for Chrome DevTools),
// KARGO_BENCH_KARGO_VISITS (0: the visits to the backend with Kargo ask for the entity page only, as for the
// baseline, not for the Kargo card's and tab's pipeline, warehouses, freight and promotions).
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { applyDatabaseMigrations } from '../../plugins/kargo-backend/src/database/migrations';
import {
  PROJECT,
  pipelineManifests,
  seedPipeline,
  stageName,
} from '../../plugins/kargo-backend/bench/pipelineFixture';
import {
  appConfig,
  appRepository,
  baseUrl,
  entities,
  inspectBackend,
  root,
  startBackend,
  stopBackend,
} from './cardFixture';
import { printTable } from '../../plugins/kargo-backend/bench/table';

const FREIGHT = Number(process.env.KARGO_BENCH_FREIGHT ?? 100_000);
const STAGES = Number(process.env.KARGO_BENCH_STAGES ?? 50);
const WAREHOUSES = Number(process.env.KARGO_BENCH_WAREHOUSES ?? 10);
const PROMOTIONS = 10_000;
const WARMUP_S = Number(process.env.KARGO_BENCH_WARMUP_S ?? 60);
const HEAP_SNAPSHOT_DIR = process.env.KARGO_BENCH_HEAP_SNAPSHOT;
/** Print where the backend with Kargo allocates during 30 s after the warm-up (a sampling heap profile). */
const ALLOCATIONS =
  process.env.KARGO_BENCH_ALLOCATIONS === '1' ||
  process.env.KARGO_BENCH_ALLOCATIONS === 'promoted';
/**
 * `promoted`: only what survives the young generation's collections (what grows the old space, collected or not by
 * a later full collection), rather than everything allocated.
 */
const PROMOTED_ONLY = process.env.KARGO_BENCH_ALLOCATIONS === 'promoted';
/** With ALLOCATIONS, where to write the sampling heap profile too (a .heapprofile for Chrome DevTools). */
const ALLOCATIONS_PROFILE = process.env.KARGO_BENCH_ALLOCATIONS_PROFILE;
/** 0: the visits ask for the entity page only, not the Kargo card and tab (what the plugin costs when nobody looks). */
const KARGO_VISITS = process.env.KARGO_BENCH_KARGO_VISITS !== '0';
const SAMPLES = 10;
/** Where the backends' inspectors listen (loopback only), for full garbage collections before measuring. */
const INSPECT_PORT = Number(process.env.KARGO_BENCH_INSPECT_PORT ?? 9239);
const GOAL_MB = 100;
/** The cluster the Argo CD doubles' configuration names (argoCdDoublesProcess.ts). */
const ARGOCD_CLUSTER = 'kubernetes-double';
const appName = (stage: number) => `bench-${stageName(stage)}`;

/** The resident memory of a process, in MB, from /proc. */
function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The Argo CD test doubles (Kubernetes API double and simulator) with one Application per stage. */
async function startArgoCd(
  dir: string,
  repo: string,
): Promise<{ process: ChildProcess; config: string }> {
  const apps = Array.from(
    { length: STAGES },
    (_, i) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${appName(i)}
  namespace: argocd
  annotations:
    kargo.akuity.io/authorized-stage: ${PROJECT}:${stageName(i)}
spec:
  project: default
  source:
    repoURL: file://${repo}
    targetRevision: main
    path: .
  destination:
    server: https://kubernetes.default.svc
    namespace: ${appName(i)}`,
  );
  const appsFile = path.join(dir, 'applications.yaml');
  fs.writeFileSync(appsFile, `${apps.join('\n---\n')}\n`);
  const out = path.join(dir, 'argocd');
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      'plugins/kargo-backend/src/__testUtils__/argoCdDoublesProcess.ts',
      '--out',
      out,
      '--applications',
      appsFile,
      '--tick-ms',
      '1000',
    ],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', chunk => {
    output += String(chunk);
  });
  child.stderr?.on('data', chunk => {
    output += String(chunk);
  });
  const deadline = Date.now() + 120_000;
  while (!/^ready /m.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      stopBackend(child);
      throw new Error(`the Argo CD doubles did not start: ${output}`);
    }
    await sleep(500);
  }
  return { process: child, config: path.join(out, 'app-config.yaml') };
}

/** A guest token, once the catalog has read the guest's group. */
async function guestToken(): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    });
    if (res.ok) {
      const identity = (await res.json()).backstageIdentity;
      if (
        identity?.identity?.ownershipEntityRefs?.includes(
          'group:default/guests',
        )
      ) {
        return identity.token;
      }
    }
    if (Date.now() > deadline) throw new Error('the catalog has no guest');
    await sleep(1000);
  }
}

/** What a user's visits ask for during the warm-up: the entity page, and with Kargo the card and the tab. */
async function visit(token: string, kargo: boolean) {
  const get = async (p: string) => {
    const res = await fetch(`${baseUrl}${p}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${p}: ${res.status}`);
  };
  await get('/api/catalog/entities/by-name/component/default/kargo-bench');
  if (!kargo || !KARGO_VISITS) return;
  await get(`/api/kargo/projects/${PROJECT}/pipeline`);
  await get(`/api/kargo/projects/${PROJECT}/warehouses`);
  await get(`/api/kargo/projects/${PROJECT}/freight?limit=50`);
  await get(`/api/kargo/projects/${PROJECT}/promotions?limit=50`);
}

/** The backend's inspector (started with `--inspect` on INSPECT_PORT): one Chrome DevTools Protocol call. */
const inspect = (method: string, params: object = {}) =>
  inspectBackend(INSPECT_PORT, method, params);

/**
 * Where the backend's memory is: its V8 heap spaces, its external memory (ArrayBuffers and what native code
 * reports to V8), and its resident memory by kind (/proc). Name -> [used MB, committed MB].
 */
async function heapSpaces(
  pid: number,
): Promise<Record<string, [number, number]>> {
  const { result } = await inspect('Runtime.evaluate', {
    expression: `JSON.stringify([...process.getBuiltinModule('v8').getHeapSpaceStatistics().map(s => [s.space_name, [s.space_used_size / 1048576, s.space_size / 1048576]]), ...(m => [['heap (all spaces)', [m.heapUsed / 1048576, m.heapTotal / 1048576]], ['external', [m.external / 1048576, m.external / 1048576]], ['arrayBuffers', [m.arrayBuffers / 1048576, m.arrayBuffers / 1048576]]])(process.memoryUsage())])`,
  });
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return Object.fromEntries([
    ...JSON.parse(String(result.value)),
    ...['VmRSS', 'RssAnon', 'RssFile'].map(f => [f, [kb(f), kb(f)]]),
  ]);
}

/** A sampling profile of what the backend allocates (collected or not) while `during` runs: top sites, printed. */
async function printAllocations(during: () => Promise<void>) {
  const [target] = await (
    await fetch(`http://127.0.0.1:${INSPECT_PORT}/json/list`)
  ).json();
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let next = 0;
  const pending = new Map<number, (result: any) => void>();
  socket.onmessage = event => {
    const message = JSON.parse(String(event.data));
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  };
  const call = (method: string, params: object = {}) =>
    new Promise<any>(resolve => {
      const id = ++next;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call('HeapProfiler.enable');
    await call('HeapProfiler.startSampling', {
      samplingInterval: 32768,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: !PROMOTED_ONLY,
    });
    const start = Date.now();
    await during();
    const seconds = (Date.now() - start) / 1000;
    const { profile } = await call('HeapProfiler.stopSampling');
    if (ALLOCATIONS_PROFILE) {
      fs.writeFileSync(ALLOCATIONS_PROFILE, JSON.stringify(profile));
      console.error(`allocation profile written to ${ALLOCATIONS_PROFILE}`);
    }
    // Inclusive size per frame (function and place), each counted once per stack.
    const inclusive = new Map<string, number>();
    const walk = (node: any, stack: Set<string>) => {
      const { functionName, url, lineNumber } = node.callFrame;
      const frame = `${functionName || '(anonymous)'} ${String(url)
        .replace(/^.*\/node_modules\//, '')
        .replace(/^.*\/plugins\//, 'plugins/')}:${lineNumber + 1}`;
      const here = new Set(stack).add(frame);
      for (const f of here) {
        inclusive.set(f, (inclusive.get(f) ?? 0) + node.selfSize);
      }
      for (const child of node.children ?? []) walk(child, here);
    };
    walk(profile.head, new Set());
    const sorted = [...inclusive]
      .filter(([f]) => !f.startsWith('(root)'))
      .sort((a, b) => b[1] - a[1]);
    const print = (title: string, frames: Array<[string, number]>) => {
      console.error(
        `${title}, allocations in ${seconds.toFixed(
          0,
        )} s (MB, inclusive, sampled):`,
      );
      for (const [frame, bytes] of frames) {
        console.error(`${(bytes / 1048576).toFixed(1).padStart(8)} ${frame}`);
      }
    };
    print('all code', sorted.slice(0, 25));
    print(
      "the portal's plugins (plugins/)",
      sorted.filter(([f]) => f.includes(' plugins/')).slice(0, 30),
    );
  } finally {
    socket.close();
  }
}

/**
 * Warms the backend up with visits, then samples its RSS (median, MB) as it runs; then, after full garbage
 * collections (through its inspector), its RSS and V8 heap: what it holds, rather than garbage V8 has not collected
 * yet (V8 lets its heap grow with the allocation rate before collecting).
 */
async function measureRss(backend: ChildProcess, kargo: boolean) {
  const token = await guestToken();
  const until = Date.now() + WARMUP_S * 1000;
  while (Date.now() < until) {
    await visit(token, kargo);
    await sleep(2000);
  }
  if (ALLOCATIONS && kargo) {
    await printAllocations(async () => {
      for (let i = 0; i < 15; i++) {
        await visit(token, kargo);
        await sleep(2000);
      }
    });
  }
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    await visit(token, kargo);
    samples.push(rssMb(backend.pid!));
    await sleep(1000);
  }
  const running = ALLOCATIONS ? await heapSpaces(backend.pid!) : undefined;
  const afterGc: number[] = [];
  let heapMb = 0;
  for (let i = 0; i < 3; i++) {
    await inspect('HeapProfiler.collectGarbage');
    await sleep(1000);
    afterGc.push(rssMb(backend.pid!));
    const { result } = await inspect('Runtime.evaluate', {
      expression: 'process.memoryUsage().heapUsed',
    });
    heapMb = Number(result.value) / 1048576;
  }
  if (running) {
    const collected = await heapSpaces(backend.pid!);
    console.error(
      `V8 heap spaces of the backend ${
        kargo ? 'with' : 'without'
      } Kargo, used / committed MB, running -> after full GC:`,
    );
    for (const [space, [used, size]] of Object.entries(running)) {
      const [usedGc, sizeGc] = collected[space] ?? [0, 0];
      console.error(
        `  ${space.padEnd(26)} ${used.toFixed(0).padStart(5)} / ${size
          .toFixed(0)
          .padStart(5)} -> ${usedGc.toFixed(0).padStart(5)} / ${sizeGc
          .toFixed(0)
          .padStart(5)}`,
      );
    }
  }
  return { rss: median(samples), rssAfterGc: median(afterGc), heapMb, token };
}

/** Fails when the setup did not do what the row claims: every stage's health evaluated, every warehouse polled. */
async function checkWatched(token: string) {
  const get = async (p: string) =>
    (
      await fetch(`${baseUrl}/api/kargo/projects/${PROJECT}${p}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json();
  const pipeline = await get('/pipeline');
  const evaluated = pipeline.stages.filter(
    (s: { health?: { applications?: unknown[] } }) =>
      (s.health?.applications?.length ?? 0) > 0,
  ).length;
  const warehouses = (await get('/warehouses')).items as Array<{
    lastAttemptAt?: string;
  }>;
  const polled = warehouses.filter(w => w.lastAttemptAt).length;
  if (evaluated < STAGES || polled < WAREHOUSES) {
    throw new Error(
      `the setup is not what is measured: ${evaluated} of ${STAGES} stages have Argo CD health, ${polled} of ${WAREHOUSES} warehouses polled`,
    );
  }
  return { evaluated, polled };
}

/** The backend's entry point lists the baseline's plugins plus the Kargo plugin, and nothing else. */
function checkBaselineMatches() {
  const added = (file: string) =>
    [
      ...fs
        .readFileSync(file, 'utf8')
        .matchAll(/backend\.add\(\s*([^;]+?)\);/gs),
    ]
      .map(m =>
        m[1].replace(/\s+/g, '').replace('../../packages/backend/src/', './'),
      )
      .sort();
  const portal = added(path.join(root, 'packages/backend/src/index.ts'));
  const baseline = added(path.join(__dirname, 'backendWithoutKargo.ts'));
  const missing = portal.filter(a => !baseline.includes(a));
  const extra = baseline.filter(a => !portal.includes(a));
  if (
    extra.length > 0 ||
    missing.length !== 1 ||
    !missing[0].includes('@kargo-portal/plugin-kargo-backend')
  ) {
    throw new Error(
      `backendWithoutKargo.ts must be packages/backend/src/index.ts without the Kargo plugin: missing ${missing}, extra ${extra}`,
    );
  }
}

async function main() {
  checkBaselineMatches();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-memory-bench-'));
  let argocd: ChildProcess | undefined;
  let backend: ChildProcess | undefined;
  try {
    const repos = Array.from({ length: WAREHOUSES }, (_, i) => {
      const repoDir = path.join(dir, `repo-${i}`);
      fs.mkdirSync(repoDir);
      return appRepository(repoDir);
    });
    const started = await startArgoCd(dir, repos[0]);
    argocd = started.process;
    fs.writeFileSync(
      path.join(dir, 'bench.yaml'),
      pipelineManifests(
        STAGES,
        repos.map(r => `file://${r}`),
        { interval: '10s', owner: 'component:default/kargo-bench' },
      ),
    );
    fs.writeFileSync(path.join(dir, 'entities.yaml'), entities);
    const configFile = path.join(dir, 'app-config.yaml');
    fs.writeFileSync(configFile, appConfig(dir, 'sqlite'));
    const configs = [configFile, started.config];

    // The portal without the Kargo plugin.
    backend = await startBackend(configs, {
      entry: path.join(__dirname, 'backendWithoutKargo.ts'),
      readyPath: '/.backstage/health/v1/readiness',
      nodeOptions: [`--inspect=127.0.0.1:${INSPECT_PORT}`],
    });
    const without = await measureRss(backend, false);
    stopBackend(backend);
    backend = undefined;
    await sleep(2000);

    // The store, seeded before the backend with Kargo starts: the last promotion of each stage synced its
    // Argo CD Application (the health check argocd-update records), so the stage health monitor watches it.
    fs.mkdirSync(path.join(dir, 'sqlite'), { recursive: true });
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'sqlite', 'kargo.sqlite') },
      useNullAsDefault: true,
    });
    try {
      await applyDatabaseMigrations(knex);
      await seedPipeline(knex, {
        stages: STAGES,
        freight: FREIGHT,
        promotions: PROMOTIONS,
      });
      for (let s = 0; s < STAGES; s++) {
        await knex('kargo_promotions')
          .where({ id: `p-${PROMOTIONS - STAGES + s}` })
          .update({
            health_checks: JSON.stringify([
              {
                uses: 'argocd-update',
                config: {
                  apps: [
                    {
                      name: appName(s),
                      namespace: 'argocd',
                      cluster: ARGOCD_CLUSTER,
                      desiredRevisions: [''],
                    },
                  ],
                },
              },
            ]),
          });
      }
    } finally {
      await knex.destroy();
    }

    backend = await startBackend(configs, {
      nodeOptions: [
        `--inspect=127.0.0.1:${INSPECT_PORT}`,
        ...(HEAP_SNAPSHOT_DIR
          ? [
              '--heapsnapshot-signal=SIGUSR2',
              `--diagnostic-dir=${path.resolve(HEAP_SNAPSHOT_DIR)}`,
            ]
          : []),
      ],
    });
    const withKargo = await measureRss(backend, true);
    const { evaluated, polled } = await checkWatched(withKargo.token);
    if (HEAP_SNAPSHOT_DIR) {
      process.kill(backend.pid!, 'SIGUSR2');
      await sleep(30_000);
      console.error(`heap snapshot written in ${HEAP_SNAPSHOT_DIR}`);
    }

    const growth = withKargo.rssAfterGc - without.rssAfterGc;
    const rows = [
      [
        'portal without the Kargo plugin (baseline)',
        without.rss.toFixed(0),
        without.rssAfterGc.toFixed(0),
        without.heapMb.toFixed(0),
      ],
      [
        `with Kargo: ${FREIGHT} freight, ${polled} warehouses polling every 10s, ${evaluated} stages' health watched`,
        withKargo.rss.toFixed(0),
        withKargo.rssAfterGc.toFixed(0),
        withKargo.heapMb.toFixed(0),
      ],
    ];
    const header = [
      'backend (SQLite, after warm-up)',
      'RSS MB running (median)',
      'RSS MB after full GC',
      'V8 heap used MB after GC',
    ];
    printTable(header, rows);
    console.log(
      `\nRSS growth from the Kargo plugin after full GC: ${growth.toFixed(
        0,
      )} MB (baseline ${without.rssAfterGc.toFixed(
        0,
      )} MB); goal <= ${GOAL_MB} MB: ${
        growth <= GOAL_MB ? 'met' : 'NOT met'
      }. Running, before GC: ${(withKargo.rss - without.rss).toFixed(0)} MB.`,
    );
  } finally {
    if (backend) stopBackend(backend);
    if (argocd) stopBackend(argocd);
    await sleep(2000);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
