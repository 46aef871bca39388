/* eslint-disable no-console */
// Benchmark of auto-promotion, on the backend as it runs (SQLite, the built-in steps, the real git CLI): the median
// time from a new freight (its creation by the warehouse) to its auto-promotion's Succeeded, next to the median
// time of one manual promotion (its creation to Succeeded) of the same steps into another stage. Both are read from
// the backend's own timestamps. Goal: auto-promotion takes at most 1 s more than the manual promotion.
// Run with `./portal bench` or `yarn bench:autopromotion`. It prints a table and asserts nothing about time.
import request from 'supertest';
import { benchWarehouseAndTask, startGitBench } from './gitBench';

const RUNS = Number(process.env.KARGO_BENCH_RUNS ?? 10);
const TERMINAL = ['Succeeded', 'Failed', 'Errored', 'Aborted'];
const GOAL_EXTRA_MS = 1000;

/** Project `bench`: `auto` auto-promotes freight of `app`, `manual` takes it only when asked; same steps. */
function manifests(root: string): string {
  const stage = (name: string) => `apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: ${name}, namespace: bench }
spec:
  requestedFreight:
    - origin: { kind: Warehouse, name: app }
      sources: { direct: true }
  promotionTemplate:
    spec:
      steps:
        - task: { name: promote }`;
  return [
    `apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: bench }`,
    `apiVersion: kargo.akuity.io/v1alpha1
kind: ProjectConfig
metadata: { name: bench, namespace: bench }
spec:
  promotionPolicies:
    - stage: auto
      autoPromotionEnabled: true`,
    ...benchWarehouseAndTask(root),
    stage('auto'),
    stage('manual'),
  ].join('\n---\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface PromotionItem {
  id: string;
  stage: string;
  freight: string;
  phase: string;
  createdAt: string;
  finishedAt?: string;
}

async function main() {
  const bench = await startGitBench({
    prefix: 'kargo-bench-auto-',
    stages: ['auto', 'manual'],
    manifests,
  });
  const { commitApp, server } = bench;
  const api = '/api/kargo/projects/bench';
  const wait = () => new Promise(r => setTimeout(r, 20));

  /** Refreshes the warehouse and waits for the freight of the commit. */
  const freightOf = async (
    commit: string,
  ): Promise<{ id: string; alias: string; createdAt: string }> => {
    await request(server).post(`${api}/warehouses/app/refresh`).expect(202);
    for (;;) {
      const items = (await request(server).get(`${api}/freight?limit=1`)).body
        .items;
      if (items?.[0]?.commits[0].id === commit) return items[0];
      await wait();
    }
  };
  /** Waits for the stage's promotion of the freight to end Succeeded. */
  const succeeded = async (
    stage: string,
    freight: string,
  ): Promise<PromotionItem> => {
    for (;;) {
      const items: PromotionItem[] = (
        await request(server).get(`${api}/promotions?stage=${stage}&limit=5`)
      ).body.items;
      const found = items?.find(p => p.freight === freight);
      if (found && TERMINAL.includes(found.phase)) {
        if (found.phase !== 'Succeeded') {
          throw new Error(`promotion ${found.id} ended ${found.phase}`);
        }
        return found;
      }
      await wait();
    }
  };
  const elapsed = (from: string, to?: string) =>
    Date.parse(to ?? '') - Date.parse(from);

  try {
    const auto: number[] = [];
    const manual: number[] = [];
    // Each run: a new commit makes freight, which `auto` takes by itself; then a user promotes it to `manual`.
    // The first run warms up.
    for (let i = 0; i <= RUNS; i++) {
      const freight = await freightOf(commitApp(i + 1));
      const autoPromotion = await succeeded('auto', freight.id);
      const created = (
        await request(server)
          .post(`${api}/stages/manual/promotions`)
          .send({ freight: freight.alias })
          .expect(201)
      ).body as PromotionItem;
      const manualPromotion = await succeeded('manual', created.freight);
      if (i > 0) {
        auto.push(elapsed(freight.createdAt, autoPromotion.finishedAt));
        manual.push(
          elapsed(manualPromotion.createdAt, manualPromotion.finishedAt),
        );
      }
    }
    const autoMs = median(auto);
    const manualMs = median(manual);
    console.log(
      `auto-promotion: ${RUNS} runs after a warm-up (backend timestamps)`,
    );
    const rows: Array<[string, string, string, string]> = [
      [
        'new freight to its auto-promotion Succeeded',
        `${autoMs.toFixed(0)} ms`,
        `${manualMs.toFixed(0)} ms`,
        `<= ${(manualMs + GOAL_EXTRA_MS).toFixed(0)} ms`,
      ],
      [
        'extra time of auto-promotion',
        `${(autoMs - manualMs).toFixed(0)} ms`,
        '0 ms',
        `<= ${GOAL_EXTRA_MS} ms`,
      ],
    ];
    console.log(
      `| ${'measure'.padEnd(44)} | ${'value'.padStart(
        9,
      )} | ${'baseline (manual)'.padStart(17)} | ${'goal'.padStart(10)} |`,
    );
    console.log(
      `|${'-'.repeat(46)}|${'-'.repeat(11)}|${'-'.repeat(19)}|${'-'.repeat(
        12,
      )}|`,
    );
    for (const [name, value, baseline, goal] of rows) {
      console.log(
        `| ${name.padEnd(44)} | ${value.padStart(9)} | ${baseline.padStart(
          17,
        )} | ${goal.padStart(10)} |`,
      );
    }
  } finally {
    await bench.stop();
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
