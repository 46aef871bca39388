import { FreightRecord } from '@kargo-portal/plugin-kargo-common';
import { artifactChanges, artifactSummary } from './artifacts';

function freight(partial: Partial<FreightRecord>): FreightRecord {
  return {
    id: 'f'.repeat(40),
    alias: 'a',
    project: 'p',
    origin: { kind: 'Warehouse', name: 'w' },
    commits: [],
    images: [],
    charts: [],
    createdAt: '2026-01-01T00:00:00Z',
    ...partial,
  };
}

describe('artifactSummary', () => {
  it.each([
    [{ images: [{ repoURL: 'r', tag: 'v1', digest: 'sha256:abc' }] }, 'v1'],
    [
      {
        images: [
          {
            repoURL: 'r',
            tag: '',
            digest: 'sha256:0123456789abcdef0123',
          },
        ],
      },
      'sha256:0123456789ab',
    ],
    [{ commits: [{ repoURL: 'g', id: '0123456789abcdef' }] }, '0123456'],
    [{ commits: [{ repoURL: 'g', id: '0123456789', tag: 'v2' }] }, 'v2'],
    [
      { charts: [{ repoURL: 'h', name: 'app', version: '1.0.0' }] },
      'app@1.0.0',
    ],
    [
      { charts: [{ repoURL: 'oci://h/app', name: '', version: '2.0.0' }] },
      '2.0.0',
    ],
  ])('%j -> %s', (partial, expected) => {
    expect(artifactSummary(freight(partial))).toBe(expected);
  });
});

describe('artifactChanges', () => {
  const current = freight({
    alias: 'old',
    images: [{ repoURL: 'ghcr.io/app', tag: 'v1', digest: '' }],
    commits: [{ repoURL: 'https://git/app', id: 'aaaaaaaaaa' }],
    charts: [{ repoURL: 'https://charts', name: 'app', version: '1.0.0' }],
  });

  it('pairs artifacts by repository and marks what changes', () => {
    const chosen = freight({
      alias: 'new',
      images: [{ repoURL: 'ghcr.io/app', tag: 'v2', digest: '' }],
      commits: [{ repoURL: 'https://git/app', id: 'aaaaaaaaaa' }],
      charts: [],
    });
    expect(
      artifactChanges(current, chosen).map(r => [
        r.kind,
        r.current,
        r.chosen,
        r.changed,
      ]),
    ).toEqual([
      ['image', 'v1', 'v2', true],
      ['commit', 'aaaaaaa', 'aaaaaaa', false],
      ['chart', '1.0.0', undefined, true],
    ]);
  });

  it('shows every artifact as new when the stage runs nothing', () => {
    expect(
      artifactChanges(undefined, current).map(r => [r.current, r.changed]),
    ).toEqual([
      [undefined, true],
      [undefined, true],
      [undefined, true],
    ]);
  });
});
