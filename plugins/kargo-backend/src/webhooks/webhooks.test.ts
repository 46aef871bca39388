import crypto from 'node:crypto';
import request from 'supertest';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { createApiFixture } from '../__testUtils__/apiFixture';

const databases = kargoTestDatabases();
const NOW = new Date('2026-03-01T12:00:00.000Z');
const PR_URL = 'https://git.example/acme/gitops/pull/7';
let promotionCount = 1;

const PROJECT = `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: hooks }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: ProjectConfig
metadata: { name: hooks, namespace: hooks }
spec:
  webhookReceivers:
    - { name: gh, github: { secretRef: { name: gh-secret } } }
    - { name: gl, gitlab: { secretRef: { name: gl-secret } } }
    - { name: gt, gitea: { secretRef: { name: gt-secret } } }
    - { name: bb, bitbucket: { secretRef: { name: bb-secret } } }
    - { name: dh, dockerhub: { secretRef: { name: dh-secret } } }
    - { name: qy, quay: { secretRef: { name: qy-secret } } }
    - { name: hb, harbor: { secretRef: { name: hb-secret } } }
    - name: gn
      generic:
        secretRef: { name: gn-secret }
        actions:
          - action: Refresh
            targetSelectionCriteria: [{ kind: Warehouse, name: images }]
    - { name: az, azure: { secretRef: { name: az-secret } } }
    - name: af
      artifactory: { secretRef: { name: af-secret }, virtualRepoName: docker-virtual }
    - { name: unset, github: { secretRef: { name: missing } } }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: hooks }
spec:
  subscriptions:
    - git: { repoURL: 'https://github.com/acme/app.git', branch: main }
    - git: { repoURL: 'https://dev.azure.com/acme/shop/_git/config', branch: main }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: images, namespace: hooks }
spec:
  subscriptions:
    - image: { repoURL: acme/web }
    - image: { repoURL: quay.io/acme/api }
    - image: { repoURL: harbor.example/acme/worker }
    - image: { repoURL: acme.azurecr.io/team/api }
    - image: { repoURL: acme.jfrog.io/docker-virtual/team/web }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: dev, namespace: hooks }
spec:
  requestedFreight:
    - { origin: { kind: Warehouse, name: app }, sources: { direct: true } }
`;

const SECRETS = {
  ...Object.fromEntries(
    ['gh', 'gl', 'gt', 'bb', 'dh', 'qy', 'hb', 'gn', 'az'].map(n => [
      `hooks/${n}-secret`,
      { secret: `${n}-s3cret` },
    ]),
  ),
  // Kargo's Artifactory receivers read the `secret-token` key.
  'hooks/af-secret': { 'secret-token': 'af-s3cret' },
};

const hmac = (secret: string, body: string) =>
  crypto.createHmac('sha256', secret).update(body).digest('hex');

interface Delivery {
  name: string;
  receiver: string;
  body: object;
  headers: (body: string) => Record<string, string>;
  status: number;
  refreshed: string[];
}

const githubPush = {
  ref: 'refs/heads/main',
  repository: {
    clone_url: 'https://github.com/acme/app.git',
    html_url: 'https://github.com/acme/app',
  },
};

const deliveries: Delivery[] = [
  {
    name: 'GitHub push with a valid signature',
    receiver: 'gh',
    body: githubPush,
    headers: b => ({
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${hmac('gh-s3cret', b)}`,
    }),
    status: 200,
    refreshed: ['app'],
  },
  {
    name: 'GitHub push signed with another secret',
    receiver: 'gh',
    body: githubPush,
    headers: b => ({
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${hmac('wrong', b)}`,
    }),
    status: 401,
    refreshed: [],
  },
  {
    name: 'GitHub push to a branch no subscription follows',
    receiver: 'gh',
    body: { ...githubPush, ref: 'refs/heads/feature' },
    headers: b => ({
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${hmac('gh-s3cret', b)}`,
    }),
    status: 200,
    refreshed: [],
  },
  {
    name: 'GitLab push with its token',
    receiver: 'gl',
    body: {
      object_kind: 'push',
      ref: 'refs/heads/main',
      project: { git_http_url: 'https://github.com/acme/app.git' },
    },
    headers: () => ({ 'x-gitlab-token': 'gl-s3cret' }),
    status: 200,
    refreshed: ['app'],
  },
  {
    name: 'GitLab push without its token',
    receiver: 'gl',
    body: { object_kind: 'push', project: {} },
    headers: () => ({}),
    status: 401,
    refreshed: [],
  },
  {
    name: 'Gitea push',
    receiver: 'gt',
    body: githubPush,
    headers: b => ({
      'x-gitea-event': 'push',
      'x-gitea-signature': hmac('gt-s3cret', b),
    }),
    status: 200,
    refreshed: ['app'],
  },
  {
    name: 'Bitbucket push',
    receiver: 'bb',
    body: {
      repository: { links: { html: { href: 'https://github.com/acme/app' } } },
      push: { changes: [{ new: { type: 'branch', name: 'main' } }] },
    },
    headers: b => ({
      'x-event-key': 'repo:push',
      'x-hub-signature': `sha256=${hmac('bb-s3cret', b)}`,
    }),
    status: 200,
    refreshed: ['app'],
  },
  {
    name: 'Bitbucket Server refs changed',
    receiver: 'bb',
    body: {
      repository: {
        links: {
          clone: [
            { href: 'ssh://git@github.com:7999/acme/other.git', name: 'ssh' },
            { href: 'https://github.com/acme/app.git', name: 'http' },
          ],
        },
      },
      changes: [
        { ref: { id: 'refs/heads/main', displayId: 'main', type: 'BRANCH' } },
      ],
    },
    headers: (b: string) => ({
      'x-event-key': 'repo:refs_changed',
      'x-hub-signature': `sha256=${hmac('bb-s3cret', b)}`,
    }),
    status: 200,
    refreshed: ['app'],
  },
  {
    name: 'Docker Hub push of an official-style short name',
    receiver: 'dh',
    body: { repository: { repo_name: 'acme/web' } },
    headers: () => ({}),
    status: 200,
    refreshed: ['images'],
  },
  {
    name: 'Quay push',
    receiver: 'qy',
    body: { docker_url: 'quay.io/acme/api' },
    headers: () => ({}),
    status: 200,
    refreshed: ['images'],
  },
  {
    name: 'Harbor push with its Authorization',
    receiver: 'hb',
    body: {
      type: 'PUSH_ARTIFACT',
      event_data: {
        resources: [{ resource_url: 'harbor.example/acme/worker:1.2.3' }],
      },
    },
    headers: () => ({ authorization: 'hb-s3cret' }),
    status: 200,
    refreshed: ['images'],
  },
  {
    name: 'Harbor push with a wrong Authorization',
    receiver: 'hb',
    body: { type: 'PUSH_ARTIFACT' },
    headers: () => ({ authorization: 'guess' }),
    status: 401,
    refreshed: [],
  },
  {
    name: 'Azure DevOps push to a branch',
    receiver: 'az',
    body: {
      eventType: 'git.push',
      resource: {
        refUpdates: [{ name: 'refs/heads/main' }],
        repository: {
          remoteUrl: 'https://acme@dev.azure.com/acme/shop/_git/config',
        },
      },
    },
    headers: () => ({ 'user-agent': 'VSServices/16.255.0' }),
    status: 200,
    refreshed: ['app'],
  },
  {
    name: 'Azure Container Registry push',
    receiver: 'az',
    body: {
      action: 'push',
      target: { repository: 'team/api', tag: 'v1', mediaType: 'x' },
      request: { host: 'acme.azurecr.io' },
    },
    headers: () => ({ 'user-agent': 'AzureContainerRegistry/1.0' }),
    status: 200,
    refreshed: ['images'],
  },
  {
    name: 'Azure delivery from an unknown service',
    receiver: 'az',
    body: { action: 'push' },
    headers: () => ({ 'user-agent': 'curl/8' }),
    status: 200,
    refreshed: [],
  },
  {
    name: 'Artifactory docker push signed with the secret-token',
    receiver: 'af',
    body: {
      domain: 'docker',
      event_type: 'pushed',
      jpd_origin: 'https://acme.jfrog.io',
      data: {
        repo_key: 'docker-local',
        path: 'team/web/1.2.3/manifest.json',
        image_name: 'team/web',
        image_type: 'docker',
        tag: '1.2.3',
      },
    },
    headers: b => ({ 'x-jfrog-event-auth': hmac('af-s3cret', b) }),
    status: 200,
    refreshed: ['images'],
  },
  {
    name: 'Artifactory push signed with another secret',
    receiver: 'af',
    body: { domain: 'docker', event_type: 'pushed' },
    headers: b => ({ 'x-jfrog-event-auth': hmac('wrong', b) }),
    status: 401,
    refreshed: [],
  },
  {
    name: 'generic receiver refreshing the warehouses its action targets',
    receiver: 'gn',
    body: {},
    headers: () => ({}),
    status: 200,
    refreshed: ['images'],
  },
];

describe.each(databases.eachSupportedId())('webhook receivers on %p', id => {
  let fx: Awaited<ReturnType<typeof createApiFixture>>;
  let paths: Record<string, string>;

  beforeAll(async () => {
    fx = await createApiFixture({
      knex: await databases.init(id),
      now: () => NOW,
      secrets: SECRETS,
    });
    await fx.definitions.createProject(PROJECT, 'user:default/admin');
    const receivers = await request(fx.app)
      .get('/projects/hooks/webhooks')
      .expect(200);
    paths = Object.fromEntries(
      receivers.body.items.map((r: any) => [r.name, r.path]),
    );
  });

  it.each(deliveries)('$name', async delivery => {
    fx.audits.length = 0;
    fx.polls.length = 0;
    // Fresh refresh markers, so the test sees which warehouses this delivery refreshed.
    for (const warehouse of ['app', 'images']) {
      await fx.stores.warehouses.requestRefresh({
        project: 'hooks',
        warehouse,
        actor: 'reset',
        at: NOW,
      });
    }
    const body = JSON.stringify(delivery.body);
    const res = await request(fx.app)
      .post(paths[delivery.receiver])
      .set({ 'content-type': 'application/json', ...delivery.headers(body) })
      .send(body);
    expect(res.status).toBe(delivery.status);
    const refreshed = (await fx.stores.warehouses.listWarehouses('hooks'))
      .filter(
        w => w.refreshRequestedBy === `webhook:hooks/${delivery.receiver}`,
      )
      .map(w => w.name);
    expect(refreshed).toEqual(delivery.refreshed);
    expect(fx.polls.length).toBe(delivery.refreshed.length > 0 ? 1 : 0);
    expect(fx.audits.map(a => a.eventId)).toEqual(
      delivery.refreshed.length > 0 ? ['webhook-refresh'] : [],
    );
  });

  it.each([
    {
      provider: 'GitHub',
      receiver: 'gh',
      body: { action: 'closed', pull_request: { html_url: PR_URL } },
      headers: (b: string) => ({
        'x-github-event': 'pull_request',
        'x-hub-signature-256': `sha256=${hmac('gh-s3cret', b)}`,
      }),
    },
    {
      provider: 'GitLab',
      receiver: 'gl',
      body: {
        object_kind: 'merge_request',
        object_attributes: { action: 'merge', url: PR_URL },
      },
      headers: () => ({ 'x-gitlab-token': 'gl-s3cret' }),
    },
    {
      provider: 'Gitea',
      receiver: 'gt',
      body: { action: 'closed', pull_request: { html_url: PR_URL } },
      headers: (b: string) => ({
        'x-gitea-event': 'pull_request',
        'x-gitea-signature': hmac('gt-s3cret', b),
      }),
    },
    {
      provider: 'Bitbucket',
      receiver: 'bb',
      body: { pullrequest: { links: { html: { href: PR_URL } } } },
      headers: (b: string) => ({
        'x-event-key': 'pullrequest:fulfilled',
        'x-hub-signature': `sha256=${hmac('bb-s3cret', b)}`,
      }),
    },
    {
      provider: 'Bitbucket Server',
      receiver: 'bb',
      body: { pullRequest: { links: { self: [{ href: PR_URL }] } } },
      headers: (b: string) => ({
        'x-event-key': 'pr:merged',
        'x-hub-signature': `sha256=${hmac('bb-s3cret', b)}`,
      }),
    },
    {
      provider: 'Azure DevOps',
      receiver: 'az',
      body: {
        eventType: 'git.pullrequest.merged',
        resource: { _links: { web: { href: PR_URL } } },
      },
      headers: () => ({ 'user-agent': 'VSServices/16.255.0' }),
    },
  ])(
    'a $provider pull request event wakes the promotion waiting on it in git-wait-for-pr at once',
    async ({ receiver, body, headers }) => {
      const promotion = await waitingPromotion();
      const claimable = () =>
        fx.stores.promotions.findClaimable({
          now: NOW,
          limit: 10,
          exclude: [],
        });
      expect(await claimable()).not.toContain(promotion);
      fx.audits.length = 0;
      fx.wokenNotices.length = 0;

      // Another pull request's event wakes nothing.
      const other = JSON.stringify(body).replace(PR_URL, `${PR_URL}0`);
      const ignored = await request(fx.app)
        .post(paths[receiver])
        .set({ 'content-type': 'application/json', ...headers(other) })
        .send(other);
      expect(ignored.status).toBe(200);
      expect(await claimable()).not.toContain(promotion);

      const text = JSON.stringify(body);
      const res = await request(fx.app)
        .post(paths[receiver])
        .set({ 'content-type': 'application/json', ...headers(text) })
        .send(text);
      expect(res.status).toBe(200);
      expect(res.body.message).toContain(`hooks/${promotion}`);
      expect(await claimable()).toContain(promotion);
      expect(fx.wokenNotices).toHaveLength(1);
      expect(fx.audits.map(a => a.eventId)).toEqual([
        'webhook-promotion-refresh',
      ]);
    },
  );

  /** A promotion of stage dev whose git-wait-for-pr step waits on PR_URL until an hour from now. */
  async function waitingPromotion(): Promise<string> {
    // One Running promotion per stage: the previous test's is finished first.
    for (const { id: previous } of (
      await fx.stores.promotions.listPromotions({ project: 'hooks', limit: 50 })
    ).items) {
      const claim = await fx.stores.promotions.claim({
        id: previous,
        workerId: 'cleanup',
        now: NOW,
        leaseMs: 60_000,
      });
      if (claim) {
        await fx.stores.promotions.finish({
          id: previous,
          workerId: 'cleanup',
          phase: 'Failed',
          now: NOW,
        });
      }
    }
    const freightId = (promotionCount++).toString(16).padStart(40, '0');
    await fx.stores.freight.insertFreight(
      {
        project: 'hooks',
        id: freightId,
        origin: { kind: 'Warehouse', name: 'app' },
        commits: [{ repoURL: 'https://github.com/acme/app.git', id: 'c1' }],
        images: [],
        charts: [],
        createdAt: NOW,
      },
      { generateAlias: async () => `alias-${freightId}` },
    );
    const created = await fx.stores.promotions.createPromotion({
      project: 'hooks',
      stage: 'dev',
      freightId,
      at: NOW,
    });
    await fx.stores.promotions.claim({
      id: created.id,
      workerId: 'w1',
      now: NOW,
      leaseMs: 60_000,
    });
    await fx.stores.promotions.saveProgress({
      id: created.id,
      workerId: 'w1',
      state: {
        currentStep: 0,
        steps: [
          {
            alias: 'wait',
            uses: 'git-wait-for-pr',
            status: 'Running',
            output: { pr: { id: 7, url: PR_URL } },
          },
        ],
        runtime: [{}],
        outputs: {},
      },
    });
    await fx.stores.promotions.release({
      id: created.id,
      workerId: 'w1',
      nextRunAt: new Date(NOW.getTime() + 3_600_000),
    });
    return created.id;
  }

  it('names the missing secret of a receiver that cannot receive', async () => {
    const receivers = await request(fx.app).get('/projects/hooks/webhooks');
    expect(receivers.body.items.find((r: any) => r.name === 'unset')).toEqual({
      project: 'hooks',
      name: 'unset',
      provider: 'github',
      problem:
        'secret "missing" has no "secret" key: set kargo.secrets.hooks.missing.secret in app-config',
    });
  });

  it('answers 404 for an unknown receiver and never reveals a secret', async () => {
    const res = await request(fx.app)
      .post(`/webhooks/${'0'.repeat(64)}`)
      .send('{}');
    expect(res.status).toBe(404);
    const malformed = await request(fx.app)
      .post('/webhooks/not-a-receiver-id')
      .send('{}');
    expect(malformed.status).toBe(404);
    const receivers = await request(fx.app).get('/projects/hooks/webhooks');
    expect(JSON.stringify(receivers.body)).not.toContain('s3cret');
  });
});
