/* eslint-disable no-console */
// Benchmark of the read API with a large store: 100,000 freight (configurable), on SQLite and PostgreSQL.
// Run with `./portal bench` (or `yarn bench` in this package). Prints p50/p99 per endpoint; asserts nothing.
import path from 'node:path';
import { Knex } from 'knex';
import { applyDatabaseMigrations } from '../src/database/migrations';
import { database, measure, printTable, serve } from './support';

const FREIGHT = Number(process.env.KARGO_BENCH_FREIGHT ?? 100_000);
const REQUESTS = Number(process.env.KARGO_BENCH_REQUESTS ?? 200);
const examples = path.resolve(__dirname, '../../../examples/kargo');

async function seed(knex: Knex) {
  const t0 = Date.parse('2025-01-01T00:00:00.000Z');
  const rows = [];
  for (let i = 0; i < FREIGHT; i++) {
    rows.push({
      project: 'guestbook',
      id: i.toString(16).padStart(40, '0'),
      alias: `freight-${i}`,
      origin_kind: 'Warehouse',
      origin_name: 'guestbook',
      commits: JSON.stringify([
        { repoURL: 'https://git.example/app.git', id: `c${i}` },
      ]),
      images: '[]',
      charts: '[]',
      created_at: new Date(t0 + i * 60_000).toISOString(),
    });
  }
  await knex.batchInsert('kargo_freight', rows, 500);
  // Bulk-loaded rows bypass insertFreight, which keeps the per-origin counters: set them as it would have.
  await knex('kargo_freight_counts').insert({
    project: 'guestbook',
    origin_name: 'guestbook',
    count: FREIGHT,
  });
  // One freight in ten was verified in dev, one in a hundred in staging; dev and staging run a freight each.
  const stages = [];
  for (let i = 0; i < FREIGHT; i += 10) {
    const id = i.toString(16).padStart(40, '0');
    stages.push({
      project: 'guestbook',
      freight_id: id,
      stage: 'dev',
      origin_name: 'guestbook',
      currently_in: false,
      verified_at: new Date(t0 + i * 60_000 + 1).toISOString(),
    });
    if (i % 100 === 0) {
      stages.push({
        project: 'guestbook',
        freight_id: id,
        stage: 'staging',
        origin_name: 'guestbook',
        currently_in: false,
        verified_at: new Date(t0 + i * 60_000 + 2).toISOString(),
      });
    }
  }
  await knex.batchInsert('kargo_freight_stages', stages, 500);
  const promotions = [];
  for (let i = 0; i < FREIGHT / 10; i++) {
    promotions.push({
      id: `p-${i}`,
      project: 'guestbook',
      stage: ['dev', 'staging', 'prod'][i % 3],
      freight_id: (i * 10).toString(16).padStart(40, '0'),
      phase: 'Succeeded',
      steps: '[]',
      created_at: new Date(t0 + i * 600_000).toISOString(),
    });
  }
  await knex.batchInsert('kargo_promotions', promotions, 500);
  if (knex.client.config.client === 'pg') {
    // Fresh bulk loads have no planner statistics yet; autovacuum would gather them on a live database.
    await knex.raw('analyze');
  }
}

async function main() {
  const endpoints: Array<[string, string]> = [
    ['pipeline (3 stages, eligible counts)', '/projects/guestbook/pipeline'],
    ['freight list, first page of 50', '/projects/guestbook/freight?limit=50'],
    [
      'freight list, eligible for staging',
      '/projects/guestbook/freight?stage=staging&limit=50',
    ],
    ['freight detail by alias', '/projects/guestbook/freight/freight-4242'],
    ['promotions, first page of 50', '/projects/guestbook/promotions?limit=50'],
  ];
  const rows: string[][] = [];
  for (const name of ['SQLite', 'PostgreSQL']) {
    const { knex, cleanup } = await database(name);
    try {
      await applyDatabaseMigrations(knex);
      const seedStart = Date.now();
      await seed(knex);
      console.error(
        `${name}: seeded ${FREIGHT} freight in ${(
          (Date.now() - seedStart) /
          1000
        ).toFixed(1)}s`,
      );
      const { server, base } = await serve(knex, examples);
      // A deep page: the cursor after 50 pages.
      let cursor: string | undefined;
      for (let i = 0; i < 50; i++) {
        const page: { nextCursor?: string } = await (
          await fetch(
            `${base}/projects/guestbook/freight?limit=50${
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
          `/projects/guestbook/freight?limit=50&cursor=${cursor}`,
        ],
      ];
      for (const [label, url] of all) {
        const { p50, p99 } = await measure(`${base}${url}`, REQUESTS);
        rows.push([name, label, p50.toFixed(2), p99.toFixed(2)]);
      }
      server.close();
    } finally {
      await cleanup();
    }
  }
  printTable(
    [
      'database',
      `endpoint (${FREIGHT} freight, ${REQUESTS} requests)`,
      'p50 ms',
      'p99 ms',
    ],
    rows,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
