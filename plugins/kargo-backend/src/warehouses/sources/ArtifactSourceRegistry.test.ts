import {
  WarehouseManifest,
  WarehouseSubscription,
  parseManifests,
} from '@kargo-portal/plugin-kargo-common';
import { artifactSources } from '.';

const unused = async () => {
  throw new Error('no discovery here');
};
const registry = artifactSources({ image: unused, git: unused, chart: unused });

describe('ArtifactSourceRegistry', () => {
  it('registers image, git and chart', () => {
    expect(registry.types()).toEqual(['chart', 'git', 'image']);
  });

  // Manifests are validated when loaded; a spec that bypassed that is checked again by its source.
  const invalidImage = {
    image: {
      repoURL: 'https://not/an image',
      imageSelectionStrategy: 'SemVer' as const,
      strictSemvers: true,
      discoveryLimit: 20,
      cacheByTag: false,
    },
  };
  // Types other than image, git and chart are fields WarehouseSubscription does not name.
  const generic = { name: 'x', forecast: { config: {} } };
  it.each<[WarehouseSubscription, string | RegExp]>([
    [
      invalidImage,
      /^subscriptions\[2\]\.image\.repoURL: must be an image repository/,
    ],
    [
      generic,
      'subscriptions[2] ("x"): no artifact source of type "forecast" is installed',
    ],
  ])('names the subscription and field of %j', (subscription, message) => {
    expect(() => registry.resolve(subscription, 2)).toThrow(message);
  });

  it('matches webhook events as Kargo does: normalized URLs, and a branch subscription only its branch', () => {
    const warehouse = parseManifests({
      source: 'w.yaml',
      text: `
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: w, namespace: p }
spec:
  subscriptions:
    - git: { repoURL: 'https://github.com/acme/app.git', branch: main }
    - chart: { repoURL: 'oci://ghcr.io/acme/charts/app' }
`,
    }).find((m): m is WarehouseManifest => m.kind === 'Warehouse');
    if (!warehouse) throw new Error('no warehouse');
    const event = (e: { git?: string[]; images?: string[]; branch?: string }) =>
      registry.matchesWebhook(warehouse, {
        gitRepoURLs: e.git ?? [],
        imageRepoURLs: e.images ?? [],
        branch: e.branch,
      });
    expect(event({ git: ['https://GitHub.com/acme/app'] })).toBe(true);
    expect(
      event({ git: ['https://github.com/acme/app'], branch: 'main' }),
    ).toBe(true);
    expect(event({ git: ['https://github.com/acme/app'], branch: 'dev' })).toBe(
      false,
    );
    expect(event({ images: ['ghcr.io/acme/charts/app'] })).toBe(true);
    expect(event({ images: ['ghcr.io/acme/other'] })).toBe(false);
  });
});
