import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  FreightArtifacts,
  FreightOrigin,
} from '@kargo-portal/plugin-kargo-common';
import { freightId } from './freightId';

const vectorsDir = path.resolve(
  __dirname,
  '../../../../test-vectors/kargo/03-freight-naming',
);

const warehouse = (name: string): FreightOrigin => ({
  kind: 'Warehouse',
  name,
});
const sha1 = (s: string) => createHash('sha1').update(s, 'utf8').digest('hex');

describe('freightId', () => {
  it('follows the algorithm the vectors document', () => {
    // The algorithm is given as prose; these tests pin each of its rules below.
    const algorithm = fs.readFileSync(
      path.join(vectorsDir, 'ALGORITHM.md'),
      'utf8',
    );
    expect(algorithm).toContain('Sort all parts ascending (byte-wise');
    expect(algorithm).toContain(
      "canonical = origin.kind + '/' + origin.name + ':' + join(parts, '|')",
    );
  });

  // Ids computed independently (Kargo's GenerateFreightID compiled with Go, and sha1sum of the
  // canonical string), so a wrong hash encoding or order fails here even if the rules below hold.
  it.each<[string, FreightOrigin, FreightArtifacts, string]>([
    [
      "Kargo's TestGenerateFreightID freight",
      warehouse('fake-name'),
      {
        commits: [{ repoURL: 'fake-git-repo', id: 'fake-commit-id' }],
        images: [
          { repoURL: 'fake-image-repo', tag: 'fake-image-tag', digest: '' },
        ],
        charts: [
          {
            repoURL: 'fake-chart-repo',
            name: 'fake-chart',
            version: 'fake-chart-version',
          },
        ],
      },
      '30b440ecd009dc114e676113566b118de99f7c2d',
    ],
    [
      'an image with tag and digest',
      warehouse('kargo-demo'),
      {
        images: [
          {
            repoURL: 'public.ecr.aws/nginx/nginx',
            tag: '1.27.0',
            digest:
              'sha256:97b83c73d3165f2deb95e02459a6e905f092260cd991f4c4eae2f192ddb99cbe',
          },
        ],
      },
      '41ffc51ff8b92ff4241db69bd75f7c5ca3ff370e',
    ],
    [
      'a tagged commit of a named subscription and two charts',
      warehouse('w'),
      {
        commits: [
          {
            repoURL: 'https://github.com/Example/Repo.git',
            id: 'abc123',
            tag: 'v1.0.0',
            subscriptionName: 'app',
          },
        ],
        charts: [
          {
            repoURL: 'https://charts.example.com/',
            name: 'mychart',
            version: '1.0.0',
          },
          {
            repoURL: 'oci://ghcr.io/example/chart',
            name: '',
            version: '2.0.0',
          },
        ],
      },
      '1b7a37c943dd55ac0a3f495404c0624a14ea5354',
    ],
  ])('gives Kargo’s id for %s', (_title, origin, artifacts, expected) => {
    expect(freightId(origin, artifacts)).toBe(expected);
  });

  it.each<[string, FreightArtifacts, string]>([
    ['no artifacts', {}, 'Warehouse/w:'],
    [
      'a commit: normalized repository URL, then the id',
      {
        commits: [{ repoURL: 'git@github.com:Example/Repo.git', id: 'abc123' }],
      },
      'Warehouse/w:ssh://git@github.com/example/repo:abc123',
    ],
    [
      'a tagged commit: tag before the id',
      {
        commits: [
          {
            repoURL: 'https://github.com/example/repo',
            id: 'abc123',
            tag: 'v1.0.0',
            branch: 'main',
            message: 'not hashed',
          },
        ],
      },
      'Warehouse/w:https://github.com/example/repo:v1.0.0:abc123',
    ],
    [
      'an image: repository URL as given, tag and digest',
      {
        images: [
          {
            repoURL: 'docker.io/library/nginx',
            tag: '1.27',
            digest: 'sha256:abc',
            annotations: { not: 'hashed' },
          },
        ],
      },
      'Warehouse/w:docker.io/library/nginx:1.27@sha256:abc',
    ],
    [
      'an image known by digest only',
      {
        images: [
          { repoURL: 'ghcr.io/example/app', tag: '', digest: 'sha256:abc' },
        ],
      },
      'Warehouse/w:ghcr.io/example/app:@sha256:abc',
    ],
    [
      'a chart of a classic repository: path.Join collapses the double slash',
      {
        charts: [
          {
            repoURL: 'https://charts.example.com/',
            name: 'mychart',
            version: '1.0.0',
          },
        ],
      },
      'Warehouse/w:https:/charts.example.com/mychart:1.0.0',
    ],
    [
      'an OCI chart: empty name, no trailing slash',
      {
        charts: [
          {
            repoURL: 'oci://registry-1.docker.io/example/chart',
            name: '',
            version: '1.0.0',
          },
        ],
      },
      'Warehouse/w:example/chart:1.0.0',
    ],
    [
      'a chart name with dot segments: path.Clean resolves them',
      {
        charts: [{ repoURL: 'charts/a', name: './../b//c/', version: '1' }],
      },
      'Warehouse/w:charts/b/c:1',
    ],
    [
      'a chart with neither repository nor name',
      { charts: [{ repoURL: '', name: '', version: '1.0.0' }] },
      'Warehouse/w::1.0.0',
    ],
    [
      'a generic artifact: type, subscription, version',
      {
        artifacts: [
          {
            artifactType: 'application/vnd.example',
            subscriptionName: 'sub',
            version: '1.2.3',
            metadata: { not: 'hashed' },
          },
        ],
      },
      'Warehouse/w:application/vnd.example:sub:1.2.3',
    ],
    [
      'named subscriptions: the name is appended to each part',
      {
        commits: [
          {
            repoURL: 'https://github.com/example/repo',
            id: 'abc',
            subscriptionName: 'c',
          },
        ],
        images: [
          {
            repoURL: 'example.com/app',
            tag: 'v1',
            digest: 'sha256:d',
            subscriptionName: 'i',
          },
        ],
        charts: [
          {
            repoURL: 'oci://example.com/chart',
            name: '',
            version: '1',
            subscriptionName: 'h',
          },
        ],
      },
      'Warehouse/w:example.com/app:v1@sha256:d:i|example.com/chart:1:h|https://github.com/example/repo:abc:c',
    ],
    [
      'kinds mixed in one byte-wise order (upper case before lower case)',
      {
        commits: [{ repoURL: 'https://a.example/r', id: '1' }],
        images: [{ repoURL: 'b.example/img', tag: 't', digest: '' }],
        charts: [{ repoURL: 'B.example/chart', name: 'c', version: '1' }],
        artifacts: [{ artifactType: 'Z', subscriptionName: 's', version: '1' }],
      },
      'Warehouse/w:Z:s:1|b.example/chart/c:1|b.example/img:t@|https://a.example/r:1',
    ],
    [
      'UTF-8 byte order, not UTF-16 code unit order',
      {
        artifacts: [
          { artifactType: '😀', subscriptionName: 's', version: '1' },
          { artifactType: '\uffff', subscriptionName: 's', version: '1' },
          { artifactType: 'é', subscriptionName: 's', version: '1' },
        ],
      },
      'Warehouse/w:é:s:1|\uffff:s:1|😀:s:1',
    ],
  ])('hashes the canonical form of %s', (_title, artifacts, canonical) => {
    expect(freightId(warehouse('w'), artifacts)).toBe(sha1(canonical));
  });

  describe('properties', () => {
    const commitA = { repoURL: 'https://github.com/example/a', id: '1111' };
    const commitB = { repoURL: 'https://github.com/example/b', id: '2222' };
    const imageA = {
      repoURL: 'ghcr.io/example/a',
      tag: 'v1',
      digest: 'sha256:a',
    };
    const imageB = { repoURL: 'ghcr.io/example/b', tag: 'v2', digest: '' };
    const chartA = {
      repoURL: 'oci://ghcr.io/example/a',
      name: '',
      version: '1.0.0',
    };
    const chartB = {
      repoURL: 'https://charts.example.com',
      name: 'b',
      version: '2.0.0',
    };
    const artifactA = {
      artifactType: 't',
      subscriptionName: 's',
      version: '1',
    };
    const artifactB = {
      artifactType: 't',
      subscriptionName: 's',
      version: '2',
    };

    it('is 40 lower-case hex digits', () => {
      expect(freightId(warehouse('w'), { commits: [commitA] })).toMatch(
        /^[0-9a-f]{40}$/,
      );
    });

    it.each<[string, FreightArtifacts, FreightArtifacts]>([
      [
        'commits',
        { commits: [commitA, commitB] },
        { commits: [commitB, commitA] },
      ],
      ['images', { images: [imageA, imageB] }, { images: [imageB, imageA] }],
      ['charts', { charts: [chartA, chartB] }, { charts: [chartB, chartA] }],
      [
        'artifacts',
        { artifacts: [artifactA, artifactB] },
        { artifacts: [artifactB, artifactA] },
      ],
      [
        'all kinds together',
        {
          commits: [commitA, commitB],
          images: [imageA, imageB],
          charts: [chartA, chartB],
        },
        {
          charts: [chartB, chartA],
          images: [imageB, imageA],
          commits: [commitB, commitA],
        },
      ],
    ])('does not depend on the order of %s', (_title, one, other) => {
      expect(freightId(warehouse('w'), one)).toBe(
        freightId(warehouse('w'), other),
      );
    });

    it.each<[string, (name?: string) => FreightArtifacts]>([
      [
        'commit',
        name => ({ commits: [{ ...commitA, subscriptionName: name }] }),
      ],
      ['image', name => ({ images: [{ ...imageA, subscriptionName: name }] })],
      ['chart', name => ({ charts: [{ ...chartA, subscriptionName: name }] })],
    ])('treats the subscription name of a %s', (_kind, freight) => {
      const unnamed = freightId(warehouse('w'), freight(undefined));
      // Empty names keep the ids of Kargo versions before subscription names.
      expect(freightId(warehouse('w'), freight(''))).toBe(unnamed);
      expect(freightId(warehouse('w'), freight('sub'))).not.toBe(unnamed);
      expect(freightId(warehouse('w'), freight('sub'))).toBe(
        freightId(warehouse('w'), freight('sub')),
      );
      expect(freightId(warehouse('w'), freight('other'))).not.toBe(
        freightId(warehouse('w'), freight('sub')),
      );
    });

    it('always hashes the subscription name of a generic artifact', () => {
      expect(
        freightId(warehouse('w'), {
          artifacts: [{ ...artifactA, subscriptionName: '' }],
        }),
      ).toBe(sha1('Warehouse/w:t::1'));
    });

    it.each<[string, FreightArtifacts, FreightArtifacts]>([
      [
        'the commit id (as in Kargo’s TestGenerateFreightID)',
        { commits: [commitA] },
        { commits: [{ ...commitA, id: 'a-different-fake-commit' }] },
      ],
      [
        'the commit tag',
        { commits: [commitA] },
        { commits: [{ ...commitA, tag: 'v1' }] },
      ],
      [
        'the image digest',
        { images: [imageA] },
        { images: [{ ...imageA, digest: 'sha256:b' }] },
      ],
      [
        'the spelling of an image repository (not normalized)',
        { images: [{ repoURL: 'nginx', tag: '1', digest: '' }] },
        {
          images: [
            { repoURL: 'docker.io/library/nginx', tag: '1', digest: '' },
          ],
        },
      ],
      [
        'the chart version',
        { charts: [chartB] },
        { charts: [{ ...chartB, version: '2.0.1' }] },
      ],
    ])('changes with %s', (_title, one, other) => {
      expect(freightId(warehouse('w'), one)).not.toBe(
        freightId(warehouse('w'), other),
      );
    });

    it.each<[string, FreightArtifacts, FreightArtifacts]>([
      [
        'spellings of a Git repository URL',
        { commits: [{ repoURL: 'https://github.com/example/repo', id: '1' }] },
        {
          commits: [
            {
              repoURL: ' HTTPS://user:pass@GitHub.com/Example/Repo.git/',
              id: '1',
            },
          ],
        },
      ],
      [
        'spellings of an OCI chart repository',
        {
          charts: [{ repoURL: 'oci://example/chart', name: '', version: '1' }],
        },
        {
          charts: [
            {
              repoURL: 'OCI://index.docker.io/example/chart',
              name: '',
              version: '1',
            },
          ],
        },
      ],
    ])('is the same for %s', (_title, one, other) => {
      expect(freightId(warehouse('w'), one)).toBe(
        freightId(warehouse('w'), other),
      );
    });

    it('depends on the origin', () => {
      expect(freightId(warehouse('a'), { commits: [commitA] })).not.toBe(
        freightId(warehouse('b'), { commits: [commitA] }),
      );
    });
  });
});
