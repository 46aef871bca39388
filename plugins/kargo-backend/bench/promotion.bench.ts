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
/**
 * How often the bench reads a single promotion's phase, from the database itself: an HTTP request would run on the
 * event loop of the backend it measures (every 5 ms, that added about a third to the time it measured), a read
 * of one row by its key costs a fraction of a millisecond. The time it reports is late by up to this.
 */
const POLL_MS = 2;

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

/** Durations of named parts over several runs, in the order first seen. */
class Parts {
  private readonly values = new Map<string, number[]>();

  add(name: string, ms: number): void {
    const list = this.values.get(name) ?? [];
    list.push(ms);
    this.values.set(name, list);
  }

  names(): string[] {
    return [...this.values.keys()];
  }

  median(name: string): number {
    return median(this.values.get(name) ?? [NaN]);
  }
}

async function main() {
  const bench = await startGitBench({
    prefix: 'kargo-bench-promotion-',
    stages: Array.from({ length: STAGES }, (_, i) => stageName(i)),
    manifests,
  });
  const { root, appWork, commitApp, server, knex } = bench;
  const api = '/api/kargo/projects/bench';
  const wait = () =>
    new Promise(r =>
      setTimeout(r, process.env.KARGO_BENCH_POLL === 'http' ? 5 : POLL_MS),
    );

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
  try {
    let freight = await freightOf(git(appWork, 'rev-parse', 'HEAD'));

    // The same git operations as a shell script: clone, edit, commit, push. The push holds a lock file, as the
    // worker holds a lock per branch, and when another script pushed since the clone it rebases and pushes again
    // (as git-push does); alone, it pushes once.
    const script = path.join(root, 'promote.sh');
    fs.writeFileSync(
      script,
      `set -euo pipefail
echo "start $EPOCHREALTIME"
dir=$(mktemp -d)
git clone -q --branch main "file://${root}/gitops.git" "$dir/out"
echo "clone $EPOCHREALTIME"
sed -i "s/^  commit: .*/  commit: $2/" "$dir/out/env/$1/values.yaml"
echo "edit $EPOCHREALTIME"
git -C "$dir/out" -c user.name=Bench -c user.email=bench@example.invalid commit -q -am "promote to $1"
echo "commit $EPOCHREALTIME"
flock "${root}/push.lock" bash -c 'git -C "$0" push -q origin main 2>/dev/null || { git -C "$0" -c user.name=Bench -c user.email=bench@example.invalid pull -q --rebase origin main && git -C "$0" push -q origin main; }' "$dir/out"
echo "push $EPOCHREALTIME"
rm -rf "$dir"
echo "clean $EPOCHREALTIME"
`,
    );
    // One promotion at a time, each into another stage (so each makes a commit), and the script doing the same,
    // taking turns (which goes first alternates), so that both see the same load of a shared machine; after one
    // warm-up of each.
    const single: number[] = [];
    const shell: number[] = [];
    const promotionParts = new Parts();
    const scriptParts = new Parts();
    // KARGO_BENCH_POLL=http reads the phase through the API instead, every 5 ms, as this bench did before: to
    // see what such reads cost the backend they measure.
    const pollOverHttp = process.env.KARGO_BENCH_POLL === 'http';
    const phaseInDatabase = async (id: string): Promise<string> =>
      pollOverHttp
        ? (await request(server).get(`${api}/promotions/${id}`)).body.phase
        : (await knex('kargo_promotions').where({ id }).first('phase')).phase;
    const promoteOnce = async (i: number) => {
      const start = performance.now();
      const requested = Date.now();
      const id = await promote(stageName(i % STAGES), freight);
      let phase = await phaseInDatabase(id);
      while (!TERMINAL.includes(phase)) {
        await wait();
        phase = await phaseInDatabase(id);
      }
      const end = performance.now();
      if (phase !== 'Succeeded')
        throw new Error(`promotion ${id} ended ${phase}`);
      if (i === 0) return;
      // The end and where the time went, from the promotion's own timestamps (milliseconds, the clock of the
      // backend, which runs in this process). A step's time includes the write of its state.
      const { steps, finishedAt } = (
        await request(server).get(`${api}/promotions/${id}`)
      ).body as {
        finishedAt: string;
        steps: Array<{ uses: string; startedAt: string; finishedAt: string }>;
      };
      const at = (iso: string) => new Date(iso).getTime();
      single.push(end - start);
      promotionParts.add(
        'request, claim, run set-up',
        at(steps[0].startedAt) - requested,
      );
      let between = 0;
      steps.forEach((step, n) => {
        promotionParts.add(step.uses, at(step.finishedAt) - at(step.startedAt));
        if (n > 0) between += at(step.startedAt) - at(steps[n - 1].finishedAt);
      });
      promotionParts.add('between steps', between);
      // From the last step's end to the promotion's Succeeded in the database, as the bench reads it.
      promotionParts.add(
        'end written',
        requested + (end - start) - at(finishedAt),
      );
    };
    const scriptOnce = (i: number) => {
      const start = performance.now();
      const startWall = Date.now();
      const out = execFileSync(
        'bash',
        [script, stageName(i % STAGES), `shell-${i}`],
        { encoding: 'utf8' },
      );
      if (i === 0) return;
      shell.push(performance.now() - start);
      // Where the script's time went, from bash's clock between its commands.
      const marks = out
        .trim()
        .split('\n')
        .map(line => line.split(' '))
        .map(([name, seconds]) => ({ name, ms: Number(seconds) * 1000 }));
      scriptParts.add('bash start', marks[0].ms - startWall);
      marks.slice(1).forEach((mark, n) => {
        scriptParts.add(mark.name, mark.ms - marks[n].ms);
      });
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
      `promotions: ${RUNS} runs each after a warm-up (phase read ${
        process.env.KARGO_BENCH_POLL === 'http'
          ? 'through the API every 5 ms'
          : `from the database every ${POLL_MS} ms`
      }); ${
        ids.length
      } promotions over ${STAGES} stages, ${PARALLEL} at a time`,
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
    // The promotion's steps beside the script's commands that do the same (medians of the same runs; the parts
    // of one side need not add up to its median total).
    const sameWork: Record<string, string> = {
      'git-clone': 'clone',
      'yaml-update': 'edit',
      'git-commit': 'commit',
      'git-push': 'push',
    };
    console.log('where one promotion spends its time (median of each part):');
    printTable(
      ['part of one promotion', 'promotion', 'script'],
      [
        ...promotionParts
          .names()
          .map(name => [
            name,
            `${promotionParts.median(name).toFixed(1)} ms`,
            sameWork[name]
              ? `${scriptParts.median(sameWork[name]).toFixed(1)} ms ${
                  sameWork[name]
                }`
              : '-',
          ]),
        [
          '(script only)',
          '-',
          `${scriptParts
            .median('bash start')
            .toFixed(1)} ms bash start, ${scriptParts
            .median('clean')
            .toFixed(1)} ms clean-up`,
        ],
        ['total', `${promotionMs.toFixed(1)} ms`, `${shellMs.toFixed(1)} ms`],
      ],
    );
  } finally {
    await bench.stop();
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
