/* eslint-disable no-console */
// Benchmark of the promotion runner, on the backend as it runs (SQLite, the built-in steps, the real git CLI):
// - the median time of one promotion, from the API request to Succeeded, next to a shell script doing the same
//   git operations (clone, edit, commit, push), with the ratio;
// - 200 promotions over 50 stages (4 freight each) with the worker's default concurrency, next to the same 200
//   shell scripts run with that many at a time.
// Both baselines run in the same process and minutes as the promotions they are compared with, so that the
// ratios hold on a busy machine where the times do not. Run with `./portal bench` or `yarn bench:promotion`. It
// prints a table with each goal and asserts nothing about time.
import fs from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { benchWarehouseAndTask, git, startGitBench } from './gitBench';
import { printTable } from './support';
import { DEFAULT_PROMOTION_WORKER_SETTINGS } from '../src/promotion/worker/config';

const STAGES = Number(process.env.KARGO_BENCH_STAGES ?? 50);
const FREIGHT_PER_STAGE = Number(
  process.env.KARGO_BENCH_FREIGHT_PER_STAGE ?? 4,
);
const RUNS = Number(process.env.KARGO_BENCH_RUNS ?? 20);
const TERMINAL = ['Succeeded', 'Failed', 'Errored', 'Aborted'];
/** The worker's default concurrency, which the bench's backend runs with: the shell scripts run as many at once. */
const PARALLEL = DEFAULT_PROMOTION_WORKER_SETTINGS.concurrency;
/** How often the bench asks for a single promotion's phase: the time it reports is late by half of this. */
const POLL_MS = 5;

const stageName = (i: number) => `s${String(i).padStart(2, '0')}`;

function manifests(root: string): string {
  const docs = [
    `apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: bench }`,
    ...benchWarehouseAndTask(root),
  ];
  for (let i = 0; i < STAGES; i++) {
    docs.push(`apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: ${stageName(i)}, namespace: bench }
spec:
  requestedFreight:
    - origin: { kind: Warehouse, name: app }
      sources: { direct: true }
  promotionTemplate:
    spec:
      steps:
        - task: { name: promote }`);
  }
  return docs.join('\n---\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main() {
  const bench = await startGitBench({
    prefix: 'kargo-bench-promotion-',
    stages: Array.from({ length: STAGES }, (_, i) => stageName(i)),
    manifests,
  });
  const { root, appWork, commitApp, server } = bench;
  const api = '/api/kargo/projects/bench';
  const wait = () => new Promise(r => setTimeout(r, POLL_MS));

  /** Refreshes the warehouse and waits for the freight of the app's newest commit. */
  const freightOf = async (commit: string): Promise<string> => {
    await request(server).post(`${api}/warehouses/app/refresh`).expect(202);
    for (;;) {
      const items = (await request(server).get(`${api}/freight?limit=1`)).body
        .items;
      if (items?.[0]?.commits[0].id === commit) return items[0].alias;
      await wait();
    }
  };
  const promote = async (stage: string, freight: string): Promise<string> =>
    (
      await request(server)
        .post(`${api}/stages/${stage}/promotions`)
        .send({ freight })
        .expect(201)
    ).body.id;
  const phaseOf = async (id: string): Promise<string> =>
    (await request(server).get(`${api}/promotions/${id}`)).body.phase;

  try {
    let freight = await freightOf(git(appWork, 'rev-parse', 'HEAD'));

    // The same git operations as a shell script: clone, edit, commit, push. The push holds a lock file, as the
    // worker holds a lock per branch, and when another script pushed since the clone it rebases and pushes again
    // (as git-push does); alone, it pushes once.
    const script = path.join(root, 'promote.sh');
    fs.writeFileSync(
      script,
      `set -euo pipefail
dir=$(mktemp -d)
git clone -q --branch main "file://${root}/gitops.git" "$dir/out"
sed -i "s/^  commit: .*/  commit: $2/" "$dir/out/env/$1/values.yaml"
git -C "$dir/out" -c user.name=Bench -c user.email=bench@example.invalid commit -q -am "promote to $1"
flock "${root}/push.lock" bash -c 'git -C "$0" push -q origin main 2>/dev/null || { git -C "$0" -c user.name=Bench -c user.email=bench@example.invalid pull -q --rebase origin main && git -C "$0" push -q origin main; }' "$dir/out"
rm -rf "$dir"
`,
    );
    // One promotion at a time, each into another stage (so each makes a commit), and the script doing the same,
    // taking turns (which goes first alternates), so that both see the same load of a shared machine; after one
    // warm-up of each.
    const single: number[] = [];
    const shell: number[] = [];
    const promoteOnce = async (i: number) => {
      const start = performance.now();
      const id = await promote(stageName(i % STAGES), freight);
      let phase = await phaseOf(id);
      while (!TERMINAL.includes(phase)) {
        await wait();
        phase = await phaseOf(id);
      }
      if (phase !== 'Succeeded')
        throw new Error(`promotion ${id} ended ${phase}`);
      if (i > 0) single.push(performance.now() - start);
    };
    const scriptOnce = (i: number) => {
      const start = performance.now();
      execFileSync('bash', [script, stageName(i % STAGES), `shell-${i}`]);
      if (i > 0) shell.push(performance.now() - start);
    };
    for (let i = 0; i <= RUNS; i++) {
      if (i % 2 === 0) {
        await promoteOnce(i);
        scriptOnce(i);
      } else {
        scriptOnce(i);
        await promoteOnce(i);
      }
    }

    // Throughput: FREIGHT_PER_STAGE freight, each promoted into every stage; created all at once.
    const aliases: string[] = [];
    for (let n = 0; n < FREIGHT_PER_STAGE; n++) {
      freight = await freightOf(commitApp(100 + n));
      aliases.push(freight);
    }
    const start = performance.now();
    const ids: string[] = [];
    for (const alias of aliases) {
      for (let i = 0; i < STAGES; i++)
        ids.push(await promote(stageName(i), alias));
    }
    let pending = new Set(ids);
    const phases = new Map<string, string>();
    while (pending.size > 0) {
      await new Promise(r => setTimeout(r, 200));
      const page = (
        await request(server).get(`${api}/promotions?limit=${ids.length}`)
      ).body.items as Array<{ id: string; phase: string }>;
      for (const p of page) {
        if (pending.has(p.id) && TERMINAL.includes(p.phase)) {
          phases.set(p.id, p.phase);
        }
      }
      pending = new Set(ids.filter(id => !phases.has(id)));
    }
    const seconds = (performance.now() - start) / 1000;
    const failed = [...phases.values()].filter(p => p !== 'Succeeded').length;

    // The same 200 promotions as shell scripts, PARALLEL at a time, in the same order.
    const jobs: Array<[string, string]> = [];
    for (let n = 0; n < FREIGHT_PER_STAGE; n++) {
      for (let i = 0; i < STAGES; i++) jobs.push([stageName(i), `batch-${n}`]);
    }
    const shellStart = performance.now();
    let next = 0;
    const runJobs = async () => {
      while (next < jobs.length) {
        const [stage, value] = jobs[next++];
        await new Promise<void>((resolve, reject) =>
          execFile('bash', [script, stage, value], error =>
            error ? reject(error) : resolve(),
          ),
        );
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, runJobs));
    const shellSeconds = (performance.now() - shellStart) / 1000;

    const promotionMs = median(single);
    const shellMs = median(shell);
    const rate = ids.length / seconds;
    const shellRate = jobs.length / shellSeconds;
    console.log(
      `promotions: ${RUNS} runs each after a warm-up (phase read every ${POLL_MS} ms); ${ids.length} promotions over ${STAGES} stages, ${PARALLEL} at a time`,
    );
    printTable(
      ['measure', 'value', 'baseline (same run)', 'ratio', 'goal'],
      [
        [
          'one promotion, API request to Succeeded',
          `${promotionMs.toFixed(0)} ms`,
          `${shellMs.toFixed(0)} ms shell script, same git operations`,
          `${(promotionMs / shellMs).toFixed(2)}x`,
          '<= 1.2x',
        ],
        [
          `${ids.length} promotions over ${STAGES} stages`,
          `${seconds.toFixed(1)} s (${rate.toFixed(2)}/s)`,
          `${shellSeconds.toFixed(1)} s (${shellRate.toFixed(2)}/s) ${
            jobs.length
          } shell scripts, ${PARALLEL} at a time`,
          `${(seconds / shellSeconds).toFixed(2)}x`,
          '<= 1.2x',
        ],
      ],
    );
    console.log(`(${failed} of ${ids.length} promotions not Succeeded)`);
  } finally {
    await bench.stop();
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
