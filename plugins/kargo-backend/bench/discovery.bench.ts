/* eslint-disable no-console */
// Benchmark of image discovery against a real docker-registry holding a repository with many tags (5,000 by
// default): discoverImages (SemVer strategy, default discovery limit) next to `skopeo list-tags` on the same
// repository. Run with `node --require @backstage/cli/config/nodeTransform.cjs bench/discovery.bench.ts`.
// Prints medians and their ratio; asserts nothing. KARGO_BENCH_TAGS and KARGO_BENCH_RUNS change the sizes.
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { discoverImages } from '../src/discovery/image/discoverImages';
import { LruImageMetadataCache } from '../src/discovery/image/imageMetadata';
import { OciRegistryClient } from '../src/discovery/oci/OciRegistryClient';
import {
  startRegistry,
  TestRegistry,
} from '../src/__testUtils__/services/registry';
import {
  buildImage,
  RegistryWriter,
} from '../src/__testUtils__/services/registryContent';

import knexFactory from 'knex';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { DatabaseKargoStores } from '../src/database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../src/database/migrations';
import { DefinitionCatalog } from '../src/definitions/DefinitionCatalog';
import { WarehouseService } from '../src/warehouses/WarehouseService';
import { artifactSources } from '../src/warehouses/sources';

const execFileAsync = promisify(execFile);

export interface BenchRepository {
  registry: TestRegistry;
  /** `host/repository`, an image subscription's repoURL. */
  repoURL: string;
  tags: number;
}

/** Starts a registry and tags one small image `tags` times (1.0.0, 1.0.1, ...) in repository `bench/app`. */
export async function startBenchRepository(
  tags: number,
): Promise<BenchRepository> {
  const registry = await startRegistry();
  try {
    const writer = new RegistryWriter(registry.url);
    const image = buildImage({ created: '2025-01-01T00:00:00Z' });
    await writer.pushImage('bench/app', 'seed', image);
    const names = Array.from(
      { length: tags },
      (_, i) =>
        `${Math.floor(i / 1000) + 1}.${Math.floor(i / 10) % 100}.${i % 10}`,
    );
    await writer.tagMany('bench/app', image.manifest, names);
    return { registry, repoURL: `${registry.host}/bench/app`, tags };
  } catch (error) {
    await registry.stop();
    throw error;
  }
}

/** Runs `fn` `runs` times after one warm-up run; returns each run's milliseconds. */
export async function timeRuns(
  runs: number,
  fn: () => Promise<unknown>,
): Promise<number[]> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface BenchRow {
  name: string;
  medianMs: number;
  runsMs: number[];
}

/**
 * Times discoverImages (a fresh client and cache per run, so every run lists the tags and reads the images it
 * reports) and `skopeo list-tags` on the same repository.
 */
export async function benchmarkDiscovery(
  repository: BenchRepository,
  runs: number,
): Promise<BenchRow[]> {
  const discover = () =>
    discoverImages(
      {
        repoURL: repository.repoURL,
        imageSelectionStrategy: 'SemVer',
        strictSemvers: true,
        discoveryLimit: 20,
        cacheByTag: false,
      },
      {
        client: OciRegistryClient.create(),
        cache: new LruImageMetadataCache(),
      },
    );
  const found = await discover();
  if (found.references.length !== Math.min(20, repository.tags)) {
    throw new Error(`discoverImages found ${found.references.length} images`);
  }
  const skopeo = () =>
    execFileAsync(
      'skopeo',
      ['list-tags', '--tls-verify=false', `docker://${repository.repoURL}`],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  const listed = JSON.parse((await skopeo()).stdout).Tags.length;
  // The seed tag, the bench's tags, and those earlier refresh runs pushed.
  if (listed < repository.tags + 1) {
    throw new Error(`skopeo listed ${listed} tags`);
  }
  const listTags = () =>
    OciRegistryClient.create().listTags({
      registry: repository.registry.host,
      repository: 'bench/app',
    });
  // What a poll does after listing: the manifests of the 20 newest tags, read again because a tag may move.
  const client = OciRegistryClient.create();
  const newest = found.references.map(reference => reference.tag);
  const manifests = () =>
    Promise.all(
      newest.map(tag =>
        client.getManifest(
          { registry: repository.registry.host, repository: 'bench/app' },
          tag,
        ),
      ),
    );
  const rows: BenchRow[] = [await benchmarkRefreshToFreight(repository, runs)];
  for (const [name, fn] of [
    ['discoverImages (SemVer, limit 20)', discover],
    ['OciRegistryClient.listTags', listTags],
    ['20 newest manifests (in parallel)', manifests],
    ['skopeo list-tags', skopeo],
  ] as const) {
    const runsMs = await timeRuns(runs, fn);
    rows.push({ name, medianMs: median(runsMs), runsMs });
  }
  return rows;
}

/**
 * Times what a user waits for after pushing a new tag: a refresh request, the poll that discovers the warehouse
 * and the new freight in the store (SQLite in memory). As in the plugin, one registry client and one image
 * metadata cache serve every poll: each poll lists the tags and reads the manifests of the 20 newest again
 * (tags may move), and reads the config only of an image it has not seen. Before each run a new, higher tag of
 * a new image is pushed, untimed.
 */
let refreshRound = 0;

async function benchmarkRefreshToFreight(
  repository: BenchRepository,
  runs: number,
): Promise<BenchRow> {
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: ':memory:' },
    useNullAsDefault: true,
  });
  await applyDatabaseMigrations(knex);
  const stores = DatabaseKargoStores.fromKnex(knex);
  const catalog = DefinitionCatalog.fromManifests(
    parseManifests({
      source: 'bench.yaml',
      text: `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: bench }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: bench }
spec:
  subscriptions:
    - image: { repoURL: '${repository.repoURL}', discoveryLimit: 20 }
`,
    }),
  );
  const silent = {
    info() {},
    warn() {},
    error() {},
    debug() {},
    child() {
      return silent;
    },
  };
  const client = OciRegistryClient.create();
  const cache = new LruImageMetadataCache();
  const service = new WarehouseService({
    stores,
    getCatalog: async () => catalog,
    sources: artifactSources({
      image: subscription => discoverImages(subscription, { client, cache }),
      git: async () => {
        throw new Error('no Git in this benchmark');
      },
      chart: async () => {
        throw new Error('no charts in this benchmark');
      },
    }),
    logger: silent,
  });
  const writer = new RegistryWriter(repository.registry.url);
  const runsMs: number[] = [];
  // Each call pushes higher versions than the last, so that the bench can run more than once on a repository.
  const round = refreshRound++;
  try {
    for (let i = 0; i <= runs; i++) {
      const tag = `99.${round}.${i}`;
      const image = buildImage({
        created: `2025-01-02T00:00:${String(i % 60).padStart(2, '0')}Z`,
      });
      await writer.pushImage('bench/app', tag, image);
      const start = performance.now();
      await stores.warehouses.requestRefresh({
        project: 'bench',
        warehouse: 'app',
        actor: 'bench',
        at: new Date(),
      });
      await service.pollDue();
      const newest = await stores.freight.listFreight({
        project: 'bench',
        limit: 1,
      });
      const elapsed = performance.now() - start;
      if (newest.items[0]?.images[0]?.tag !== tag) {
        throw new Error(`no freight of ${tag} after the refresh`);
      }
      if (i > 0) runsMs.push(elapsed); // the first run warms up
    }
  } finally {
    await knex.destroy();
  }
  return {
    name: 'refresh to freight (warehouse poll)',
    medianMs: median(runsMs),
    runsMs,
  };
}

/** The goal of each row, as a ratio to `skopeo list-tags` measured in the same run (issue 16). */
const GOALS: Record<string, string> = {
  'refresh to freight (warehouse poll)': '<= 1.00x',
};

export function formatRows(rows: BenchRow[]): string {
  const base = rows[rows.length - 1].medianMs;
  const lines = rows.map(
    row =>
      `| ${row.name.padEnd(35)} | ${row.medianMs.toFixed(1).padStart(10)} | ${(
        row.medianMs / base
      )
        .toFixed(2)
        .padStart(6)}x | ${(GOALS[row.name] ?? '').padEnd(8)} |`,
  );
  return [
    `| ${'operation'.padEnd(35)} | ${'median ms'.padStart(
      10,
    )} | ${'vs skopeo'.padStart(7)} | ${'goal'.padEnd(8)} |`,
    `|${'-'.repeat(37)}|${'-'.repeat(12)}|${'-'.repeat(11)}|${'-'.repeat(10)}|`,
    ...lines,
  ].join('\n');
}

async function main() {
  const tags = Number(process.env.KARGO_BENCH_TAGS ?? 5000);
  const runs = Number(process.env.KARGO_BENCH_RUNS ?? 5);
  const pushStart = performance.now();
  const repository = await startBenchRepository(tags);
  console.log(
    `pushed ${tags} tags to ${repository.repoURL} in ${(
      (performance.now() - pushStart) /
      1000
    ).toFixed(1)}s; ${runs} runs each (after a warm-up)`,
  );
  try {
    console.log(formatRows(await benchmarkDiscovery(repository, runs)));
  } finally {
    await repository.registry.stop();
  }
}

if (require.main === module) {
  main().catch(error => {
    console.error(error);
    process.exitCode = 1;
  });
}
