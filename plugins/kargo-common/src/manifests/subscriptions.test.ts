import fs from 'node:fs';
import path from 'node:path';
import {
  chartSubscriptionSchema,
  genericSubscriptionOf,
  gitSubscriptionSchema,
  imageSubscriptionSchema,
  subscriptionTypeOf,
  warehouseSubscriptionSchema,
} from './subscriptions';
import { parseManifests } from './parse';
import { WarehouseManifest } from './types';

const vectorsDir = path.resolve(__dirname, '../../../../test-vectors/kargo');

interface SubscriptionDefaultsVector {
  defaults: Record<string, unknown>;
  enums: Record<string, string[]>;
  ranges: Record<string, { minimum: number; maximum: number }>;
}

const imageVector: SubscriptionDefaultsVector = JSON.parse(
  fs.readFileSync(
    path.join(vectorsDir, '01-image-selection/subscription-defaults.json'),
    'utf8',
  ),
);

describe('image subscriptions', () => {
  const repoURL = 'ghcr.io/acme/shop';

  it.each(Object.entries(imageVector.defaults))(
    'defaults %s to %j',
    (field, value) => {
      const image = imageSubscriptionSchema.parse({ repoURL });
      expect(image).toHaveProperty(field, value);
    },
  );

  it.each(
    Object.entries(imageVector.enums).flatMap(([field, values]) =>
      values.map(value => [field, value]),
    ),
  )('accepts %s %s', (field, value) => {
    const parsed = imageSubscriptionSchema.safeParse({
      repoURL,
      [field]: value,
      // Digest follows the tag named by the constraint, which it requires.
      ...(value === 'Digest' ? { constraint: 'latest' } : {}),
    });
    expect(parsed.success).toBe(true);
  });

  it.each(Object.keys(imageVector.enums))(
    'rejects a %s outside the enum',
    field => {
      expect(
        imageSubscriptionSchema.safeParse({ repoURL, [field]: 'Newest' })
          .success,
      ).toBe(false);
    },
  );

  it.each(
    Object.entries(imageVector.ranges).flatMap(
      ([field, { minimum, maximum }]) => [
        [field, minimum, true],
        [field, maximum, true],
        [field, minimum - 1, false],
        [field, maximum + 1, false],
      ],
    ),
  )('for %s %d, accepts: %s', (field, value, ok) => {
    expect(
      imageSubscriptionSchema.safeParse({ repoURL, [field]: value }).success,
    ).toBe(ok);
  });

  it('keeps explicit values', () => {
    expect(
      imageSubscriptionSchema.parse({
        repoURL,
        imageSelectionStrategy: 'Lexical',
        strictSemvers: false,
        discoveryLimit: 5,
        cacheByTag: true,
      }),
    ).toEqual({
      repoURL,
      imageSelectionStrategy: 'Lexical',
      strictSemvers: false,
      discoveryLimit: 5,
      cacheByTag: true,
    });
  });

  it.each([
    ['ghcr.io/acme/shop', true],
    ['localhost:5000/acme/shop', true],
    ['127.0.0.1:5000/shop', true],
    ['nginx', true],
    ['my-registry.example.com/team/app_name', true],
    ['nginx:1.25', false],
    ['ghcr.io/acme/shop:latest', false],
    ['https://ghcr.io/acme/shop', false],
    ['ghcr.io/acme/shop@sha256:abc', false],
    ['', false],
  ])('repoURL %j is valid: %s', (url, ok) => {
    expect(imageSubscriptionSchema.safeParse({ repoURL: url }).success).toBe(
      ok,
    );
  });

  it.each([
    ['linux/amd64', true],
    ['linux/arm64/v8', true],
    ['linux/amd64/fake-variant', true],
    ['linux', false],
    ['linux/', false],
  ])('platform %j is valid: %s', (platform, ok) => {
    expect(
      imageSubscriptionSchema.safeParse({ repoURL, platform }).success,
    ).toBe(ok);
  });
});

describe('git subscriptions', () => {
  it('applies the defaults of the git subscription schema and nothing else', () => {
    expect(
      gitSubscriptionSchema.parse({ repoURL: 'https://github.com/acme/shop' }),
    ).toEqual({
      repoURL: 'https://github.com/acme/shop',
      commitSelectionStrategy: 'NewestFromBranch',
      strictSemvers: true,
      discoveryLimit: 20,
    });
  });

  it.each([
    ['https://github.com/acme/shop.git', true],
    ['http://git.internal:8080/acme/shop', true],
    ['https://user:token@github.com/acme/shop', true],
    ['ssh://git@github.com/acme/shop.git', true],
    ['git@github.com:acme/shop.git', true],
    ['file:///tmp/repos/shop.git', true],
    ['github.com/acme/shop', false],
    ['ftp://example.com/shop.git', false],
    ['file://relative/shop.git', false],
    ['', false],
  ])('repoURL %j is valid: %s', (repoURL, ok) => {
    expect(gitSubscriptionSchema.safeParse({ repoURL }).success).toBe(ok);
  });

  it.each([
    ['main', true],
    ['release/1.x', true],
    ['feature_x-2', true],
    ['-main', false],
    ['main/', false],
    ['a'.repeat(256), false],
  ])('branch %j is valid: %s', (branch, ok) => {
    expect(
      gitSubscriptionSchema.safeParse({
        repoURL: 'https://github.com/acme/shop',
        branch,
      }).success,
    ).toBe(ok);
  });
});

describe('chart subscriptions', () => {
  it.each([
    [{ repoURL: 'oci://ghcr.io/acme/charts/shop' }, true],
    [{ repoURL: 'https://charts.example.com', name: 'shop' }, true],
    [{ repoURL: 'http://localhost:8080/charts', name: 'shop' }, true],
    [{ repoURL: 'https://charts.example.com' }, false],
    [{ repoURL: 'oci://ghcr.io/acme/charts/shop', name: 'shop' }, false],
    [{ repoURL: 'ghcr.io/acme/charts/shop' }, false],
  ])('%j is valid: %s', (chart, ok) => {
    expect(chartSubscriptionSchema.safeParse(chart).success).toBe(ok);
  });

  it('defaults the discovery limit to 20', () => {
    expect(
      chartSubscriptionSchema.parse({ repoURL: 'oci://ghcr.io/acme/shop' }),
    ).toEqual({ repoURL: 'oci://ghcr.io/acme/shop', discoveryLimit: 20 });
  });
});

describe('subscriptions of other types', () => {
  const subscription = warehouseSubscriptionSchema.parse({
    name: 'weights',
    huggingface: { config: { repo: 'acme/model' } },
  });

  it('default the discovery limit to 20', () => {
    expect(genericSubscriptionOf(subscription)).toEqual({
      type: 'huggingface',
      spec: { config: { repo: 'acme/model' }, discoveryLimit: 20 },
    });
  });

  it.each([
    [{ image: { repoURL: 'nginx' } }, 'image'],
    [{ name: 'src', git: { repoURL: 'https://github.com/a/b' } }, 'git'],
    [{ chart: { repoURL: 'oci://ghcr.io/a/b' } }, 'chart'],
    [{ name: 'weights', huggingface: {} }, 'huggingface'],
  ])('%j has type %s', (input, type) => {
    const parsed = warehouseSubscriptionSchema.parse(input);
    expect(subscriptionTypeOf(parsed)).toBe(type);
    expect(genericSubscriptionOf(parsed)?.type).toBe(
      ['image', 'git', 'chart'].includes(type) ? undefined : type,
    );
  });
});

describe('warehouse defaults', () => {
  const [warehouse] = parseManifests({
    source: 'w.yaml',
    text: `
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: w, namespace: p }
spec:
  subscriptions:
  - image: { repoURL: ghcr.io/acme/shop }
  - git: { repoURL: https://github.com/acme/shop }
  - chart: { repoURL: oci://ghcr.io/acme/charts/shop }
`,
  }) as WarehouseManifest[];

  it('applies the interval and freight creation policy defaults', () => {
    expect(warehouse.spec.interval).toBe('5m0s');
    expect(warehouse.spec.freightCreationPolicy).toBe('Automatic');
  });

  it('applies the defaults of every subscription', () => {
    expect(warehouse.spec.subscriptions).toEqual([
      {
        image: {
          repoURL: 'ghcr.io/acme/shop',
          ...imageVector.defaults,
        },
      },
      {
        git: {
          repoURL: 'https://github.com/acme/shop',
          commitSelectionStrategy: 'NewestFromBranch',
          strictSemvers: true,
          discoveryLimit: 20,
        },
      },
      {
        chart: {
          repoURL: 'oci://ghcr.io/acme/charts/shop',
          discoveryLimit: 20,
        },
      },
    ]);
  });
});
