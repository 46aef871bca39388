import { mockServices } from '@backstage/backend-test-utils';
import {
  GitDiscoveryResult,
  GitSubscription,
  ImageDiscoveryResult,
  ImageSubscription,
  parseManifests,
} from '@kargo-portal/plugin-kargo-common';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { freightId } from '../freight/freightId';
import {
  WarehouseService,
  meetsFreightCreationCriteria,
} from './WarehouseService';
import { WarehouseDiscoverers, artifactSources } from './sources';

const databases = kargoTestDatabases();

const manifests = `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: shop }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: shop }
spec:
  interval: 2m
  subscriptions:
    - git: { repoURL: 'https://git.example/app.git', branch: main }
    - image: { repoURL: registry.example/app }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: broken, namespace: shop }
spec:
  subscriptions:
    - image: { repoURL: registry.example/unreachable }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: with-token, namespace: shop }
spec:
  subscriptions:
    - git: { repoURL: 'https://bot:s3cret-token@git.example/unreachable.git' }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: manual, namespace: shop }
spec:
  freightCreationPolicy: Manual
  subscriptions:
    - git: { repoURL: 'https://git.example/app.git' }
`;

/** Discovery results the test changes between polls, standing in for the registries and repositories. */
class Upstream implements WarehouseDiscoverers {
  commits = ['c1'];
  tags = ['1.0.0'];
  calls: string[] = [];

  async git(subscription: GitSubscription): Promise<GitDiscoveryResult> {
    this.calls.push(subscription.repoURL);
    if (subscription.repoURL.includes('unreachable')) {
      throw new Error('repository not found');
    }
    return {
      repoURL: subscription.repoURL,
      commits: this.commits.map(id => ({
        id: id.padEnd(40, '0'),
        branch: 'main',
        subject: `commit ${id}`,
      })),
    };
  }

  async image(subscription: ImageSubscription): Promise<ImageDiscoveryResult> {
    this.calls.push(subscription.repoURL);
    if (subscription.repoURL.includes('unreachable')) {
      throw new Error('cannot reach registry registry.example');
    }
    return {
      repoURL: subscription.repoURL,
      references: this.tags.map(tag => ({
        tag,
        digest: `sha256:${tag.replace(/\./g, '').padEnd(64, 'a')}`,
      })),
    };
  }

  async chart(): Promise<never> {
    throw new Error('no charts in this test');
  }
}

describe.each(databases.eachSupportedId())('WarehouseService on %p', id => {
  async function setup() {
    const knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    const stores = DatabaseKargoStores.fromKnex(knex);
    const catalog = DefinitionCatalog.fromManifests(
      parseManifests({ source: 'shop.yaml', text: manifests }),
    );
    const upstream = new Upstream();
    let now = new Date('2026-05-01T10:00:00.000Z');
    const service = new WarehouseService({
      stores,
      getCatalog: async () => catalog,
      sources: artifactSources(upstream),
      logger: mockServices.logger.mock(),
      now: () => now,
    });
    return {
      stores,
      service,
      upstream,
      advance: (ms: number) => {
        now = new Date(now.getTime() + ms);
      },
    };
  }

  it('makes one freight of the newest revision of every subscription, once', async () => {
    const { stores, service } = await setup();
    const first = await service.discover('shop', 'app');
    expect(first.freight).toMatchObject({
      origin: { kind: 'Warehouse', name: 'app' },
      commits: [
        {
          repoURL: 'https://git.example/app.git',
          id: 'c1'.padEnd(40, '0'),
          branch: 'main',
          message: 'commit c1',
        },
      ],
      images: [{ repoURL: 'registry.example/app', tag: '1.0.0' }],
    });
    expect(first.freight!.id).toBe(
      freightId(first.freight!.origin, first.freight!),
    );
    expect(first.status.lastError).toBeUndefined();
    expect(first.status.discovered?.images?.[0].references[0].tag).toBe(
      '1.0.0',
    );

    const again = await service.discover('shop', 'app');
    expect(again.freight!.id).toBe(first.freight!.id);
    const page = await stores.freight.listFreight({
      project: 'shop',
      limit: 10,
    });
    expect(page.items).toHaveLength(1);
  });

  it('stores a failing subscription as the warehouse error, creates nothing, and leaves other warehouses alone', async () => {
    const { stores, service } = await setup();
    const broken = await service.discover('shop', 'broken');
    expect(broken.freight).toBeUndefined();
    expect(broken.status.lastError).toBe(
      'error discovering artifacts: registry.example/unreachable: cannot reach registry registry.example',
    );
    expect(broken.status.lastAttemptAt).toBeDefined();
    expect(broken.status.lastDiscoveryAt).toBeUndefined();

    await service.pollDue();
    const statuses = await stores.warehouses.listWarehouses('shop');
    expect(statuses.find(s => s.name === 'app')?.lastError).toBeUndefined();
    const freight = await stores.freight.listFreight({
      project: 'shop',
      limit: 10,
    });
    expect(freight.items.map(f => f.origin.name)).toEqual(['app']);
  });

  it('never stores the credentials of a repository URL in the error', async () => {
    const { service } = await setup();
    const { status } = await service.discover('shop', 'with-token');
    expect(status.lastError).toBe(
      'error discovering artifacts: https://***@git.example/unreachable.git: repository not found',
    );
  });

  it('polls a warehouse again after its interval, or at once when a refresh is requested', async () => {
    const { stores, service, upstream, advance } = await setup();
    await service.pollDue();
    const polls = () =>
      upstream.calls.filter(c => c === 'https://git.example/app.git').length;
    expect(polls()).toBe(2); // app and manual

    upstream.commits = ['c2', 'c1'];
    advance(60_000);
    await service.pollDue();
    expect(polls()).toBe(2); // app waits for its 2m interval; manual for the default 5m

    await stores.warehouses.requestRefresh({
      project: 'shop',
      warehouse: 'app',
      actor: 'user:default/amy',
      at: new Date('2026-05-01T10:01:00.000Z'),
    });
    await service.pollDue();
    expect(polls()).toBe(3);
    const freight = await stores.freight.listFreight({
      project: 'shop',
      origins: ['app'],
      limit: 10,
    });
    expect(freight.items.map(f => f.commits[0].id.slice(0, 2))).toEqual([
      'c2',
      'c1',
    ]);

    advance(120_000);
    await service.pollDue();
    expect(polls()).toBe(4);
  });

  it('lets users make freight of a Manual warehouse from what it discovered, and nothing else', async () => {
    const { stores, service, upstream } = await setup();
    upstream.commits = ['c3', 'c2'];
    const discovered = await service.discover('shop', 'manual');
    expect(discovered.freight).toBeUndefined();
    expect(
      (await stores.freight.listFreight({ project: 'shop', limit: 10 })).items,
    ).toEqual([]);

    const made = await service.createFromSelection('shop', 'manual', {
      commits: [
        { repoURL: 'https://git.example/app.git', id: 'c2'.padEnd(40, '0') },
      ],
    });
    expect(made.created).toBe(true);
    expect(made.freight.commits[0].id).toBe('c2'.padEnd(40, '0'));

    await expect(
      service.createFromSelection('shop', 'manual', {
        commits: [
          { repoURL: 'https://git.example/app.git', id: 'f'.repeat(40) },
        ],
      }),
    ).rejects.toThrow(
      `commits: ${'f'.repeat(
        40,
      )} is not among the commits warehouse "manual" discovered in https://git.example/app.git (subscriptions[0])`,
    );
    await expect(
      service.createFromSelection('shop', 'manual', {}),
    ).rejects.toThrow('no commit of https://git.example/app.git chosen');
    await expect(
      service.createFromSelection('shop', 'manual', {
        commits: [
          { repoURL: 'https://git.example/app.git', id: 'c3'.padEnd(40, '0') },
        ],
        images: [{ repoURL: 'registry.example/app', tag: '1.0.0' }],
      }),
    ).rejects.toThrow(
      'images: registry.example/app: not a subscription of warehouse "manual"',
    );
    await expect(
      service.createFromSelection('shop', 'nope', {}),
    ).rejects.toThrow('Warehouse "nope" not found in Kargo project "shop"');
  });
});

describe('meetsFreightCreationCriteria', () => {
  const warehouse = DefinitionCatalog.fromManifests(
    parseManifests({ source: 'shop.yaml', text: manifests }),
  )
    .getProject('shop')!
    .warehouses.find(w => w.metadata.name === 'app')!;
  const artifacts = {
    commits: [{ repoURL: 'https://git.example/app.git', id: 'c'.repeat(40) }],
    images: [{ repoURL: 'registry.example/app', tag: '1.2.0', digest: 'd' }],
  };

  it.each([
    ["imageFrom('registry.example/app').Tag == '1.2.0'", true],
    ["imageFrom('registry.example/app').Tag startsWith '2.'", false],
    [
      `commitFrom('https://git.example/app.git').ID == '${'c'.repeat(40)}'`,
      true,
    ],
  ])('%s is %p', (expression, expected) => {
    expect(meetsFreightCreationCriteria(expression, warehouse, artifacts)).toBe(
      expected,
    );
  });

  it.each([
    [
      "imageFrom('registry.example/app').Tag",
      'failed to parse freight creation criteria expression result "1.2.0" as bool: strconv.ParseBool: parsing "1.2.0": invalid syntax',
    ],
    ['imageFrom(', 'error compiling expression: '],
    [
      "imageFrom('registry.example/app').Tag.Nope()",
      'error running expression: ',
    ],
  ])('refuses %p in Kargo words', (expression, message) => {
    expect(() =>
      meetsFreightCreationCriteria(expression, warehouse, artifacts),
    ).toThrow(message);
  });

  it('reads a non-boolean result as Go strconv.ParseBool does', () => {
    expect(meetsFreightCreationCriteria("'1'", warehouse, artifacts)).toBe(
      true,
    );
    expect(meetsFreightCreationCriteria("'F'", warehouse, artifacts)).toBe(
      false,
    );
  });
});
