import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import yaml from 'yaml';
import { DiscoveryService } from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { JsonObject, JsonValue } from '@backstage/types';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
// The actions talk to the real Kargo backend plugin over HTTP and to the Kubernetes API double.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import kargoBackend from '@kargo-portal/plugin-kargo-backend';
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import { KubernetesApiServerDouble } from '@kargo-portal/plugin-kargo-backend/testUtils';
import {
  createTemplateRenderer,
  TemplateContext,
  TemplateValue,
} from 'nunjitsu';
import { createArgoCdApplicationSetAction } from './actions/applicationSet/createApplicationSet';
import { createKargoProjectAction } from './actions/project/createProject';

const templateFile = path.resolve(
  __dirname,
  '../../../examples/templates/new-service/template.yaml',
);
const TEMPLATE = 'template:default/new-service';
const GUEST = 'user:default/guest';

/** Renders `${{ }}` in every string of a step's input, as the scaffolder's workflow runner does. */
function render(value: JsonValue, context: TemplateContext): JsonValue {
  const renderer = createTemplateRenderer();
  return JSON.parse(JSON.stringify(value), (_key, item) =>
    typeof item === 'string' ? renderer.renderValue(item, context) : item,
  );
}

// The demo template (examples/templates/new-service) runs its Kargo and Argo CD steps with these actions; its
// fetch:template and demo:publish:git steps are the scaffolder's and the demo backend's (tested there), so the
// publish step's output is given here.
describe('the template "New service with a promotion pipeline"', () => {
  const workspace = createMockDirectory();
  let server: Awaited<ReturnType<typeof startTestBackend>>['server'];
  let cluster: KubernetesApiServerDouble;
  let actions: Array<
    | ReturnType<typeof createKargoProjectAction>
    | ReturnType<typeof createArgoCdApplicationSetAction>
  >;

  beforeAll(async () => {
    cluster = await KubernetesApiServerDouble.start({ name: 'production' });
    ({ server } = await startTestBackend({
      features: [
        kargoBackend,
        catalogServiceMock.factory(),
        mockServices.rootConfig.factory({ data: {} }),
      ],
    }));
    const baseUrl = `http://localhost:${server.port()}/api`;
    const discovery: DiscoveryService = {
      getBaseUrl: async pluginId => `${baseUrl}/${pluginId}`,
      getExternalBaseUrl: async pluginId => `${baseUrl}/${pluginId}`,
    };
    const config = new ConfigReader({
      app: { baseUrl: 'https://portal.example.com' },
      kargo: {
        argocd: {
          defaultCluster: 'production',
          clusters: [{ ...cluster.cluster }],
        },
      },
    });
    actions = [
      createKargoProjectAction({
        auth: mockServices.auth({ pluginId: 'scaffolder' }),
        discovery,
        config,
      }),
      createArgoCdApplicationSetAction({ config }),
    ];
  });
  afterAll(() => cluster.close());

  const parameters = {
    name: 'shop',
    description: 'A shop',
    owner: 'group:default/guests',
  };
  const remoteUrl = 'file:///tmp/kargo-portal-demo/services/shop.git';

  /** Runs the template's steps in order, as the scaffolder does, stopping at the first failure. */
  async function runTemplate() {
    const template = yaml.parse(await fs.readFile(templateFile, 'utf8'));
    const steps: Record<string, TemplateValue> = {
      publish: { output: { remoteUrl, branch: 'main' } },
    };
    const outputs: Record<string, Record<string, TemplateValue>> = {};
    const ran: string[] = [];
    for (const step of template.spec.steps) {
      const action = actions.find(a => a.id === step.action);
      if (!action) continue;
      const ctx = {
        ...createMockActionContext({
          workspacePath: workspace.path,
          input: render(step.input, { parameters, steps }) as JsonObject,
          templateInfo: { entityRef: TEMPLATE, baseUrl: 'https://example.com' },
        }),
        getInitiatorCredentials: async () => mockCredentials.user(GUEST),
      };
      await action.handler(ctx as never);
      outputs[step.id] = Object.fromEntries(
        (ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k, v]),
      );
      steps[step.id] = { output: outputs[step.id] };
      ran.push(step.id);
    }
    return { ran, outputs };
  }

  const definitionVersion = async () => {
    const res = await request(server)
      .get('/api/kargo/definitions')
      .set('Authorization', mockCredentials.user.header(GUEST));
    return res.body.items.find((s: { projects: string[] }) =>
      s.projects.includes('shop'),
    )?.version;
  };
  const applicationSet = () =>
    cluster.store.get(
      cluster.store.resourceTypes.applicationSet,
      'argocd',
      'shop',
    );

  it('fails half-way leaving what a re-run finishes, and a further re-run changes nothing', async () => {
    // The cluster refuses the ApplicationSet once: the project is registered, the ApplicationSet is not.
    cluster.failNextRequests({
      path: '/applicationsets/shop',
      code: 500,
      message: 'etcdserver: request timed out',
    });
    await expect(runTemplate()).rejects.toThrow(/request timed out|500/);
    expect(await definitionVersion()).toBeDefined();
    expect(applicationSet()).toBeUndefined();

    // Running the template again with the same values finishes it.
    const { ran, outputs } = await runTemplate();
    expect(ran).toEqual(['kargo', 'applicationset']);
    expect(outputs.kargo.result).toBe('updated');
    const version = await definitionVersion();
    expect(applicationSet()?.spec).toMatchObject({
      generators: [
        {
          list: {
            elements: [
              { stage: 'dev' },
              { stage: 'staging' },
              { stage: 'prod' },
            ],
          },
        },
      ],
      template: {
        metadata: {
          name: 'shop-{{stage}}',
          annotations: { 'kargo.akuity.io/authorized-stage': 'shop:{{stage}}' },
        },
        spec: {
          source: { repoURL: remoteUrl, path: 'env/{{stage}}' },
          destination: { namespace: 'shop-{{stage}}' },
        },
      },
    });
    const resourceVersion = applicationSet()?.metadata.resourceVersion;

    // Once more: nothing changes.
    await runTemplate();
    expect(await definitionVersion()).toBe(version);
    expect(applicationSet()?.metadata.resourceVersion).toBe(resourceVersion);

    // The project: owned by the given group, a warehouse on the new repository (promotions' commits to env/ are
    // not new freight), dev -> staging -> prod, each updating its own Argo CD app through the PromotionTask.
    const manifests = parseManifests({
      source: 'kargo/project.yaml',
      text: await fs.readFile(
        path.join(workspace.path, 'kargo/project.yaml'),
        'utf8',
      ),
    });
    expect(
      manifests.find(m => m.kind === 'Project')?.metadata.annotations,
    ).toMatchObject({ 'kargo-portal/owners': 'group:default/guests' });
    const warehouse = manifests.find(m => m.kind === 'Warehouse');
    expect(
      warehouse?.kind === 'Warehouse' && warehouse.spec.subscriptions,
    ).toEqual([
      {
        git: expect.objectContaining({
          repoURL: remoteUrl,
          branch: 'main',
          commitSelectionStrategy: 'NewestFromBranch',
          excludePaths: ['env'],
        }),
      },
    ]);
    const task = manifests.find(m => m.kind === 'PromotionTask');
    expect(
      task?.kind === 'PromotionTask' && task.spec.steps.map(s => s.uses),
    ).toEqual([
      'git-clone',
      'yaml-update',
      'git-commit',
      'git-push',
      'argocd-update',
    ]);
    expect(
      manifests.filter(m => m.kind === 'Stage').map(m => m.metadata.name),
    ).toEqual(['dev', 'staging', 'prod']);
  });
});
