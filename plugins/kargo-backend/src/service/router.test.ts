import crypto from 'node:crypto';
import request from 'supertest';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  createKargoProjectConditionalDecision,
  createKargoStageConditionalDecision,
  kargoProjectConditions,
  kargoStageConditions,
} from '@kargo-portal/plugin-kargo-node';
import {
  kargoFreightApprovePermission,
  kargoProjectCreatePermission,
  kargoProjectReadPermission,
  kargoProjectUpdatePermission,
  kargoPromotionAbortPermission,
  kargoStagePromotePermission,
  kargoWarehouseRefreshPermission,
} from '@kargo-portal/plugin-kargo-common';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { createApiFixture } from '../__testUtils__/apiFixture';

const databases = kargoTestDatabases();
const DEMO_REPO = 'file:///tmp/kargo-portal-demo/app.git';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const F1 = '1'.repeat(40);
// Never approved nor verified anywhere: only dev (a direct stage) may receive it.
const F2 = '2'.repeat(40);
const API_PROJECT = `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata:
  name: api-demo
  annotations: { kargo-portal.io/scaffolder-template: template:default/new-service }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: images, namespace: api-demo }
spec:
  subscriptions: [{ image: { repoURL: ghcr.io/acme/api-demo } }]
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: test, namespace: api-demo }
spec:
  requestedFreight: [{ origin: { kind: Warehouse, name: images }, sources: { direct: true } }]
`;

type Fixture = Awaited<ReturnType<typeof createApiFixture>>;

async function seed(fx: Fixture) {
  await fx.stores.freight.insertFreight(
    {
      project: 'guestbook',
      id: F1,
      origin: { kind: 'Warehouse', name: 'guestbook' },
      commits: [{ repoURL: 'file:///tmp/app.git', id: 'abc123' }],
      images: [],
      charts: [],
      createdAt: new Date('2026-02-01T00:00:00.000Z'),
    },
    { generateAlias: async () => 'tidy-otter' },
  );
  await fx.stores.freight.insertFreight(
    {
      project: 'guestbook',
      id: F2,
      origin: { kind: 'Warehouse', name: 'guestbook' },
      commits: [{ repoURL: 'file:///tmp/app.git', id: 'def456' }],
      images: [],
      charts: [],
      createdAt: new Date('2026-02-02T00:00:00.000Z'),
    },
    { generateAlias: async () => 'brave-lynx' },
  );
}

/** Everything a route needs to exist before it is called; mutations are re-created for each row. */
async function prepare(fx: Fixture) {
  if (!(await fx.definitions.getCatalog()).getProject('api-demo')) {
    await fx.definitions.createProject(API_PROJECT, 'user:default/admin');
  }
  const promotion = await fx.stores.promotions.createPromotion({
    project: 'guestbook',
    stage: 'dev',
    freightId: F1,
    at: NOW,
  });
  // dev ran F1 and runs F2: there is something to roll back to.
  for (const freightId of [F1, F2]) {
    await fx.stores.stages.setCurrentFreight({
      project: 'guestbook',
      stage: 'dev',
      freightId,
      at: NOW,
    });
  }
  const commit = crypto.randomBytes(20).toString('hex');
  await fx.stores.warehouses.recordDiscovery({
    project: 'guestbook',
    warehouse: 'guestbook',
    at: NOW,
    result: {
      discovered: {
        discoveredAt: NOW.toISOString(),
        commits: [{ repoURL: DEMO_REPO, commits: [{ id: commit }] }],
      },
    },
  });
  return { promotion: promotion.id, commit };
}

interface Context {
  promotion: string;
  /** A commit the guestbook warehouse discovered, not yet in any freight. */
  commit: string;
}

interface Route {
  name: string;
  method: 'get' | 'post' | 'put' | 'delete';
  path: (ctx: Context) => string;
  body?: object | ((ctx: Context) => object);
  permission: string;
  /** Conditions that match the route's target, and ones that do not. */
  match?: 'project' | 'stage-dev' | 'stage-prod';
  status: number;
  /** Lists answer 200 and leave out what may not be read, instead of 403. */
  filtered?: (body: any) => number;
  audit?: string;
}

const project = (name: string) =>
  createKargoProjectConditionalDecision(
    kargoProjectReadPermission,
    kargoProjectConditions.isInProject({ projects: [name] }),
  );
const stage = (name: string) =>
  createKargoStageConditionalDecision(
    kargoStagePromotePermission,
    kargoStageConditions.isStage({ stages: [name] }),
  );

const routes: Route[] = [
  {
    name: 'list projects',
    method: 'get',
    path: () => '/projects',
    permission: kargoProjectReadPermission.name,
    match: 'project',
    status: 200,
    filtered: b => b.items.filter((p: any) => p.name === 'guestbook').length,
  },
  {
    name: 'create project',
    method: 'post',
    path: () => '/projects',
    body: { manifests: API_PROJECT.replace(/api-demo/g, 'new-one') },
    permission: kargoProjectCreatePermission.name,
    status: 201,
    audit: 'project-create',
  },
  {
    name: 'get project',
    method: 'get',
    path: () => '/projects/guestbook',
    permission: kargoProjectReadPermission.name,
    match: 'project',
    status: 200,
  },
  {
    name: 'replace project',
    method: 'put',
    path: () => '/projects/api-demo',
    body: { manifests: API_PROJECT },
    permission: kargoProjectUpdatePermission.name,
    status: 200,
    audit: 'project-update',
  },
  {
    name: 'delete project',
    method: 'delete',
    path: () => '/projects/api-demo',
    permission: kargoProjectUpdatePermission.name,
    status: 204,
    audit: 'project-delete',
  },
  {
    name: 'pipeline',
    method: 'get',
    path: () => '/projects/guestbook/pipeline',
    permission: kargoProjectReadPermission.name,
    match: 'project',
    status: 200,
  },
  {
    name: 'list freight',
    method: 'get',
    path: () => '/projects/guestbook/freight',
    permission: kargoProjectReadPermission.name,
    match: 'project',
    status: 200,
  },
  {
    name: 'get freight',
    method: 'get',
    path: () => '/projects/guestbook/freight/tidy-otter',
    permission: kargoProjectReadPermission.name,
    match: 'project',
    status: 200,
  },
  {
    name: 'approve freight',
    method: 'post',
    path: () => '/projects/guestbook/stages/prod/approvals',
    body: { freight: 'tidy-otter' },
    permission: kargoFreightApprovePermission.name,
    match: 'stage-prod',
    status: 201,
    audit: 'freight-approve',
  },
  {
    name: 'promote',
    method: 'post',
    path: () => '/projects/guestbook/stages/dev/promotions',
    body: { freight: F1 },
    permission: kargoStagePromotePermission.name,
    match: 'stage-dev',
    status: 201,
    audit: 'promotion-create',
  },
  {
    name: 'roll back',
    method: 'post',
    path: () => '/projects/guestbook/stages/dev/rollbacks',
    body: { freight: 'tidy-otter' },
    permission: kargoStagePromotePermission.name,
    match: 'stage-dev',
    status: 201,
    audit: 'promotion-create',
  },
  {
    name: 'stage history',
    method: 'get',
    path: () => '/projects/guestbook/stages/dev/history',
    permission: kargoProjectReadPermission.name,
    match: 'project',
    status: 200,
  },
  {
    name: 'stage health',
    method: 'get',
    path: () => '/projects/guestbook/stages/dev/health',
    permission: kargoProjectReadPermission.name,
    match: 'project',
    status: 200,
  },
  {
    name: 'list promotions',
    method: 'get',
    path: () => '/projects/guestbook/promotions',
    permission: kargoProjectReadPermission.name,
    match: 'project',
    status: 200,
  },
  {
    name: 'get promotion',
    method: 'get',
    path: c => `/projects/guestbook/promotions/${c.promotion}`,
    permission: kargoProjectReadPermission.name,
    match: 'project',
    status: 200,
  },
  {
    name: 'abort promotion',
    method: 'post',
    path: c => `/projects/guestbook/promotions/${c.promotion}/abort`,
    permission: kargoPromotionAbortPermission.name,
    match: 'stage-dev',
    status: 200,
    audit: 'promotion-abort',
  },
  {
    name: 'list warehouses',
    method: 'get',
    path: () => '/projects/guestbook/warehouses',
    permission: kargoProjectReadPermission.name,
    match: 'project',
    status: 200,
  },
  {
    name: 'refresh warehouse',
    method: 'post',
    path: () => '/projects/guestbook/warehouses/guestbook/refresh',
    permission: kargoWarehouseRefreshPermission.name,
    match: 'project',
    status: 202,
    audit: 'warehouse-refresh',
  },
  {
    name: 'create freight from discovered artifacts',
    method: 'post',
    path: () => '/projects/guestbook/warehouses/guestbook/freight',
    body: ctx => ({ commits: [{ repoURL: DEMO_REPO, id: ctx.commit }] }),
    permission: kargoProjectUpdatePermission.name,
    match: 'project',
    status: 201,
    audit: 'freight-create',
  },
  {
    name: 'list webhook receivers',
    method: 'get',
    path: () => '/projects/guestbook/webhooks',
    permission: kargoProjectUpdatePermission.name,
    match: 'project',
    status: 200,
  },
  {
    name: 'list definition sources',
    method: 'get',
    path: () => '/definitions',
    permission: kargoProjectReadPermission.name,
    match: 'project',
    status: 200,
    filtered: b =>
      b.items.filter((s: any) => s.projects.includes('guestbook')).length,
  },
];

function conditional(route: Route, matching: boolean) {
  const decision = (() => {
    switch (route.match) {
      case 'project':
        return project(matching ? 'guestbook' : 'other');
      case 'stage-dev':
        return stage(matching ? 'dev' : 'prod*');
      case 'stage-prod':
        return stage(matching ? 'prod*' : 'dev');
      default:
        throw new Error(`route ${route.name} has no conditions`);
    }
  })();
  return { ...decision, pluginId: 'kargo' };
}

type Mode =
  | 'allowed'
  | 'denied'
  | 'conditional (matching)'
  | 'conditional (not matching)';
const cases: Array<[string, Mode, Route]> = routes.flatMap(route => {
  const modes: Mode[] = ['allowed', 'denied'];
  if (route.match)
    modes.push('conditional (matching)', 'conditional (not matching)');
  return modes.map((mode): [string, Mode, Route] => [route.name, mode, route]);
});

describe.each(databases.eachSupportedId())('HTTP API on %p', databaseId => {
  let fx: Fixture;

  beforeAll(async () => {
    fx = await createApiFixture({
      knex: await databases.init(databaseId),
      now: () => NOW,
    });
    await seed(fx);
  });

  beforeEach(() => {
    fx.permissions.decisions = {};
    fx.audits.length = 0;
  });

  it.each(cases)('%s: %s', async (_, mode, route) => {
    const ctx = await prepare(fx);
    const allowedNow = mode === 'allowed' || mode === 'conditional (matching)';
    if (mode === 'denied') {
      fx.permissions.decisions[route.permission] = {
        result: AuthorizeResult.DENY,
      };
    } else if (mode !== 'allowed') {
      fx.permissions.decisions[route.permission] = conditional(
        route,
        allowedNow,
      );
    }
    // Other permissions a route reads (e.g. read before abort) stay allowed.

    let call = request(fx.app)[route.method](route.path(ctx));
    if (route.body) {
      call = call.send(
        typeof route.body === 'function' ? route.body(ctx) : route.body,
      );
    }
    const res = await call;

    // Lists answer 200 and leave out what may not be read; other routes answer 403 naming the permission.
    const message: string | undefined = res.body?.error?.message;
    expect({
      status: res.status,
      visible: route.filtered?.(res.body),
      refusalNamesPermission: message?.includes(route.permission) ?? false,
    }).toEqual({
      status: route.filtered || allowedNow ? route.status : 403,
      visible: route.filtered && (allowedNow ? 1 : 0),
      refusalNamesPermission: !route.filtered && !allowedNow,
    });
    // Changes are audited when they happen; reads and refused calls are not.
    expect(
      fx.audits.map(a => ({ eventId: a.eventId, outcome: a.outcome })),
    ).toEqual(
      route.audit && allowedNow
        ? [{ eventId: route.audit, outcome: 'success' }]
        : [],
    );
    if (route.name === 'create project' && allowedNow) {
      await fx.definitions.deleteProject('new-one');
    }
  });

  it('serves with the pipeline the caller’s permissions on each stage’s actions, as the backend decides them', async () => {
    await prepare(fx);
    // Promote: only on prod (a condition applied per stage); abort: denied; approve: allowed.
    fx.permissions.decisions[kargoStagePromotePermission.name] = {
      ...stage('prod*'),
      pluginId: 'kargo',
    };
    fx.permissions.decisions[kargoPromotionAbortPermission.name] = {
      result: AuthorizeResult.DENY,
    };
    const res = await request(fx.app).get('/projects/guestbook/pipeline');
    expect(res.status).toBe(200);
    const decided = (promote: boolean) => ({
      [kargoStagePromotePermission.name]: promote,
      [kargoFreightApprovePermission.name]: true,
      [kargoPromotionAbortPermission.name]: false,
    });
    expect(
      Object.fromEntries(
        res.body.stages.map((s: any) => [s.name, s.permissions]),
      ),
    ).toEqual({
      dev: decided(false),
      staging: decided(false),
      prod: decided(true),
    });
  });

  it('resumes auto-promotion only with the promote permission on the stage, and only of a stage that auto-promotes', async () => {
    await prepare(fx);
    const path = '/projects/guestbook/stages/dev/auto-promotion/resume';
    fx.permissions.decisions[kargoStagePromotePermission.name] = {
      result: AuthorizeResult.DENY,
    };
    const denied = await request(fx.app).post(path);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain(
      kargoStagePromotePermission.name,
    );
    expect(fx.audits).toEqual([]);

    fx.permissions.decisions = {};
    // The demo project has no promotion policies: no stage auto-promotes.
    const refused = await request(fx.app).post(path);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      'Stage "dev" is not auto-promoted: no promotion policy of the project enables it',
    );
    expect(fx.audits).toEqual([
      expect.objectContaining({
        eventId: 'auto-promotion-resume',
        outcome: 'fail',
      }),
    ]);
  });

  describe('input', () => {
    it.each([
      [
        'a limit out of range',
        '/projects/guestbook/freight?limit=500',
        400,
        'limit: must be a whole number from 1 to 200',
      ],
      [
        'a malformed limit',
        '/projects/guestbook/freight?limit=ten',
        400,
        'limit',
      ],
      [
        'an unknown query parameter',
        '/projects/guestbook/freight?colour=red',
        400,
        'colour',
      ],
      [
        'a cursor it did not issue',
        '/projects/guestbook/freight?cursor=abc',
        400,
        'cursor: not a cursor returned by this API',
      ],
      [
        'an invalid project name',
        '/projects/Not_Valid/pipeline',
        400,
        'project',
      ],
      [
        'an unknown project',
        '/projects/nope/pipeline',
        404,
        'Kargo project "nope" not found',
      ],
      [
        'an unknown stage',
        '/projects/guestbook/stages/qa/history',
        404,
        'Stage "qa" not found in Kargo project "guestbook"',
      ],
      [
        'the health of an unknown stage',
        '/projects/guestbook/stages/qa/health',
        404,
        'Stage "qa" not found in Kargo project "guestbook"',
      ],
      [
        'the health of a stage of an unknown project',
        '/projects/nope/stages/dev/health',
        404,
        'Kargo project "nope" not found',
      ],
      [
        'unknown freight',
        '/projects/guestbook/freight/nope',
        404,
        'Freight "nope" not found in Kargo project "guestbook"',
      ],
    ])('rejects %s', async (_, path, status, message) => {
      const res = await request(fx.app).get(path);
      expect(res.status).toBe(status);
      expect(res.body.error.message).toContain(message);
    });

    it.each([
      ['a comma list, as written', 'guestbook,other', true],
      ['a comma list, encoded', 'guestbook%2Cother', true],
      ['a single origin', 'guestbook', true],
      ['an origin without freight', 'other', false],
    ])('filters freight by origin: %s', async (_, origin, all) => {
      // Every freight of this project comes from the warehouse "guestbook" (other tests may add some).
      const everything = await request(fx.app).get(
        '/projects/guestbook/freight?limit=200',
      );
      const res = await request(fx.app).get(
        `/projects/guestbook/freight?origin=${origin}&limit=200`,
      );
      expect(res.status).toBe(200);
      const ids = (body: { items: Array<{ id: string }> }) =>
        body.items.map(f => f.id);
      expect(ids(everything.body).length).toBeGreaterThan(0);
      expect(ids(res.body)).toEqual(all ? ids(everything.body) : []);
    });

    it.each([
      ['no body field', '/projects', {}, 400, 'manifests'],
      [
        'an extra body field',
        '/projects/guestbook/stages/dev/promotions',
        { freight: F1, force: true },
        400,
        'force: unknown field; the body takes freight',
      ],
      [
        'invalid manifests, naming the document and field',
        '/projects',
        {
          manifests:
            'apiVersion: kargo.akuity.io/v1alpha1\nkind: Project\nmetadata: { name: Bad_Name }',
        },
        400,
        'manifests (document 1): metadata.name:',
      ],
      [
        'manifests without a Project',
        '/projects',
        {
          manifests:
            'apiVersion: kargo.akuity.io/v1alpha1\nkind: Warehouse\nmetadata: { name: w, namespace: x }\nspec: { subscriptions: [{ image: { repoURL: r } }] }',
        },
        400,
        'project x: has no Project document',
      ],
      [
        'a project that exists',
        '/projects',
        { manifests: API_PROJECT.replace(/api-demo/g, 'guestbook') },
        409,
        'already',
      ],
      [
        'ineligible freight',
        '/projects/guestbook/stages/prod/promotions',
        { freight: F2 },
        409,
        'is not available to stage "prod"',
      ],
    ])('rejects %s', async (_, path, body, status, message) => {
      const res = await request(fx.app).post(path).send(body);
      expect(res.status).toBe(status);
      expect(res.body.error.message).toContain(message);
    });

    it('says where a project comes from and gives its annotations', async () => {
      const api = await request(fx.app).get('/projects/api-demo');
      expect(api.body).toEqual({
        name: 'api-demo',
        stageCount: 1,
        warehouseCount: 1,
        source: 'api',
        annotations: {
          'kargo-portal.io/scaffolder-template': 'template:default/new-service',
        },
      });
      const file = await request(fx.app).get('/projects/guestbook');
      expect(file.body).toMatchObject({ source: 'file', annotations: {} });
    });

    it('does not replace a project defined by a file', async () => {
      const res = await request(fx.app)
        .put('/projects/guestbook')
        .send({ manifests: API_PROJECT.replace(/api-demo/g, 'guestbook') });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain(
        'guestbook.yaml; change it there',
      );
    });

    it('rolls a stage back to the freight it ran before, marked as a rollback', async () => {
      await prepare(fx);
      const res = await request(fx.app)
        .post('/projects/guestbook/stages/dev/rollbacks')
        .send();
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        stage: 'dev',
        freight: F1,
        phase: 'Pending',
        rollback: true,
      });
      expect(fx.audits).toEqual([
        expect.objectContaining({
          eventId: 'promotion-create',
          outcome: 'success',
          meta: {
            project: 'guestbook',
            stage: 'dev',
            freight: F1,
            rollback: true,
          },
        }),
      ]);
      const current = await request(fx.app)
        .post('/projects/guestbook/stages/dev/rollbacks')
        .send({ freight: 'brave-lynx' });
      expect(current.status).toBe(409);
      expect(current.body.error.message).toBe(
        'Stage "dev" already runs freight "brave-lynx"',
      );
    });

    it('records a failed change as a failed audit event', async () => {
      const res = await request(fx.app)
        .post('/projects/guestbook/stages/prod/promotions')
        .send({ freight: F2 });
      expect(res.status).toBe(409);
      expect(fx.audits).toEqual([
        expect.objectContaining({
          eventId: 'promotion-create',
          outcome: 'fail',
          meta: { project: 'guestbook', stage: 'prod', freight: F2 },
        }),
      ]);
    });
  });

  describe('eligibility through the API', () => {
    it('makes freight eligible downstream once approved, and counts it in the pipeline', async () => {
      const before = await request(fx.app).get(
        '/projects/guestbook/freight?stage=staging',
      );
      expect(before.body.items).toEqual([]);
      await request(fx.app)
        .post('/projects/guestbook/stages/staging/approvals')
        .send({ freight: 'brave-lynx' })
        .expect(201);
      const after = await request(fx.app).get(
        '/projects/guestbook/freight?stage=staging',
      );
      expect(after.body.items.map((f: any) => f.alias)).toEqual(['brave-lynx']);
      const dev = await request(fx.app).get(
        '/projects/guestbook/freight?stage=dev',
      );
      // dev takes every freight directly: the two seeded ones, after any the route table created.
      const all = await fx.stores.freight.listFreight({
        project: 'guestbook',
        limit: 100,
      });
      const aliases = dev.body.items.map((f: any) => f.alias);
      expect(aliases).toEqual(all.items.map(f => f.alias));
      expect(aliases.slice(-2)).toEqual(['brave-lynx', 'tidy-otter']);

      const pipeline = await request(fx.app).get(
        '/projects/guestbook/pipeline',
      );
      const counts = Object.fromEntries(
        pipeline.body.stages.map((s: any) => [s.name, s.eligibleFreightCount]),
      );
      expect(counts).toEqual({ dev: all.items.length, staging: 1, prod: 1 });
      expect(pipeline.body.stages.map((s: any) => s.name)).toEqual([
        'dev',
        'staging',
        'prod',
      ]);
    });
  });

  describe('metadata through the API', () => {
    it('serves Stage metadata in the pipeline and Freight metadata with the freight', async () => {
      await fx.stores.stages.upsertMetadata({
        project: 'guestbook',
        kind: 'Stage',
        name: 'staging',
        values: { owner: 'team-a', checks: [1, 2] },
      });
      const { name: freightId } = await fx.stores.stages.upsertMetadata({
        project: 'guestbook',
        kind: 'Freight',
        name: 'tidy-otter',
        values: { soaked: true },
      });

      const pipeline = await request(fx.app)
        .get('/projects/guestbook/pipeline')
        .expect(200);
      expect(
        Object.fromEntries(
          pipeline.body.stages.map((s: any) => [s.name, s.metadata]),
        ),
      ).toEqual({
        dev: undefined,
        staging: { owner: 'team-a', checks: [1, 2] },
        prod: undefined,
      });

      const detail = await request(fx.app)
        .get('/projects/guestbook/freight/tidy-otter')
        .expect(200);
      expect(detail.body).toMatchObject({
        id: freightId,
        metadata: { soaked: true },
      });
      const list = await request(fx.app)
        .get('/projects/guestbook/freight?limit=100')
        .expect(200);
      const withMetadata = list.body.items
        .filter((f: any) => f.metadata)
        .map((f: any) => [f.alias, f.metadata]);
      expect(withMetadata).toEqual([['tidy-otter', { soaked: true }]]);
    });
  });

  describe('stage health through the API', () => {
    it('serves the stored health per stage and in the pipeline, Unknown before the first evaluation', async () => {
      expect(
        (
          await request(fx.app)
            .get('/projects/guestbook/stages/prod/health')
            .expect(200)
        ).body,
      ).toEqual({
        status: 'Unknown',
        message: 'The health of this stage has not been evaluated yet',
        applications: [],
      });
      const health = {
        status: 'Progressing' as const,
        message:
          'Argo CD Application argocd/guestbook-staging on cluster "c1" is progressing',
        promotion: 'p1',
        applications: [
          {
            cluster: 'c1',
            namespace: 'argocd',
            name: 'guestbook-staging',
            status: 'Progressing' as const,
            syncStatus: 'Synced',
            revision: 'abc',
            desiredRevisions: ['abc'],
            healthStatus: 'Progressing',
            link: {
              url: 'https://argocd.example/applications/argocd/guestbook-staging',
              title: 'Argo CD',
            },
          },
        ],
      };
      await fx.stores.stages.putStageHealth({
        project: 'guestbook',
        stage: 'staging',
        health,
        at: NOW,
      });
      const served = await request(fx.app)
        .get('/projects/guestbook/stages/staging/health')
        .expect(200);
      expect(served.body).toEqual({ ...health, updatedAt: NOW.toISOString() });
      const pipeline = await request(fx.app)
        .get('/projects/guestbook/pipeline')
        .expect(200);
      expect(
        Object.fromEntries(
          pipeline.body.stages.map((s: any) => [s.name, s.health?.status]),
        ),
      ).toEqual({ dev: undefined, staging: 'Progressing', prod: undefined });
    });
  });
});
