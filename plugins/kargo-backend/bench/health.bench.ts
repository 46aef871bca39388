/* eslint-disable no-console */
// Benchmark of stage health in the pipeline (issue 11): the pipeline route of a project of 50 stages whose every
// stage serves the health of 3 Argo CD Applications, next to the same pipeline without Argo CD (no health
// stored). Health is read from the stage store, where the stage health monitor keeps it: no cluster is called
// per request. Goal: health adds at most 2 ms to the p99. Run with `./portal bench` (or `yarn bench:health`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { Knex } from 'knex';
import { ApplicationHealth } from '@kargo-portal/plugin-kargo-common';
import { DatabaseKargoStores } from '../src/database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../src/database/migrations';
import { database, measure, printTable, serve } from './support';

const STAGES = 50;
const APPS = 3;
const FREIGHT = 200;
const REQUESTS = Number(process.env.KARGO_BENCH_REQUESTS ?? 300);
const GOAL_MS = 2;

/** Project `argo`: 10 chains of 5 stages fed by warehouse `app`, each syncing an Argo CD app. */
function manifests(project: string): string {
  const docs: unknown[] = [
    {
      apiVersion: 'kargo.akuity.io/v1alpha1',
      kind: 'Project',
      metadata: { name: project },
    },
    {
      apiVersion: 'kargo.akuity.io/v1alpha1',
      kind: 'Warehouse',
      metadata: { name: 'app', namespace: project },
      spec: {
        subscriptions: [
          { image: { repoURL: 'ghcr.io/example/app', constraint: '^1' } },
        ],
      },
    },
  ];
  for (let i = 0; i < STAGES; i++) {
    docs.push({
      apiVersion: 'kargo.akuity.io/v1alpha1',
      kind: 'Stage',
      metadata: { name: `stage-${i}`, namespace: project },
      spec: {
        requestedFreight: [
          {
            origin: { kind: 'Warehouse', name: 'app' },
            sources:
              i % 5 === 0 ? { direct: true } : { stages: [`stage-${i - 1}`] },
          },
        ],
        promotionTemplate: {
          spec: {
            steps: [
              {
                uses: 'argocd-update',
                config: { apps: [{ name: `${project}-stage-${i}` }] },
              },
            ],
          },
        },
      },
    });
  }
  return docs.map(doc => stringify(doc)).join('---\n');
}

async function seed(knex: Knex) {
  const stores = DatabaseKargoStores.fromKnex(knex);
  const t0 = Date.parse('2025-01-01T00:00:00.000Z');
  for (const project of ['argo']) {
    for (let n = 0; n < FREIGHT; n++) {
      await stores.freight.insertFreight(
        {
          project,
          id: `${project === 'argo' ? 'a' : 'b'}${n
            .toString(16)
            .padStart(39, '0')}`,
          origin: { kind: 'Warehouse', name: 'app' },
          commits: [],
          images: [
            { repoURL: 'ghcr.io/example/app', tag: `1.0.${n}`, digest: '' },
          ],
          charts: [],
          createdAt: new Date(t0 + n * 60_000),
        },
        { generateAlias: async () => `${project}-freight-${n}` },
      );
    }
    for (let i = 0; i < STAGES; i++) {
      const freightId = `${project === 'argo' ? 'a' : 'b'}${(FREIGHT - 1)
        .toString(16)
        .padStart(39, '0')}`;
      await stores.stages.setCurrentFreight({
        project,
        stage: `stage-${i}`,
        freightId,
        at: new Date(t0 + FREIGHT * 60_000),
      });
      await stores.freight.markVerified({
        project,
        freightId,
        stage: `stage-${i}`,
        at: new Date(t0 + FREIGHT * 60_000 + 1),
      });
    }
  }
  if (knex.client.config.client === 'pg') await knex.raw('analyze');
}

/**
 * Stores the health the monitor would have stored (3 apps per stage, with their state and link), or (`false`)
 * removes it: the same pipeline without Argo CD.
 */
async function storeHealth(knex: Knex, on: boolean) {
  const stores = DatabaseKargoStores.fromKnex(knex);
  if (!on) {
    await knex('kargo_stage_health').delete();
    return;
  }
  for (let i = 0; i < STAGES; i++) {
    const applications: ApplicationHealth[] = Array.from(
      { length: APPS },
      (_, a) => ({
        cluster: 'in-cluster',
        namespace: 'argocd',
        name: `argo-stage-${i}-app-${a}`,
        status: 'Healthy',
        syncStatus: 'Synced',
        revision: 'f'.repeat(40),
        desiredRevisions: ['f'.repeat(40)],
        healthStatus: 'Healthy',
        link: {
          url: `https://argocd.example/applications/argocd/argo-stage-${i}-app-${a}`,
          title: 'Argo CD',
        },
      }),
    );
    await stores.stages.putStageHealth({
      project: 'argo',
      stage: `stage-${i}`,
      health: { status: 'Healthy', promotion: `p-${i}`, applications },
      at: new Date(),
    });
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-health-bench-'));
  fs.writeFileSync(path.join(dir, 'argo.yaml'), manifests('argo'));
  const rows: string[][] = [];
  try {
    for (const name of ['SQLite', 'PostgreSQL']) {
      const { knex, cleanup } = await database(name);
      try {
        await applyDatabaseMigrations(knex);
        await seed(knex);
        const { server, base } = await serve(knex, dir);
        await storeHealth(knex, true);
        const pipeline = await (
          await fetch(`${base}/projects/argo/pipeline`)
        ).json();
        const served = pipeline.stages.filter(
          (s: { health?: { applications: unknown[] } }) =>
            s.health?.applications.length === APPS,
        ).length;
        if (served !== STAGES) {
          throw new Error(`health served for ${served} stages, not ${STAGES}`);
        }
        // The same project with and without stored health, in interleaved rounds, so that drift of the machine
        // hits both alike.
        const withHealth: Array<{ p50: number; p99: number }> = [];
        const without: Array<{ p50: number; p99: number }> = [];
        for (let round = 0; round < 3; round++) {
          await storeHealth(knex, false);
          without.push(
            await measure(`${base}/projects/argo/pipeline`, REQUESTS),
          );
          await storeHealth(knex, true);
          withHealth.push(
            await measure(`${base}/projects/argo/pipeline`, REQUESTS),
          );
        }
        const median = (values: number[]) =>
          [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
        const p99 = median(withHealth.map(m => m.p99));
        const baseline = median(without.map(m => m.p99));
        rows.push([
          name,
          `pipeline, ${STAGES} stages x ${APPS} apps of health`,
          median(withHealth.map(m => m.p50)).toFixed(2),
          p99.toFixed(2),
          median(without.map(m => m.p50)).toFixed(2),
          baseline.toFixed(2),
          (p99 - baseline).toFixed(2),
          `<= ${GOAL_MS}`,
          p99 - baseline <= GOAL_MS ? 'met' : 'missed',
        ]);
        server.close();
      } finally {
        await cleanup();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  printTable(
    [
      'database',
      `route (${REQUESTS} requests, median of 3 rounds)`,
      'p50 ms',
      'p99 ms',
      'without Argo CD p50 ms',
      'without Argo CD p99 ms',
      'difference ms',
      'goal ms',
      'goal',
    ],
    rows,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
