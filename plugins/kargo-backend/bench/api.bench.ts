/* eslint-disable no-console */
// Benchmark of the read API at the shape of issue 16's goal: one project of 50 stages, 100,000 freight and
// 200,000 promotions (KARGO_BENCH_STAGES, KARGO_BENCH_FREIGHT, KARGO_BENCH_PROMOTIONS), on SQLite and PostgreSQL.
// Run with `./portal bench` (or `yarn bench:api` in this package). Prints p50/p99 per route beside the goal
// (p99 <= 20 ms) and the number of SQL statements one request makes; asserts nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Knex } from 'knex';
import { applyDatabaseMigrations } from '../src/database/migrations';
import { database, measure, printTable, serve } from './support';
import {
  PROJECT,
  pipelineManifests,
  seedPipeline,
  stageName,
} from './pipelineFixture';

const STAGES = Number(process.env.KARGO_BENCH_STAGES ?? 50);
const FREIGHT = Number(process.env.KARGO_BENCH_FREIGHT ?? 100_000);
const PROMOTIONS = Number(process.env.KARGO_BENCH_PROMOTIONS ?? 200_000);
// 1,000 requests: the p99 of 200 would be their second slowest, one hiccup of the machine from another value.
const REQUESTS = Number(process.env.KARGO_BENCH_REQUESTS ?? 1000);
const GOAL_P99_MS = 20;

/** Counts the SQL statements `knex` runs while `fn` runs. */
async function statementsOf(knex: Knex, fn: () => Promise<unknown>) {
  let n = 0;
  const onQuery = () => {
    n++;
  };
  knex.on('query', onQuery);
  try {
    await fn();
  } finally {
    knex.off('query', onQuery);
  }
  return n;
}

async function main() {
  const manifestsDir = fs.mkdtempSync(
    path.join(os.tmpdir(), 'kargo-api-bench-'),
  );
  fs.writeFileSync(
    path.join(manifestsDir, 'bench.yaml'),
    pipelineManifests(STAGES, 'https://git.example/app.git'),
  );
  // The last stage has two upstream stages (verified in either); the first takes freight from the warehouse.
  const downstream = stageName(STAGES - 4);
  const p = `/projects/${PROJECT}`;
  const endpoints: Array<[string, string]> = [
    [`pipeline (${STAGES} stages, eligible counts)`, `${p}/pipeline`],
    ['freight list, first page of 50', `${p}/freight?limit=50`],
    [
      `eligible freight for ${stageName(0)} (direct)`,
      `${p}/freight?stage=${stageName(0)}&limit=50`,
    ],
    [
      `eligible freight for ${downstream} (2 upstream)`,
      `${p}/freight?stage=${downstream}&limit=50`,
    ],
    ['freight detail by alias', `${p}/freight/freight-4242`],
    ['promotions, first page of 50', `${p}/promotions?limit=50`],
    [
      `promotions of ${downstream}, first page of 50`,
      `${p}/promotions?stage=${downstream}&limit=50`,
    ],
  ];
  const rows: string[][] = [];
  try {
    for (const name of ['SQLite', 'PostgreSQL']) {
      const { knex, cleanup } = await database(name);
      try {
        await applyDatabaseMigrations(knex);
        const seedStart = Date.now();
        await seedPipeline(knex, {
          stages: STAGES,
          freight: FREIGHT,
          promotions: PROMOTIONS,
        });
        console.error(
          `${name}: seeded ${FREIGHT} freight, ${PROMOTIONS} promotions, ${STAGES} stages in ${(
            (Date.now() - seedStart) /
            1000
          ).toFixed(1)}s`,
        );
        const { server, base } = await serve(knex, manifestsDir);
        // A deep page: the cursor after 50 pages.
        let cursor: string | undefined;
        for (let i = 0; i < 50; i++) {
          const page: { nextCursor?: string } = await (
            await fetch(
              `${base}${p}/freight?limit=50${
                cursor ? `&cursor=${cursor}` : ''
              }`,
            )
          ).json();
          cursor = page.nextCursor;
        }
        const all: Array<[string, string]> = [
          ...endpoints,
          [
            'freight list, page 51 (cursor)',
            `${p}/freight?limit=50&cursor=${cursor}`,
          ],
        ];
        for (const [label, url] of all) {
          const statements = await statementsOf(knex, async () => {
            const res = await fetch(`${base}${url}`);
            if (!res.ok) throw new Error(`${url}: ${res.status}`);
            await res.arrayBuffer();
          });
          const { p50, p99 } = await measure(`${base}${url}`, REQUESTS);
          rows.push([
            name,
            label,
            String(statements),
            p50.toFixed(2),
            p99.toFixed(2),
            `<= ${GOAL_P99_MS}`,
            p99 <= GOAL_P99_MS ? 'yes' : 'NO',
          ]);
        }
        await new Promise(resolve => server.close(resolve));
      } finally {
        await cleanup();
      }
    }
  } finally {
    fs.rmSync(manifestsDir, { recursive: true, force: true });
  }
  printTable(
    [
      'database',
      `route (${STAGES} stages, ${FREIGHT} freight, ${PROMOTIONS} promotions, ${REQUESTS} requests)`,
      'SQL statements',
      'p50 ms',
      'p99 ms',
      'goal p99 ms',
      'met',
    ],
    rows,
  );
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
