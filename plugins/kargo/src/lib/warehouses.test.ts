import { WarehouseStatus } from '@kargo-portal/plugin-kargo-common';
import { discoveredArtifacts, isRefreshPending } from './warehouses';

const warehouse = (extra: Partial<WarehouseStatus>): WarehouseStatus => ({
  project: 'p',
  name: 'w',
  ...extra,
});

describe('isRefreshPending', () => {
  it.each([
    [{}, false],
    [{ refreshRequestedAt: '2026-01-02T00:00:00Z' }, true],
    [
      {
        refreshRequestedAt: '2026-01-02T00:00:00Z',
        lastAttemptAt: '2026-01-01T00:00:00Z',
      },
      true,
    ],
    [
      {
        refreshRequestedAt: '2026-01-02T00:00:00Z',
        lastAttemptAt: '2026-01-02T00:00:05Z',
        lastError: 'failed, but it ran',
      },
      false,
    ],
    [
      {
        refreshRequestedAt: '2026-01-02T00:00:00Z',
        lastDiscoveryAt: '2026-01-02T00:00:05Z',
      },
      false,
    ],
  ])('%j -> %s', (extra, expected) => {
    expect(isRefreshPending(warehouse(extra))).toBe(expected);
  });
});

describe('discoveredArtifacts', () => {
  it('is empty before the first discovery', () => {
    expect(discoveredArtifacts(warehouse({}))).toEqual([]);
  });

  it('summarizes each subscription', () => {
    expect(
      discoveredArtifacts(
        warehouse({
          discovered: {
            discoveredAt: '2026-01-01T00:00:00Z',
            images: [
              {
                repoURL: 'ghcr.io/app',
                platform: 'linux/amd64',
                references: [
                  { tag: 'v2', digest: 'd2' },
                  { tag: '', digest: 'd1' },
                ],
              },
            ],
            commits: [
              {
                repoURL: 'https://git/app',
                commits: [{ id: '0123456789' }, { id: 'x', tag: 'v1' }],
              },
            ],
            charts: [
              { repoURL: 'https://charts', name: 'app', versions: ['1.1.0'] },
              { repoURL: 'oci://charts/app', name: '', versions: [] },
            ],
          },
        }),
      ),
    ).toEqual([
      {
        kind: 'image',
        source: 'ghcr.io/app (linux/amd64)',
        versions: ['v2', 'd1'],
      },
      { kind: 'git', source: 'https://git/app', versions: ['0123456', 'v1'] },
      { kind: 'chart', source: 'https://charts app', versions: ['1.1.0'] },
      { kind: 'chart', source: 'oci://charts/app', versions: [] },
    ]);
  });
});
