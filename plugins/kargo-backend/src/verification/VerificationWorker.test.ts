import http from 'node:http';
import { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import { readManifestSource } from '@kargo-portal/plugin-kargo-common';
import { stringify } from 'yaml';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import {
  createStores,
  freight,
  uniqueAlias,
} from '../__testUtils__/storeFixtures';
import {
  TestPrometheus,
  startPrometheus,
} from '../__testUtils__/services/prometheus';
import { Verification } from '../stores/VerificationStore';
import { VerificationWorker } from './VerificationWorker';

jest.setTimeout(90_000);

/** A local HTTP endpoint for the web provider: answers what the test sets, and records the requests. */
async function startWebServer() {
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  const requests: Array<{ url: string; headers: http.IncomingHttpHeaders }> =
    [];
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    answer: (status: number, body: unknown) => {
      answer = { status, body };
    },
    stop: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

type Metric = Record<string, unknown>;

function catalogOf(options: {
  metrics: Metric[];
  templateArgs?: unknown[];
  stageArgs?: Array<{ name: string; value: string }>;
  template?: string;
}): DefinitionCatalog {
  const docs = [
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
        subscriptions: [{ git: { repoURL: 'https://git.example/app' } }],
      },
    },
    {
      apiVersion: 'kargo.akuity.io/v1alpha1',
      kind: 'Stage',
      metadata: { name: 'dev', namespace: 'shop' },
      spec: {
        vars: [{ name: 'team', value: 'shop-team' }],
        requestedFreight: [
          {
            origin: { kind: 'Warehouse', name: 'app' },
            sources: { direct: true },
          },
        ],
        verification: {
          analysisTemplates: [{ name: options.template ?? 'check' }],
          ...(options.stageArgs ? { args: options.stageArgs } : {}),
        },
      },
    },
    {
      apiVersion: 'kargo.akuity.io/v1alpha1',
      kind: 'Stage',
      metadata: { name: 'staging', namespace: 'shop' },
      spec: {
        requestedFreight: [
          {
            origin: { kind: 'Warehouse', name: 'app' },
            sources: { stages: ['dev'] },
          },
        ],
      },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'check', namespace: 'shop' },
      spec: {
        ...(options.templateArgs ? { args: options.templateArgs } : {}),
        metrics: options.metrics,
      },
    },
  ];
  const contents = readManifestSource({
    source: 'test.yaml',
    text: docs.map(d => stringify(d)).join('---\n'),
  });
  return DefinitionCatalog.fromManifests(
    contents.manifests,
    contents.analysisTemplates,
  );
}

const FINISHED = ['Successful', 'Failed', 'Error', 'Aborted', 'Inconclusive'];

describe('VerificationWorker', () => {
  let prometheus: TestPrometheus;
  let web: Awaited<ReturnType<typeof startWebServer>>;
  const workers: VerificationWorker[] = [];

  beforeAll(async () => {
    [prometheus, web] = await Promise.all([
      startPrometheus(),
      startWebServer(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([prometheus?.stop(), web?.stop()]);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map(w => w.stop()));
  });

  async function setup(
    catalog: DefinitionCatalog,
    options: { health?: 'NotApplicable' | 'Progressing' } = {},
  ) {
    const stores: DatabaseKargoStores = await createStores('SQLITE_3');
    const f = freight(1);
    await stores.freight.insertFreight(f, uniqueAlias);
    await stores.stages.setCurrentFreight({
      project: 'shop',
      stage: 'dev',
      freightId: f.id,
      at: new Date(),
    });
    await stores.stages.putStageHealth({
      project: 'shop',
      stage: 'dev',
      health: { status: options.health ?? 'NotApplicable', applications: [] },
      at: new Date(),
    });
    const worker = (workerId: string) => {
      const w = VerificationWorker.create({
        stores,
        definitions: { getCatalog: async () => catalog },
        secret: (project, name) =>
          project === 'shop' && name === 'status-api'
            ? { token: 's3cret-token' }
            : undefined,
        logger: mockServices.logger.mock(),
        workerId,
        leaseMs: 2_000,
      });
      workers.push(w);
      return w;
    };
    const current = async () =>
      (await stores.verifications.getCurrent('shop', ['dev'])).dev;
    const eligibleInStaging = async () =>
      (
        await stores.freight.listFreightCandidates({
          project: 'shop',
          origins: ['app'],
          verifiedIn: ['dev'],
          approvedFor: 'staging',
        })
      ).map(c => c.freight.id);
    /** Runs passes of `w` until the stage's verification is over. */
    const runToEnd = async (w: VerificationWorker): Promise<Verification> => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        await w.tick();
        const v = await current();
        if (v && FINISHED.includes(v.phase)) return v;
        if (Date.now() > deadline) {
          throw new Error(`verification did not end: ${JSON.stringify(v)}`);
        }
        await new Promise(r => setTimeout(r, 100));
      }
    };
    return { stores, f, worker, current, eligibleInStaging, runToEnd };
  }

  it('verifies with the web provider once the stage is healthy, and the freight becomes eligible downstream', async () => {
    web.answer(200, { data: { ok: true, latency: [120, 80] } });
    const bed = await setup(
      catalogOf({
        templateArgs: [
          { name: 'stage' },
          {
            name: 'token',
            valueFrom: { secretKeyRef: { name: 'status-api', key: 'token' } },
          },
        ],
        stageArgs: [
          { name: 'stage', value: '${{ ctx.stage }}-${{ vars.team }}' },
        ],
        metrics: [
          {
            name: 'ok',
            successCondition:
              'result.ok && all(result.latency, {# < 200}) && len(result.latency) == 2',
            provider: {
              web: {
                url: `${web.url}/status/{{args.stage}}`,
                headers: [
                  { key: 'Authorization', value: 'Bearer {{args.token}}' },
                ],
                jsonPath: '{$.data}',
              },
            },
          },
        ],
      }),
    );
    expect(await bed.eligibleInStaging()).toEqual([]);
    const v = await bed.runToEnd(bed.worker('a'));
    expect(v).toMatchObject({
      phase: 'Successful',
      attempt: 1,
      freightIds: [bed.f.id],
      measurements: [
        expect.objectContaining({ metric: 'ok', phase: 'Successful' }),
      ],
    });
    expect(v.startedAt).toBeDefined();
    expect(v.finishedAt).toBeDefined();
    const request = web.requests[web.requests.length - 1];
    expect(request.url).toBe('/status/dev-shop-team');
    expect(request.headers.authorization).toBe('Bearer s3cret-token');
    // The secret is read when measuring: it is not stored with the verification.
    expect(JSON.stringify(v)).not.toContain('s3cret-token');
    expect(await bed.eligibleInStaging()).toEqual([bed.f.id]);
  });

  it('does not start while the stage is not healthy, and ends in Error when its template is missing', async () => {
    const waiting = await setup(
      catalogOf({
        metrics: [{ name: 'm', provider: { web: { url: web.url } } }],
      }),
      { health: 'Progressing' },
    );
    await waiting.worker('a').tick();
    expect(await waiting.current()).toBeUndefined();

    const missing = await setup(
      catalogOf({
        template: 'nope',
        metrics: [{ name: 'm', provider: { web: { url: web.url } } }],
      }),
    );
    await missing.worker('a').tick();
    expect(await missing.current()).toMatchObject({
      phase: 'Error',
      message: 'AnalysisTemplate "nope" is not defined in project shop',
    });
  });

  it('waits for the running promotion, and for health evaluated after the last one', async () => {
    const bed = await setup(
      catalogOf({
        metrics: [{ name: 'm', provider: { web: { url: web.url } } }],
      }),
    );
    const promotion = await bed.stores.promotions.createPromotion({
      project: 'shop',
      stage: 'dev',
      freightId: bed.f.id,
      at: new Date(),
    });
    await bed.stores.promotions.claim({
      id: promotion.id,
      workerId: 'w',
      now: new Date(),
      leaseMs: 60_000,
    });
    const w = bed.worker('a');
    await w.tick();
    expect(await bed.current()).toBeUndefined();
    await bed.stores.promotions.finish({
      id: promotion.id,
      workerId: 'w',
      phase: 'Succeeded',
      now: new Date(),
    });
    // The stored health was evaluated before the promotion finished.
    await w.tick();
    expect(await bed.current()).toBeUndefined();
    await bed.stores.stages.putStageHealth({
      project: 'shop',
      stage: 'dev',
      health: {
        status: 'NotApplicable',
        promotion: promotion.id,
        applications: [],
      },
      at: new Date(),
    });
    await w.tick();
    expect(await bed.current()).toMatchObject({ attempt: 1, actor: undefined });
  });

  it('aborts the verification of a collection the stage left', async () => {
    web.answer(200, { ok: 1 });
    const bed = await setup(
      catalogOf({
        metrics: [
          {
            name: 'up',
            interval: '1s',
            count: 3,
            provider: { web: { url: web.url } },
          },
        ],
      }),
    );
    const w = bed.worker('a');
    await w.tick();
    await w.tick();
    expect(await bed.current()).toMatchObject({ phase: 'Running' });
    const next = freight(2);
    await bed.stores.freight.insertFreight(next, uniqueAlias);
    await bed.stores.stages.setCurrentFreight({
      project: 'shop',
      stage: 'dev',
      freightId: next.id,
      at: new Date(),
    });
    await bed.stores.stages.putStageHealth({
      project: 'shop',
      stage: 'dev',
      health: { status: 'Progressing', applications: [] },
      at: new Date(),
    });
    await new Promise(r => setTimeout(r, 1_100));
    await w.tick();
    expect(await bed.current()).toMatchObject({
      phase: 'Aborted',
      freightIds: [bed.f.id],
      message: 'Stage dev moved on to another freight collection',
    });
    expect(await bed.eligibleInStaging()).toEqual([]);
  });

  it('runs prometheus queries: success over count measurements, failure beyond failureLimit', async () => {
    prometheus.setValue(0.99);
    await prometheus.waitForValue(0.99);
    const metric = {
      name: 'success-rate',
      interval: '{{args.interval}}',
      count: 2,
      successCondition:
        'len(result) == 1 && result[0] >= 0.95 && !isNaN(result[0])',
      failureLimit: 1,
      provider: {
        prometheus: { address: prometheus.url, query: 'kargo_test_value' },
      },
    };
    const templateArgs = [{ name: 'interval', value: '5m' }];
    const stageArgs = [{ name: 'interval', value: '1s' }];
    const good = await setup(
      catalogOf({ metrics: [metric], templateArgs, stageArgs }),
    );
    const ok = await good.runToEnd(good.worker('a'));
    expect(ok.phase).toBe('Successful');
    expect(ok.measurements.map(m => [m.phase, m.value])).toEqual([
      ['Successful', '[0.99]'],
      ['Successful', '[0.99]'],
    ]);

    prometheus.setValue(0.5);
    await prometheus.waitForValue(0.5);
    const bad = await setup(
      catalogOf({
        metrics: [{ ...metric, count: 5 }],
        templateArgs,
        stageArgs,
      }),
    );
    const failed = await bad.runToEnd(bad.worker('a'));
    expect(failed.phase).toBe('Failed');
    expect(failed.message).toBe(
      'Metric "success-rate" assessed Failed due to failed (2) > failureLimit (1)',
    );
    expect(failed.measurements).toHaveLength(2);
    expect(await bad.eligibleInStaging()).toEqual([]);
  });

  it('ends Inconclusive when neither condition holds, and in Error beyond consecutiveErrorLimit', async () => {
    prometheus.setValue(5);
    await prometheus.waitForValue(5);
    const unsure = await setup(
      catalogOf({
        metrics: [
          {
            name: 'value',
            successCondition: 'result[0] > 10',
            failureCondition: 'result[0] < 0',
            provider: {
              prometheus: {
                address: prometheus.url,
                query: 'kargo_test_value',
              },
            },
          },
        ],
      }),
    );
    expect((await unsure.runToEnd(unsure.worker('a'))).phase).toBe(
      'Inconclusive',
    );

    web.answer(500, { error: 'down' });
    const broken = await setup(
      catalogOf({
        metrics: [
          {
            name: 'up',
            interval: '1s',
            consecutiveErrorLimit: 1,
            provider: { web: { url: web.url } },
          },
        ],
      }),
    );
    const errored = await broken.runToEnd(broken.worker('a'));
    expect(errored.phase).toBe('Error');
    expect(errored.measurements.map(m => m.phase)).toEqual(['Error', 'Error']);
    expect(errored.message).toContain('received non 2xx response code: 500');
  });

  it('stops at an abort, re-verifies as a new attempt, and resumes after a crash from the stored measurements', async () => {
    web.answer(200, { ok: 1 });
    const metric = {
      name: 'up',
      interval: '1s',
      count: 3,
      successCondition: 'result.ok == 1',
      provider: { web: { url: web.url } },
    };
    const bed = await setup(catalogOf({ metrics: [metric] }));
    const a = bed.worker('a');
    await a.tick(); // starts it
    await a.tick(); // first measurement
    expect((await bed.current())?.measurements).toHaveLength(1);
    await bed.stores.verifications.abort({
      project: 'shop',
      stage: 'dev',
      actor: 'user:default/ann',
      at: new Date(),
    });
    await new Promise(r => setTimeout(r, 1_100));
    await a.tick();
    expect(await bed.current()).toMatchObject({
      phase: 'Aborted',
      abortedBy: 'user:default/ann',
      measurements: [expect.objectContaining({ phase: 'Successful' })],
    });
    expect(await bed.eligibleInStaging()).toEqual([]);

    // Re-verify: the next attempt of the same collection.
    const again = (await bed.stores.verifications.create({
      project: 'shop',
      stage: 'dev',
      collectionId: (await bed.current())!.collectionId,
      freightIds: [bed.f.id],
      analysis: (await bed.current())!.analysis,
      actor: 'user:default/ann',
      first: false,
      at: new Date(),
    }))!;
    expect(again.attempt).toBe(2);
    await a.tick(); // first measurement of the new attempt
    // A worker that crashed holding the claim: its lease runs out, and another worker resumes.
    await new Promise(r => setTimeout(r, 1_100));
    expect(
      await bed.stores.verifications.claim({
        id: again.id,
        workerId: 'crashed',
        now: new Date(),
        leaseMs: 1_000,
      }),
    ).toBeDefined();
    const b = bed.worker('b');
    await b.tick();
    expect((await bed.current())?.measurements).toHaveLength(1);
    await new Promise(r => setTimeout(r, 1_100));
    const done = await bed.runToEnd(b);
    expect(done).toMatchObject({ id: again.id, phase: 'Successful' });
    expect(done.measurements).toHaveLength(3);
    expect(await bed.eligibleInStaging()).toEqual([bed.f.id]);
  });
});
