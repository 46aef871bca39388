/* eslint-disable no-console */
// Abuse benchmark: replays the floods of issue 15 against the real backend (started here, on SQLite, with the
// card benchmark's project) and prints, per flood, the backend's RSS growth (its peak over the higher of its RSS
// just before and its peak at rest), the V8 heap it left held (after a full garbage collection, through the
// backend's inspector, against the same before it) and the latency of /health meanwhile, each beside its goal. A
// signed-in guest sends every flood. It asserts nothing: it prints a table.
//
//   node --require @backstage/cli/config/nodeTransform.cjs e2e/bench/abuse.bench.ts
//
// Each flood sends its bodies (40, 20 at a time, as measured in the issue) again and again for a few seconds, so
// that /health is sampled often enough for its p99 to mean something.
//
// Environment: KARGO_BENCH_PORT (7079), KARGO_BENCH_FLOOD (40 bodies per round), KARGO_BENCH_PARALLEL (20 at
// once), KARGO_BENCH_SECONDS (10 per flood), KARGO_BENCH_INSPECT_PORT (9240).
import { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  appConfig,
  appRepository,
  baseUrl,
  entities,
  manifests,
  heapAfterFullGc,
  startBackend,
  stopBackend,
  stageName,
} from './cardFixture';

const FLOOD = Number(process.env.KARGO_BENCH_FLOOD ?? 40);
const PARALLEL = Number(process.env.KARGO_BENCH_PARALLEL ?? 20);
const SECONDS = Number(process.env.KARGO_BENCH_SECONDS ?? 10);
const RSS_GOAL_MB = 100;
const HEALTH_P99_GOAL_MS = 100;
const BODY_BYTES = 2 * 1024 * 1024;
/** Where the backend's inspector listens (loopback only), for full garbage collections around each flood. */
const INSPECT_PORT = Number(process.env.KARGO_BENCH_INSPECT_PORT ?? 9240);

/** The resident memory of a process, in MB, from /proc. */
function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[
      Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
    ] ?? NaN
  );
};

/** A guest token, once the catalog has read the guest's group (the same wait as the card benchmark's). */
async function guestToken(): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    });
    if (res.ok) {
      const body = await res.json();
      const identity = body.backstageIdentity;
      if (
        identity?.identity?.ownershipEntityRefs?.includes(
          'group:default/guests',
        )
      ) {
        return identity.token;
      }
    }
    if (Date.now() > deadline) throw new Error('the catalog has no guest');
    await new Promise(r => setTimeout(r, 1000));
  }
}

/** Sends one body, with a length or chunked; resolves with the status (0 when the connection was closed early). */
function send(
  pathname: string,
  token: string,
  body: Buffer,
  chunked: boolean,
): Promise<number> {
  return new Promise(resolve => {
    const url = new URL(pathname, baseUrl);
    const req = http.request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(chunked ? {} : { 'content-length': body.length }),
        },
      },
      res => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    if (chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) {
        req.write(body.subarray(i, i + 64 * 1024));
      }
      req.end();
    } else {
      req.end(body);
    }
  });
}

interface Row {
  flood: string;
  statuses: string;
  rssBefore: number;
  rssPeak: number;
  /** The V8 heap after a full collection after the flood, minus the same before it: what the flood left held. */
  heapHeld: number;
  healthP50: number;
  healthP99: number;
  healthSamples: number;
  seconds: number;
}

/** Runs a flood while sampling the backend's RSS and timing /health every 20 ms. */
async function flood(
  name: string,
  backend: ChildProcess,
  requests: Array<() => Promise<number>>,
  options?: { once?: boolean },
): Promise<Row> {
  const pid = backend.pid!;
  // Let the previous flood's garbage go.
  await new Promise(r => setTimeout(r, 3000));
  const heapBefore = await heapAfterFullGc(INSPECT_PORT);
  const rssBefore = rssMb(pid);
  let peak = rssBefore;
  const health: number[] = [];
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, rssMb(pid));
      const started = performance.now();
      await fetch(`${baseUrl}/api/kargo/health`).then(r => r.arrayBuffer());
      health.push(performance.now() - started);
      await new Promise(r => setTimeout(r, 20));
    }
  })();
  const started = Date.now();
  const statuses = new Map<number, number>();
  if (requests.length === 0) {
    await new Promise(r => setTimeout(r, SECONDS * 1000));
  } else {
    do {
      const queue = [...requests];
      await Promise.all(
        Array.from({ length: PARALLEL }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            const status = await next();
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
        }),
      );
    } while (!options?.once && Date.now() - started < SECONDS * 1000);
  }
  const seconds = (Date.now() - started) / 1000;
  // Memory held after the answers counts too, and /health is sampled for a while after a short flood.
  await new Promise(r => setTimeout(r, options?.once ? 2000 : 500));
  running = false;
  await sampler;
  peak = Math.max(peak, rssMb(pid));
  const heapHeld = (await heapAfterFullGc(INSPECT_PORT)) - heapBefore;
  return {
    flood: name,
    statuses: [...statuses].map(([s, n]) => `${n}x${s}`).join(' '),
    rssBefore,
    rssPeak: peak,
    heapHeld,
    healthP50: percentile(health, 50),
    healthP99: percentile(health, 99),
    healthSamples: health.length,
    seconds,
  };
}

function nestedArrays(bytes: number): Buffer {
  const depth = bytes / 2;
  return Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

function aliasBomb(): Buffer {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 8; i++) {
    lines.push(
      `${'b'.repeat(i + 1)}: &b${i} [${Array(10)
        .fill(i === 0 ? '*a' : `*b${i - 1}`)
        .join(', ')}]`,
    );
  }
  return Buffer.from(
    JSON.stringify({
      manifests: `apiVersion: kargo.akuity.io/v1alpha1\nkind: Project\nmetadata: { name: bomb }\n${lines.join(
        '\n',
      )}`,
    }),
  );
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-abuse-'));
  fs.writeFileSync(path.join(dir, 'bench.yaml'), manifests(appRepository(dir)));
  fs.writeFileSync(path.join(dir, 'entities.yaml'), entities);
  const configFile = path.join(dir, 'app-config.yaml');
  fs.writeFileSync(configFile, appConfig(dir, 'sqlite'));
  console.log('Starting the backend (SQLite)...');
  const backend = await startBackend(configFile, {
    nodeOptions: [`--inspect=127.0.0.1:${INSPECT_PORT}`],
  });
  try {
    const token = await guestToken();
    const approvals = `/api/kargo/projects/bench/stages/${stageName(
      0,
    )}/approvals`;
    const nested = nestedArrays(BODY_BYTES);
    const bomb = aliasBomb();
    const times = <T>(n: number, f: () => T) => Array.from({ length: n }, f);
    const rows = [
      await flood('nothing (the machine at rest, for comparison)', backend, []),
      await flood(
        `${FLOOD} nested JSON bodies of 2 MB to an approval route, once (the flood of issue 15)`,
        backend,
        times(FLOOD, () => () => send(approvals, token, nested, false)),
        { once: true },
      ),
      await flood(
        `the same for ${SECONDS} s`,
        backend,
        times(FLOOD, () => () => send(approvals, token, nested, false)),
      ),
      await flood(
        `the same chunked (no Content-Length) for ${SECONDS} s`,
        backend,
        times(FLOOD, () => () => send(approvals, token, nested, true)),
      ),
      await flood(
        `nested JSON bodies of 2 MB to POST /projects (manifests) for ${SECONDS} s`,
        backend,
        times(
          FLOOD,
          () => () => send('/api/kargo/projects', token, nested, true),
        ),
      ),
      await flood(
        // A guest may not create projects: the permission is checked before the manifests are parsed.
        `YAML alias bombs to POST /projects for ${SECONDS} s (guest: refused before parsing)`,
        backend,
        times(
          FLOOD,
          () => () => send('/api/kargo/projects', token, bomb, false),
        ),
      ),
    ];
    // What a flood adds is its peak over the higher of the RSS just before it and the peak of the backend at rest
    // (the first row): RSS just before a flood may be low because a full collection just ran, and the backend's
    // own garbage brings it back up during any 10 s, flood or not (at rest too).
    const restPeak = rows[0].rssPeak;
    const growth = (r: Row) =>
      Math.max(0, r.rssPeak - Math.max(r.rssBefore, restPeak));
    console.log(
      `\nAbuse benchmark (${PARALLEL} at once, ${SECONDS} s per flood; goals: RSS growth <= ${RSS_GOAL_MB} MB over the backend at rest, /health p99 < ${HEALTH_P99_GOAL_MS} ms)\n`,
    );
    console.table(
      rows.map((r, i) => ({
        flood: r.flood,
        answers: r.statuses,
        's total': r.seconds.toFixed(1),
        'RSS before MB': r.rssBefore.toFixed(0),
        'RSS peak MB': r.rssPeak.toFixed(0),
        'RSS growth MB':
          i === 0 ? (r.rssPeak - r.rssBefore).toFixed(0) : growth(r).toFixed(0),
        'RSS goal': i === 0 || growth(r) <= RSS_GOAL_MB ? 'met' : 'MISSED',
        'heap held after GC MB': r.heapHeld.toFixed(1),
        '/health p50 ms': r.healthP50.toFixed(1),
        '/health p99 ms': r.healthP99.toFixed(1),
        '/health samples': r.healthSamples,
        'health goal': r.healthP99 < HEALTH_P99_GOAL_MS ? 'met' : 'MISSED',
      })),
    );
  } finally {
    stopBackend(backend);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
