import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  InvalidSubscriptionError,
  createArtifactSource,
  kargoArtifactSourcesExtensionPoint,
  kargoPromotionStepsExtensionPoint,
} from '@kargo-portal/plugin-kargo-node';
import { kargoPlugin } from '../../plugin';

const manifests = `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: weather }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: forecasts, namespace: weather }
spec:
  subscriptions:
    - name: oslo
      forecast: { config: { city: Oslo } }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: misconfigured, namespace: weather }
spec:
  subscriptions:
    - name: nowhere
      forecast: { config: { city: 3 } }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: dev, namespace: weather }
spec:
  requestedFreight:
    - origin: { kind: Warehouse, name: forecasts }
      sources: { direct: true }
  promotionTemplate:
    spec:
      steps:
        - uses: record-forecast
          config:
            version: \${{ artifactFrom("oslo").Version }}
            sky: \${{ artifactFrom("oslo").Metadata.sky }}
`;

/** What the module's step saw, promotion by promotion. */
const recorded: Array<{ config: unknown; artifacts: unknown }> = [];

// A fourth subscription type, as a backend module adds it: a "forecast" of a city, whose revisions are days.
const forecastModule = createBackendModule({
  pluginId: 'kargo',
  moduleId: 'forecast-source',
  register(env) {
    env.registerInit({
      deps: {
        sources: kargoArtifactSourcesExtensionPoint,
        steps: kargoPromotionStepsExtensionPoint,
      },
      async init({ sources, steps }) {
        sources.addArtifactSources(
          createArtifactSource({
            type: 'forecast',
            label: 'Weather forecast',
            artifactType: 'application/vnd.example.forecast',
            parseConfig: config => {
              if (typeof config.city !== 'string') {
                throw new InvalidSubscriptionError('city', 'must be a string');
              }
              return { city: config.city };
            },
            subject: config => `forecast for ${config.city}`,
            discover: async ({ config }) => [
              {
                version: '2026-05-02',
                metadata: { sky: `sunny in ${config.city}` },
              },
              { version: '2026-05-01', metadata: { sky: 'rain' } },
            ],
          }),
        );
        steps.addSteps({
          name: 'record-forecast',
          parseConfig: config => config,
          run: async (context, config) => {
            recorded.push({
              config,
              artifacts: context.targetFreight.artifacts,
            });
            return { status: 'Succeeded' };
          },
        });
      },
    });
  },
});

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  // Polls without a time budget of its own: Jest's timeout bounds the test.
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise(r => setTimeout(r, 100));
  }
}

describe('artifact sources of backend modules', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-sources-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const config = () => {
    fs.writeFileSync(path.join(root, 'weather.yaml'), manifests);
    return mockServices.rootConfig.factory({
      data: {
        kargo: {
          definitions: [
            { type: 'file', target: path.join(root, 'weather.yaml') },
          ],
          workDir: path.join(root, 'work'),
          promotions: {
            workDir: path.join(root, 'promotions'),
            pollInterval: { milliseconds: 100 },
          },
          warehousesSchedule: {
            frequency: { milliseconds: 200 },
            timeout: { minutes: 1 },
          },
        },
      },
    });
  };

  it('makes freight of a type a module registers, and promotes it through a step that reads it', async () => {
    const { server } = await startTestBackend({
      features: [
        kargoPlugin,
        forecastModule,
        catalogServiceMock.factory(),
        config(),
      ],
    });
    const api = '/api/kargo/projects/weather';
    // A refresh triggers the poll (the test backend's scheduler runs tasks at startup and when triggered).
    await eventually(
      async () =>
        (
          await request(server).post(`${api}/warehouses/forecasts/refresh`)
        ).status,
      status => status === 202,
    );
    const [freight] = await eventually(
      async (): Promise<Array<{ alias: string }>> =>
        (await request(server).get(`${api}/freight`)).body.items ?? [],
      items => items.length > 0,
    );
    const oslo = {
      artifactType: 'application/vnd.example.forecast',
      subscriptionName: 'oslo',
      version: '2026-05-02',
      metadata: { sky: 'sunny in Oslo' },
    };
    expect(freight).toMatchObject({
      origin: { kind: 'Warehouse', name: 'forecasts' },
      commits: [],
      images: [],
      charts: [],
      artifacts: [oslo],
    });

    // What the warehouse found is served with the type's label; a subscription of the type that does not
    // validate fails its warehouse's discovery, naming the field.
    const warehouses = (await request(server).get(`${api}/warehouses`)).body
      .items;
    const byName = (name: string) =>
      warehouses.find((w: { name: string }) => w.name === name);
    expect(byName('forecasts').discovered.results).toEqual([
      {
        type: 'forecast',
        label: 'Weather forecast',
        subscriptionName: 'oslo',
        artifactReferences: [
          oslo,
          { ...oslo, version: '2026-05-01', metadata: { sky: 'rain' } },
        ],
      },
    ]);
    const misconfigured = await eventually(
      async () =>
        (
          await request(server).get(`${api}/warehouses`)
        ).body.items.find((w: { name: string }) => w.name === 'misconfigured'),
      (w: { lastError?: string }) => w.lastError !== undefined,
    );
    expect(misconfigured.lastError).toBe(
      'subscriptions[0].forecast.config.city: must be a string',
    );

    const created = await request(server)
      .post(`${api}/stages/dev/promotions`)
      .send({ freight: freight.alias });
    expect(created.status).toBe(201);
    const done = await eventually(
      async () =>
        (
          await request(server).get(`${api}/promotions/${created.body.id}`)
        ).body,
      (p: { phase: string }) =>
        ['Succeeded', 'Failed', 'Errored', 'Aborted'].includes(p.phase),
    );
    expect(done.phase).toBe('Succeeded');
    expect(recorded).toEqual([
      {
        config: { version: '2026-05-02', sky: 'sunny in Oslo' },
        artifacts: [oslo],
      },
    ]);

    // A user may also choose another discovered revision for manual freight.
    const manual = await request(server)
      .post(`${api}/warehouses/forecasts/freight`)
      .send({
        artifacts: [{ subscriptionName: 'oslo', version: '2026-05-01' }],
      });
    expect(manual.status).toBe(201);
    expect(manual.body.artifacts).toEqual([
      { ...oslo, version: '2026-05-01', metadata: { sky: 'rain' } },
    ]);
  }, 60_000);

  it('fails the startup when a module registers a type twice', async () => {
    const imageAgain = createBackendModule({
      pluginId: 'kargo',
      moduleId: 'image-again',
      register(env) {
        env.registerInit({
          deps: { sources: kargoArtifactSourcesExtensionPoint },
          async init({ sources }) {
            sources.addArtifactSources(
              createArtifactSource({
                type: 'image',
                label: 'Another image',
                parseConfig: c => c,
                discover: async () => [],
              }),
            );
          },
        });
      },
    });
    await expect(
      startTestBackend({
        features: [
          kargoPlugin,
          imageAgain,
          catalogServiceMock.factory(),
          config(),
        ],
      }),
    ).rejects.toThrow(
      'The artifact source type "image" is registered twice; source types must be unique',
    );
  });
});
