import { Knex } from 'knex';
import { stringify } from 'yaml';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  Promotion,
  PromotionStepSpec,
  parseManifests,
} from '@kargo-portal/plugin-kargo-common';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { StepRegistry } from '../promotion/engine/StepRegistry';
import {
  PromotionWorker,
  PromotionWorkerOptions,
  createPromotionWorker,
} from '../promotion/worker/PromotionWorker';

/** Steps of a task, for {@link promotionCatalog}. */
export interface TestTask {
  name: string;
  cluster?: boolean;
  vars?: Array<{ name: string; value?: string }>;
  steps: PromotionStepSpec[];
}

/** Options of {@link promotionManifests}. */
export interface TestPipeline {
  stages: Record<
    string,
    | PromotionStepSpec[]
    | {
        steps: PromotionStepSpec[];
        vars?: Array<{ name: string; value?: string }>;
      }
  >;
  tasks?: TestTask[];
}

/**
 * Kargo manifests of project `shop` with warehouse `app` and the given stages (each with the given promotion
 * steps and template vars; no steps make a control-flow stage, without a promotion template) and tasks.
 */
export function promotionManifests(options: TestPipeline): string {
  const docs: unknown[] = [
    {
      apiVersion: 'kargo.akuity.io/v1alpha1',
      kind: 'Project',
      metadata: { name: 'shop' },
    },
    {
      apiVersion: 'kargo.akuity.io/v1alpha1',
      kind: 'Warehouse',
      metadata: { name: 'app', namespace: 'shop' },
      spec: {
        subscriptions: [
          { image: { repoURL: 'ghcr.io/example/app', constraint: '^1' } },
        ],
      },
    },
  ];
  for (const [name, template] of Object.entries(options.stages)) {
    const spec = Array.isArray(template) ? { steps: template } : template;
    docs.push({
      apiVersion: 'kargo.akuity.io/v1alpha1',
      kind: 'Stage',
      metadata: { name, namespace: 'shop' },
      spec: {
        requestedFreight: [
          {
            origin: { kind: 'Warehouse', name: 'app' },
            sources: { direct: true },
          },
        ],
        // No steps: a control-flow stage, without a promotion template.
        ...(spec.steps.length > 0 ? { promotionTemplate: { spec } } : {}),
      },
    });
  }
  for (const task of options.tasks ?? []) {
    docs.push({
      apiVersion: 'kargo.akuity.io/v1alpha1',
      kind: task.cluster ? 'ClusterPromotionTask' : 'PromotionTask',
      metadata: task.cluster
        ? { name: task.name }
        : { name: task.name, namespace: 'shop' },
      spec: { ...(task.vars ? { vars: task.vars } : {}), steps: task.steps },
    });
  }
  return docs.map(d => stringify(d)).join('---\n');
}

/** The definitions catalog of {@link promotionManifests}, parsed and validated like real manifests. */
export function promotionCatalog(options: TestPipeline): DefinitionCatalog {
  return DefinitionCatalog.fromManifests(
    parseManifests({ source: 'test.yaml', text: promotionManifests(options) }),
  );
}

/** A test step: `behave` decides each run's result from the context and config. */
export function testStep(
  name: string,
  behave: (
    context: PromotionStepContext,
    config: Record<string, unknown>,
  ) => Promise<PromotionStepResult> | PromotionStepResult,
  metadata: Partial<
    Pick<
      PromotionStepRunner,
      'defaultTimeoutMs' | 'defaultErrorThreshold' | 'propagatesTaskOutput'
    >
  > = {},
): PromotionStepRunner<Record<string, unknown>> {
  return {
    name,
    ...metadata,
    parseConfig(config) {
      if (config === null || typeof config !== 'object') {
        throw new Error('config must be an object');
      }
      return config as Record<string, unknown>;
    },
    run: async (context, config) => behave(context, config),
  };
}

let freightCounter = 0;

/** A migrated database with the store, and helpers to add freight and promotions of project `shop`. */
export async function promotionTestBed(knex: Knex) {
  await applyDatabaseMigrations(knex);
  const stores = DatabaseKargoStores.fromKnex(knex);
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  const tick = () => new Date((clock += 1000));

  async function addFreight(origin = 'app') {
    const n = ++freightCounter;
    const { freight } = await stores.freight.insertFreight(
      {
        project: 'shop',
        id: n.toString(16).padStart(40, '0'),
        origin: { kind: 'Warehouse', name: origin },
        commits: [],
        images: [
          { repoURL: 'ghcr.io/example/app', tag: `1.0.${n}`, digest: '' },
        ],
        charts: [],
        createdAt: tick(),
      },
      { generateAlias: async () => `freight-${n}` },
    );
    return freight;
  }

  async function promote(stage: string, freightId?: string) {
    const id = freightId ?? (await addFreight()).id;
    return stores.promotions.createPromotion({
      project: 'shop',
      stage,
      freightId: id,
      actor: 'user:default/tester',
      at: tick(),
    });
  }

  async function promotion(id: string): Promise<Promotion> {
    const found = await stores.promotions.getPromotion('shop', id);
    if (!found) throw new Error(`no promotion ${id}`);
    return found;
  }

  function worker(
    options: {
      catalog: DefinitionCatalog;
      steps: PromotionStepRunner<any>[];
      workDir: string;
    } & Partial<PromotionWorkerOptions>,
  ): PromotionWorker {
    const { catalog, steps, workDir, settings, ...rest } = options;
    return createPromotionWorker({
      stores,
      definitions: { getCatalog: async () => catalog },
      registry: StepRegistry.create(steps),
      logger: mockServices.logger.mock(),
      config: new ConfigReader({}),
      ...rest,
      settings: {
        concurrency: 2,
        leaseMs: 5_000,
        pollIntervalMs: 50,
        shutdownTimeoutMs: 2_000,
        ...settings,
        workDir,
      },
      engine: {
        errorRetryDelayMs: () => 0,
        minRetryAfterMs: 0,
        ...rest.engine,
      },
    });
  }

  /** Runs `runOnce` on the workers until no promotion is Pending or Running, or `timeoutMs` passes. */
  async function drain(workers: PromotionWorker[], timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const open = await knex('kargo_promotions')
        .whereIn('phase', ['Pending', 'Running'])
        .count<Array<{ n: string | number }>>('* as n');
      if (Number(open[0].n) === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`promotions still open after ${timeoutMs} ms`);
      }
      const claimed = await Promise.all(workers.map(w => w.runOnce()));
      if (claimed.every(n => n === 0)) {
        await new Promise(resolve => setTimeout(resolve, 10));
      }
    }
  }

  return { knex, stores, addFreight, promote, promotion, worker, drain, tick };
}
