/* eslint-disable no-console */
// What the benchmarks share: a database per engine, the HTTP API on it, timings and the printed table.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import knexFactory, { Knex } from 'knex';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { DatabaseKargoStores } from '../src/database/DatabaseKargoStores';
import { DefinitionService } from '../src/definitions/DefinitionService';
import { createRouter } from '../src/service/router';
import { KargoAuthorizer, createKargoServices } from '../src/services';

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

/** The HTTP API on `knex`, with the manifests of `manifestsDir`, every permission allowed. */
export async function serve(knex: Knex, manifestsDir: string) {
  const stores = DatabaseKargoStores.fromKnex(knex);
  const definitions = new DefinitionService({
    locations: [{ type: 'file', target: path.join(manifestsDir, '*.yaml') }],
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
    baseDir: manifestsDir,
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

/** p50 and p99 of `requests` sequential GETs of `url`, after 10 warm-up requests. */
export async function measure(
  url: string,
  requests: number,
): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < requests + 10; i++) {
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

/** A fresh SQLite file or PostgreSQL database (`KARGO_BENCH_POSTGRES_URL`), dropped by `cleanup`. */
export async function database(
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

export { printTable } from './table';
