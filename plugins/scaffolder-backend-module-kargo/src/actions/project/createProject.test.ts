import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import {
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
// The scaffolder action talks to the real Kargo backend plugin over HTTP.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import kargoBackend from '@kargo-portal/plugin-kargo-backend';
import { createKargoProjectAction } from './createProject';
import { ProjectInput } from './projectInput';
import { SCAFFOLDER_TEMPLATE_ANNOTATION } from './renderProject';

const examples = path.resolve(__dirname, '../../../../../examples/kargo');
const TEMPLATE = 'template:default/new-service';
const AMY = 'user:default/amy';
/** A user the policy refuses kargo.project.create. */
const MALLORY = 'user:default/mallory';

const promoteTask = {
  name: 'promote',
  vars: [{ name: 'argocdApp' }],
  steps: [
    {
      uses: 'argocd-update',
      config: { apps: [{ name: '${{ vars.argocdApp }}' }] },
    },
  ],
};

function projectInput(overrides: Partial<ProjectInput> = {}): ProjectInput {
  return {
    project: 'shop',
    entityRef: 'component:default/shop',
    warehouses: [
      {
        name: 'shop',
        subscriptions: [{ image: { repoURL: 'ghcr.io/acme/shop' } }],
      },
    ],
    promotionTasks: [promoteTask],
    stages: ['dev', 'staging', 'prod'].map((stage, i, all) => ({
      name: stage,
      ...(i > 0 && { upstreamStages: [all[i - 1]] }),
      promotionTask: { name: 'promote' },
      argocdApp: { name: `shop-${stage}` },
      ...(stage === 'dev' && { autoPromotion: true }),
    })),
    ...overrides,
  };
}

describe('kargo:project:create', () => {
  const workspace = createMockDirectory();
  let server: Awaited<ReturnType<typeof startTestBackend>>['server'];
  let action: ReturnType<typeof createKargoProjectAction>;

  beforeAll(async () => {
    ({ server } = await startTestBackend({
      features: [
        kargoBackend,
        catalogServiceMock.factory(),
        mockServices.rootConfig.factory({
          data: {
            kargo: {
              definitions: [
                { type: 'file', target: path.join(examples, '*.yaml') },
              ],
            },
          },
        }),
        // The policy: Mallory may not create projects; everything else is allowed.
        mockServices.permissions.mock({
          authorize: async (requests, options) =>
            requests.map(({ permission }) => ({
              result:
                permission.name === 'kargo.project.create' &&
                userOf(options?.credentials) === MALLORY
                  ? AuthorizeResult.DENY
                  : AuthorizeResult.ALLOW,
            })),
          authorizeConditional: async requests =>
            requests.map(() => ({ result: AuthorizeResult.ALLOW })),
        }).factory,
      ],
    }));
    const baseUrl = `http://localhost:${server.port()}/api`;
    const discovery: DiscoveryService = {
      getBaseUrl: async pluginId => `${baseUrl}/${pluginId}`,
      getExternalBaseUrl: async pluginId => `${baseUrl}/${pluginId}`,
    };
    action = createKargoProjectAction({
      auth: mockServices.auth({ pluginId: 'scaffolder' }),
      discovery,
      config: new ConfigReader({
        app: { baseUrl: 'https://portal.example.com' },
      }),
    });
  });

  beforeEach(() => workspace.clear());

  /** A context as the scaffolder gives it: the user running the template, the template's entity. */
  function context(
    input: ProjectInput,
    options: { user?: string; template?: string; dryRun?: boolean } = {},
  ) {
    return {
      ...createMockActionContext({
        workspacePath: workspace.path,
        input,
        templateInfo: {
          entityRef: options.template ?? TEMPLATE,
          baseUrl: 'https://example.com',
        },
      }),
      getInitiatorCredentials: async () =>
        mockCredentials.user(options.user ?? AMY),
      isDryRun: options.dryRun,
    };
  }

  async function definitionVersion(project: string) {
    const res = await request(server)
      .get('/api/kargo/definitions')
      .set('Authorization', mockCredentials.user.header(AMY));
    return res.body.items.find((s: { projects: string[] }) =>
      s.projects.includes(project),
    )?.version;
  }

  it('registers the project on behalf of the user, with stages that have promotion steps', async () => {
    const ctx = context(projectInput());
    await action.handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith('result', 'created');
    expect(ctx.output).toHaveBeenCalledWith('project', 'shop');
    expect(ctx.output).toHaveBeenCalledWith(
      'url',
      'https://portal.example.com/catalog/default/component/shop/kargo',
    );

    const summary = await request(server)
      .get('/api/kargo/projects/shop')
      .set('Authorization', mockCredentials.user.header(AMY));
    expect(summary.body).toEqual({
      name: 'shop',
      stageCount: 3,
      warehouseCount: 1,
      source: 'api',
      annotations: { [SCAFFOLDER_TEMPLATE_ANNOTATION]: TEMPLATE },
    });
    const pipeline = await request(server)
      .get('/api/kargo/projects/shop/pipeline')
      .set('Authorization', mockCredentials.user.header(AMY));
    expect(pipeline.status).toBe(200);
    expect(
      pipeline.body.stages.map((s: { name: string }) => s.name).sort(),
    ).toEqual(['dev', 'prod', 'staging']);

    // Every stage can be promoted to: it runs the PromotionTask, which exists in the project.
    const manifests = parseManifests({
      source: 'output',
      text: String(
        jest
          .mocked(ctx.output)
          .mock.calls.find(([k]) => k === 'manifests')?.[1],
      ),
    });
    for (const stage of manifests.filter(m => m.kind === 'Stage')) {
      expect(
        stage.kind === 'Stage' && stage.spec.promotionTemplate?.spec.steps,
      ).toEqual([
        {
          task: { name: 'promote' },
          vars: [{ name: 'argocdApp', value: `shop-${stage.metadata.name}` }],
        },
      ]);
    }
    expect(manifests.map(m => m.kind)).toEqual([
      'Project',
      'ProjectConfig',
      'Warehouse',
      'PromotionTask',
      'Stage',
      'Stage',
      'Stage',
    ]);
  });

  it('changes nothing on a re-run with the same input, and updates its project on changed input', async () => {
    const before = await definitionVersion('shop');
    expect(before).toBeDefined();
    const again = context(projectInput());
    await action.handler(again);
    expect(again.output).toHaveBeenCalledWith('result', 'updated');
    expect(await definitionVersion('shop')).toBe(before);

    const changed = projectInput();
    changed.stages = changed.stages.slice(0, 2);
    await action.handler(context(changed));
    expect(await definitionVersion('shop')).toBe(before + 1);
    const summary = await request(server)
      .get('/api/kargo/projects/shop')
      .set('Authorization', mockCredentials.user.header(AMY));
    expect(summary.body.stageCount).toBe(2);
  });

  it('refuses a project of the same name made by another template or defined by a file', async () => {
    await expect(
      action.handler(
        context(projectInput(), { template: 'template:default/other' }),
      ),
    ).rejects.toThrow(
      'project: the Kargo project "shop" already exists and was not created by this template (template:default/other); it was created by the template template:default/new-service',
    );
    await expect(
      action.handler(context(projectInput({ project: 'guestbook' }))),
    ).rejects.toThrow(
      'project: the Kargo project "guestbook" already exists, defined by a configured file source (kargo.definitions), not by this template',
    );
  });

  it("registers with the user's own permissions: a user without kargo.project.create is refused", async () => {
    const ctx = context(projectInput({ project: 'denied' }), {
      user: MALLORY,
    });
    await expect(action.handler(ctx)).rejects.toThrow(
      /creating Kargo project "denied" on behalf of user:default\/mallory was refused: .*kargo\.project\.create/,
    );
    const res = await request(server)
      .get('/api/kargo/projects/denied')
      .set('Authorization', mockCredentials.user.header(AMY));
    expect(res.status).toBe(404);
  });

  it('returns the manifests on a dry run, registering and writing nothing', async () => {
    const ctx = context(
      projectInput({ project: 'dry', targetPath: 'kargo/project.yaml' }),
      { dryRun: true },
    );
    await action.handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith('result', 'dry-run');
    expect(ctx.output).toHaveBeenCalledWith(
      'manifests',
      expect.stringContaining('kind: Project'),
    );
    await expect(
      fs.access(path.join(workspace.path, 'kargo/project.yaml')),
    ).rejects.toThrow();
    const res = await request(server)
      .get('/api/kargo/projects/dry')
      .set('Authorization', mockCredentials.user.header(AMY));
    expect(res.status).toBe(404);
  });

  it('only writes the manifests into the workspace with register: false', async () => {
    const ctx = context(
      projectInput({
        project: 'written',
        register: false,
        targetPath: 'kargo/project.yaml',
      }),
    );
    await action.handler(ctx);
    const text = await fs.readFile(
      path.join(workspace.path, 'kargo/project.yaml'),
      'utf8',
    );
    expect(parseManifests({ source: 'file', text })).toHaveLength(7);
    expect(ctx.output).toHaveBeenCalledWith('path', 'kargo/project.yaml');
    expect(ctx.output).toHaveBeenCalledWith('result', 'written');
  });

  it('never logs the token it registers with', async () => {
    const ctx = context(projectInput({ project: 'quiet' }));
    const messages: unknown[] = [];
    for (const level of ['info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(ctx.logger, level).mockImplementation(((
        ...args: unknown[]
      ) => {
        messages.push(args);
        return ctx.logger;
      }) as never);
    }
    await action.handler(ctx);
    expect(messages.length).toBeGreaterThan(0);
    expect(JSON.stringify(messages)).not.toMatch(/token|Bearer/i);
  });

  it.each([
    [
      'an invalid project name',
      { project: 'My_Shop' },
      'project: must be a lowercase DNS-1123 label',
    ],
    [
      'a stage without promotion steps',
      {
        stages: [{ name: 'dev' }],
      },
      'stages[0]: set exactly one of "promotionTask" and "steps": a stage without promotion steps cannot be promoted to',
    ],
    [
      'a PromotionTask that is not in the project',
      {
        stages: [{ name: 'dev', promotionTask: { name: 'deploy' } }],
      },
      'stages[0].promotionTask.name: no PromotionTask "deploy" in "promotionTasks"',
    ],
    [
      'an Argo CD app its PromotionTask never uses',
      {
        promotionTasks: [
          { name: 'promote', steps: [{ uses: 'git-clone', config: {} }] },
        ],
        stages: [
          {
            name: 'dev',
            promotionTask: { name: 'promote' },
            argocdApp: { name: 'shop-dev' },
          },
        ],
      },
      'stages[0].argocdApp: the PromotionTask "promote" never uses ${{ vars.argocdApp }}, so the app would not be updated',
    ],
    [
      'an unknown upstream stage',
      {
        stages: [
          {
            name: 'dev',
            upstreamStages: ['qa'],
            promotionTask: { name: 'promote' },
          },
        ],
      },
      'stages[0].upstreamStages: "qa" is not another stage of the project',
    ],
    [
      'a subscription the manifest schema refuses',
      {
        warehouses: [
          { name: 'shop', subscriptions: [{ image: { repoURL: '' } }] },
        ],
      },
      'the manifests made from the input are not valid',
    ],
  ])('refuses %s, naming the field', async (_, overrides, message) => {
    await expect(
      action.handler(context(projectInput(overrides))),
    ).rejects.toThrow(message);
  });
});

function userOf(credentials: BackstageCredentials | undefined) {
  const principal = credentials?.principal;
  return principal &&
    typeof principal === 'object' &&
    'userEntityRef' in principal
    ? principal.userEntityRef
    : undefined;
}
