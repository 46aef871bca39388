import crypto from 'node:crypto';
import request from 'supertest';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { createApiFixture } from '../__testUtils__/apiFixture';

const databases = kargoTestDatabases();
const NOW = new Date('2026-03-01T12:00:00.000Z');

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
    - { name: unset, github: { secretRef: { name: missing } } }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: hooks }
spec:
  subscriptions:
    - git: { repoURL: 'https://github.com/acme/app.git', branch: main }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: images, namespace: hooks }
spec:
  subscriptions:
    - image: { repoURL: acme/web }
    - image: { repoURL: quay.io/acme/api }
    - image: { repoURL: harbor.example/acme/worker }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: dev, namespace: hooks }
spec:
  requestedFreight:
    - { origin: { kind: Warehouse, name: app }, sources: { direct: true } }
`;

const SECRETS = Object.fromEntries(
  ['gh', 'gl', 'gt', 'bb', 'dh', 'qy', 'hb', 'gn'].map(n => [
    `hooks/${n}-secret`,
    { secret: `${n}-s3cret` },
  ]),
);

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
