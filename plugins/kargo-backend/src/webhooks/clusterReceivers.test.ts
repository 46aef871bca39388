import crypto from 'node:crypto';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { ProjectSecrets } from '../secrets';
import { artifactSources } from '../warehouses/sources';
import { WebhookReceivers } from './WebhookReceivers';

const noDiscovery = async () => {
  throw new Error('no discovery in this test');
};

const project = (name: string, repoURL: string) => `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: ${name} }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: ${name} }
spec:
  subscriptions:
    - git: { repoURL: '${repoURL}', branch: main }
`;

const CLUSTER_CONFIG = `
apiVersion: kargo.akuity.io/v1alpha1
kind: ClusterConfig
metadata: { name: cluster }
spec:
  webhookReceivers:
    - { name: github, github: { secretRef: { name: gh-system } } }
    - { name: unset, github: { secretRef: { name: missing } } }
`;

function receivers() {
  const catalog = DefinitionCatalog.fromManifests([
    ...parseManifests({
      source: 'a.yaml',
      text: project('shop', 'https://github.com/acme/app.git'),
    }),
    ...parseManifests({
      source: 'b.yaml',
      text: project('blog', 'https://github.com/acme/app.git'),
    }),
    ...parseManifests({
      source: 'c.yaml',
      text: project('docs', 'https://github.com/acme/docs.git'),
    }),
    ...parseManifests({ source: 'cluster.yaml', text: CLUSTER_CONFIG }),
  ]);
  const refreshed: string[] = [];
  const woken: string[] = [];
  const webhooks = new WebhookReceivers({
    getCatalog: async () => catalog,
    secrets: new ProjectSecrets(
      new Map(),
      new Map(),
      new Map([['gh-system', { secret: 'cluster-s3cret' }]]),
    ),
    sources: artifactSources({
      image: noDiscovery,
      git: noDiscovery,
      chart: noDiscovery,
    }),
    refresh: async (p, warehouse, actor) => {
      refreshed.push(`${p}/${warehouse} by ${actor}`);
    },
    wakePromotions: async (prUrl, p) => {
      woken.push(`${prUrl} in ${p ?? 'every project'}`);
      return ['shop/promo-1'];
    },
  });
  return { webhooks, refreshed, woken };
}

describe('ClusterConfig webhook receivers', () => {
  const push = JSON.stringify({
    ref: 'refs/heads/main',
    repository: {
      clone_url: 'https://github.com/acme/app.git',
      html_url: 'https://github.com/acme/app',
    },
  });
  const signed = (secret: string) => ({
    'x-github-event': 'push',
    'x-hub-signature-256': `sha256=${crypto
      .createHmac('sha256', secret)
      .update(push)
      .digest('hex')}`,
  });

  it('lists their paths, naming the system secret a receiver lacks', async () => {
    const { webhooks } = receivers();
    const listed = await webhooks.listClusterReceivers();
    expect(listed).toEqual([
      {
        name: 'github',
        provider: 'github',
        path: expect.stringMatching(/^\/webhooks\/[0-9a-f]{64}$/),
      },
      {
        name: 'unset',
        provider: 'github',
        problem:
          'secret "missing" has no "secret" key: set kargo.systemSecrets.missing.secret in app-config',
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain('s3cret');
  });

  it('refreshes the subscribing warehouses of every project', async () => {
    const { webhooks, refreshed } = receivers();
    const [github] = await webhooks.listClusterReceivers();
    const id = github.path!.replace('/webhooks/', '');
    const outcome = await webhooks.deliver(id, {
      headers: signed('cluster-s3cret'),
      body: Buffer.from(push),
    });
    expect(outcome).toMatchObject({
      status: 200,
      receiver: 'github',
      refreshed: ['blog/app', 'shop/app'],
    });
    expect(outcome.project).toBeUndefined();
    expect(refreshed).toEqual([
      'blog/app by webhook:cluster/github',
      'shop/app by webhook:cluster/github',
    ]);

    const forged = await webhooks.deliver(id, {
      headers: signed('wrong'),
      body: Buffer.from(push),
    });
    expect(forged.status).toBe(401);
    expect(refreshed).toHaveLength(2);
  });

  it('wakes promotions of every project waiting on a closed pull request', async () => {
    const { webhooks, woken } = receivers();
    const [github] = await webhooks.listClusterReceivers();
    const body = JSON.stringify({
      action: 'closed',
      pull_request: { html_url: 'https://github.com/acme/app/pull/3' },
    });
    const outcome = await webhooks.deliver(
      github.path!.replace('/webhooks/', ''),
      {
        headers: {
          'x-github-event': 'pull_request',
          'x-hub-signature-256': `sha256=${crypto
            .createHmac('sha256', 'cluster-s3cret')
            .update(body)
            .digest('hex')}`,
        },
        body: Buffer.from(body),
      },
    );
    expect(outcome).toMatchObject({ status: 200, woken: ['shop/promo-1'] });
    expect(woken).toEqual([
      'https://github.com/acme/app/pull/3 in every project',
    ]);
  });
});
