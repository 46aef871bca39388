/* eslint-disable no-console */
// Benchmark of the read API with a large store: 100,000 freight (configurable), on SQLite and PostgreSQL.
// Run with `./portal bench` (or `yarn bench` in this package). Prints p50/p99 per endpoint; asserts nothing.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import knexFactory, { Knex } from 'knex';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { DatabaseKargoStores } from '../src/database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../src/database/migrations';
import { DefinitionService } from '../src/definitions/DefinitionService';
import { createRouter } from '../src/service/router';
import { KargoAuthorizer, createKargoServices } from '../src/services';

const FREIGHT = Number(process.env.KARGO_BENCH_FREIGHT ?? 100_000);
const REQUESTS = Number(process.env.KARGO_BENCH_REQUESTS ?? 200);
const examples = path.resolve(__dirname, '../../../examples/kargo');

const noop = () => {};
const logger = {
  info: noop,
  warn: noop,
  error: (m: string) => console.error(m),
  debug: noop,
  child() {
    return logger;
  },
};

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

async function serve(knex: Knex) {
  const stores = DatabaseKargoStores.fromKnex(knex);
  const definitions = new DefinitionService({
    locations: [{ type: 'file', target: path.join(examples, '*.yaml') }],
    store: stores.definitions,
    logger,
    urlReader: {
      readUrl: async () => {
        throw new Error('no URLs in the benchmark');
      },
      readTree: async () => {
        throw new Error('no URLs in the benchmark');
      },
      search: async () => {
        throw new Error('no URLs in the benchmark');
      },
    },
    baseDir: examples,
  });
  await definitions.syncConfiguredSources();
  const allow = async (
    requests: unknown[],
  ): Promise<Array<{ result: AuthorizeResult.ALLOW }>> =>
    requests.map(() => ({ result: AuthorizeResult.ALLOW }));
  const { authorized } = createKargoServices({
    stores,
    definitions,
    // The benchmark reads; it makes no freight and has no webhook receivers.
    warehouses: {
      createFromSelection: async () => {
        throw new Error('no manual freight in the benchmark');
      },
    },
    webhooks: {
      list: async () => [],
      deliver: async () => ({ status: 404, message: 'none', refreshed: [] }),
    },
    authorizer: new KargoAuthorizer({
      permissions: { authorize: allow, authorizeConditional: allow },
      catalog: {} as never, // unconditional decisions never load owners
      auth: {} as never,
      declaredOwners: async () => [],
    }),
    auditor: {
      createEvent: async () => ({
        success: async () => {},
        fail: async () => {},
      }),
    },
  });
  const router = await createRouter({
    services: authorized,
    httpAuth: {
      credentials: async () =>
        ({
          $$type: '@backstage/BackstageCredentials',
          principal: { type: 'user', userEntityRef: 'user:default/bench' },
        } as never),
      issueUserCookie: async () => ({ expiresAt: new Date() }),
    },
  });
  const server = http.createServer(express().use(router));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, base: `http://127.0.0.1:${port}` };
}

async function measure(url: string): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS + 10; i++) {
    const start = process.hrtime.bigint();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    if (i >= 10) times.push(Number(process.hrtime.bigint() - start) / 1e6); // 10 warm-up requests
  }
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

async function database(
  name: string,
): Promise<{ knex: Knex; cleanup: () => Promise<void> }> {
  if (name === 'SQLite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-bench-'));
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'bench.sqlite') },
      useNullAsDefault: true,
    });
    return {
      knex,
      cleanup: async () => {
        await knex.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url =
    process.env.KARGO_BENCH_POSTGRES_URL ??
    'postgresql://postgres@127.0.0.1:5432/postgres';
  const admin = knexFactory({ client: 'pg', connection: url });
  const db = `kargo_bench_${process.pid}`;
  await admin.raw(`create database ${db}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${db}`;
  const knex = knexFactory({ client: 'pg', connection: dbUrl.toString() });
  return {
    knex,
    cleanup: async () => {
      await knex.destroy();
      await admin.raw(`drop database ${db}`);
      await admin.destroy();
    },
  };
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
      const { server, base } = await serve(knex);
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
        const { p50, p99 } = await measure(`${base}${url}`);
        rows.push([name, label, p50.toFixed(2), p99.toFixed(2)]);
      }
      server.close();
    } finally {
      await cleanup();
    }
  }
  const header = [
    'database',
    `endpoint (${FREIGHT} freight, ${REQUESTS} requests)`,
    'p50 ms',
    'p99 ms',
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
