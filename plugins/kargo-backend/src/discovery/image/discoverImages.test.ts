import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImageSubscription } from '@kargo-portal/plugin-kargo-common';
import {
  startRegistry,
  TestRegistry,
} from '../../__testUtils__/services/registry';
import {
  buildImage,
  buildIndex,
  copyWithSkopeo,
  RegistryWriter,
  writeOciLayout,
} from '../../__testUtils__/services/registryContent';
import { haveCommands } from '../../__testUtils__/services/tools';
import { OciRegistryClient } from '../oci/OciRegistryClient';
import { basicAuthorization } from '../oci/credentials';
import { discoverImages } from './discoverImages';
import { LruImageMetadataCache } from './imageMetadata';

const describeWithRegistry = haveCommands(
  'docker-registry',
  'htpasswd',
  'skopeo',
)
  ? describe
  : describe.skip;

jest.setTimeout(120_000);

/** An image subscription with the schema's defaults, as the manifest parser produces it. */
function subscription(
  fields: Partial<ImageSubscription> & { repoURL: string },
): ImageSubscription {
  return {
    imageSelectionStrategy: 'SemVer',
    strictSemvers: true,
    discoveryLimit: 20,
    cacheByTag: false,
    ...fields,
  };
}

/** Counts the requests a client makes, by method and path. */
function countingFetch() {
  const requests: string[] = [];
  const counted: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    requests.push(`${init?.method ?? 'GET'} ${url.pathname}`);
    return fetch(input, init);
  };
  return { requests, fetch: counted };
}

describeWithRegistry('discoverImages against docker-registry', () => {
  let registry: TestRegistry;
  let writer: RegistryWriter;
  const digests = new Map<string, string>();
  const day = (n: number) => new Date(Date.UTC(2025, 0, n)).toISOString();

  const deps = () => ({
    client: OciRegistryClient.create(),
    cache: new LruImageMetadataCache(),
  });

  beforeAll(async () => {
    registry = await startRegistry();
    writer = new RegistryWriter(registry.url);
    // Build times deliberately out of version order, for NewestBuild.
    const releases: Array<[string, number]> = [
      ['1.0.0', 1],
      ['1.2.0', 9],
      ['v1.3.0', 3],
      ['1.10.0', 4],
      ['1.1', 8],
      ['2.0.0-rc.1', 6],
      ['0.9.0', 7],
      ['latest', 5],
      ['feature-x', 2],
    ];
    for (const [tag, created] of releases) {
      digests.set(
        tag,
        await writer.pushImage(
          'team/app',
          tag,
          buildImage({ created: day(created), content: tag }),
        ),
      );
    }
  });
  afterAll(() => registry?.stop());

  const repoURL = () => `${registry.host}/team/app`;

  it('SemVer: newest versions satisfying the constraint, strict by default', async () => {
    const result = await discoverImages(
      subscription({ repoURL: repoURL(), constraint: '^1.0.0' }),
      deps(),
    );
    expect(result.repoURL).toBe(repoURL());
    expect(result.references).toEqual([
      {
        tag: '1.10.0',
        digest: digests.get('1.10.0'),
        createdAt: '2025-01-04T00:00:00.000Z',
      },
      {
        tag: 'v1.3.0',
        digest: digests.get('v1.3.0'),
        createdAt: '2025-01-03T00:00:00.000Z',
      },
      {
        tag: '1.2.0',
        digest: digests.get('1.2.0'),
        createdAt: '2025-01-09T00:00:00.000Z',
      },
      {
        tag: '1.0.0',
        digest: digests.get('1.0.0'),
        createdAt: '2025-01-01T00:00:00.000Z',
      },
    ]);
  });

  it('SemVer: loose versions and prerelease constraints, limited', async () => {
    const result = await discoverImages(
      subscription({
        repoURL: repoURL(),
        strictSemvers: false,
        constraint: '>=1.1.0-0',
        discoveryLimit: 4,
      }),
      deps(),
    );
    expect(result.references.map(r => r.tag)).toEqual([
      '2.0.0-rc.1',
      '1.10.0',
      'v1.3.0',
      '1.2.0',
    ]);
  });

  it('reads only as many images as it reports', async () => {
    const counting = countingFetch();
    const result = await discoverImages(
      subscription({ repoURL: repoURL(), discoveryLimit: 2 }),
      {
        client: OciRegistryClient.create({ fetch: counting.fetch }),
        cache: new LruImageMetadataCache(),
      },
    );
    // Without a constraint every semantic version counts, prereleases too (Kargo).
    expect(result.references.map(r => r.tag)).toEqual(['2.0.0-rc.1', '1.10.0']);
    expect(counting.requests.filter(r => r.includes('/manifests/'))).toEqual([
      'GET /v2/team/app/manifests/2.0.0-rc.1',
      'GET /v2/team/app/manifests/1.10.0',
    ]);
    expect(counting.requests.filter(r => r.includes('/blobs/'))).toHaveLength(
      2,
    );
  });

  it('Lexical: greatest tags first, within the allow and ignore regexes', async () => {
    const result = await discoverImages(
      subscription({
        repoURL: repoURL(),
        imageSelectionStrategy: 'Lexical',
        allowTagsRegexes: ['^[0-9v]'],
        ignoreTagsRegexes: ['-rc', '^0\\.'],
      }),
      deps(),
    );
    expect(result.references.map(r => r.tag)).toEqual([
      'v1.3.0',
      '1.2.0',
      '1.10.0',
      '1.1',
      '1.0.0',
    ]);
  });

  it('NewestBuild: newest build time first, limited', async () => {
    const result = await discoverImages(
      subscription({
        repoURL: repoURL(),
        imageSelectionStrategy: 'NewestBuild',
        discoveryLimit: 3,
      }),
      deps(),
    );
    expect(result.references.map(r => [r.tag, r.createdAt])).toEqual([
      ['1.2.0', '2025-01-09T00:00:00.000Z'],
      ['1.1', '2025-01-08T00:00:00.000Z'],
      ['0.9.0', '2025-01-07T00:00:00.000Z'],
    ]);
  });

  it('NewestBuild: a creation annotation or later label wins over the config time', async () => {
    await writer.pushImage(
      'built/app',
      'annotated',
      buildImage({
        created: day(1),
        annotations: { 'org.opencontainers.image.created': day(20) },
        content: 'annotated',
      }),
    );
    await writer.pushImage(
      'built/app',
      'labelled',
      buildImage({
        created: day(2),
        labels: { 'org.label-schema.build-date': day(15) },
        content: 'labelled',
      }),
    );
    await writer.pushImage(
      'built/app',
      'plain',
      buildImage({ created: day(10), content: 'plain' }),
    );
    await writer.pushImage(
      'built/app',
      'undated',
      buildImage({ content: 'undated' }),
    );
    const result = await discoverImages(
      subscription({
        repoURL: `${registry.host}/built/app`,
        imageSelectionStrategy: 'NewestBuild',
      }),
      deps(),
    );
    expect(result.references.map(r => [r.tag, r.createdAt])).toEqual([
      ['annotated', '2025-01-20T00:00:00.000Z'],
      ['labelled', '2025-01-15T00:00:00.000Z'],
      ['plain', '2025-01-10T00:00:00.000Z'],
      ['undated', undefined],
    ]);
    expect(result.references[0].annotations).toEqual({
      'org.opencontainers.image.created': day(20),
    });
  });

  it('Digest: follows the digest of a mutable tag', async () => {
    const sub = subscription({
      repoURL: `${registry.host}/mutable/app`,
      imageSelectionStrategy: 'Digest',
      constraint: 'latest',
    });
    expect((await discoverImages(sub, deps())).references).toEqual([]);
    const first = await writer.pushImage(
      'mutable/app',
      'latest',
      buildImage({ created: day(1), content: 'm1' }),
    );
    const shared = deps();
    expect((await discoverImages(sub, shared)).references).toEqual([
      { tag: 'latest', digest: first, createdAt: '2025-01-01T00:00:00.000Z' },
    ]);
    const second = await writer.pushImage(
      'mutable/app',
      'latest',
      buildImage({ created: day(2), content: 'm2' }),
    );
    expect(second).not.toBe(first);
    expect((await discoverImages(sub, shared)).references).toEqual([
      { tag: 'latest', digest: second, createdAt: '2025-01-02T00:00:00.000Z' },
    ]);
  });

  it('cacheByTag: does not ask for a known tag again', async () => {
    const counting = countingFetch();
    const shared = {
      client: OciRegistryClient.create({ fetch: counting.fetch }),
      cache: new LruImageMetadataCache(),
    };
    const sub = subscription({
      repoURL: repoURL(),
      discoveryLimit: 3,
      cacheByTag: true,
    });
    const first = await discoverImages(sub, shared);
    const manifestReads = counting.requests.filter(r =>
      r.includes('/manifests/'),
    ).length;
    const second = await discoverImages(sub, shared);
    expect(second).toEqual(first);
    expect(manifestReads).toBe(3);
    expect(
      counting.requests.filter(r => r.includes('/manifests/')),
    ).toHaveLength(3);
  });

  it('explains subscription errors by field, before any request', async () => {
    const counting = countingFetch();
    const run = (fields: Partial<ImageSubscription>) =>
      discoverImages(subscription({ repoURL: repoURL(), ...fields }), {
        client: OciRegistryClient.create({ fetch: counting.fetch }),
      });
    await expect(run({ constraint: 'latest' })).rejects.toThrow(
      /error parsing semver constraint \(constraint\)/,
    );
    await expect(run({ ignoreTagsRegexes: ['(unclosed'] })).rejects.toThrow(
      /ignoreTagsRegexes\[0\]/,
    );
    expect(counting.requests).toEqual([]);
  });

  it('explains a repository that does not exist', async () => {
    await expect(
      discoverImages(
        subscription({ repoURL: `${registry.host}/no/such` }),
        deps(),
      ),
    ).rejects.toThrow(
      `repository no/such not found in registry ${registry.host} (404)`,
    );
  });

  describe('multi-arch images pushed with skopeo into a registry with basic auth', () => {
    let secured: TestRegistry;
    let layoutDir: string;
    const password = 'skopeo-pass';
    let indexDigest: string;

    beforeAll(async () => {
      secured = await startRegistry({
        auth: { type: 'htpasswd', users: { ci: password } },
      });
      layoutDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kargo-oci-layout-'));
      const amd64 = buildImage({ created: day(3), content: 'amd64' });
      const arm64 = buildImage({
        created: day(5),
        architecture: 'arm64',
        variant: 'v8',
        content: 'arm64',
      });
      const attestation = buildImage({ content: 'attestation' });
      const index = buildIndex(
        [
          { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
          {
            image: arm64,
            platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
            annotations: { 'org.example.platform': 'arm64' },
          },
          {
            image: attestation,
            platform: { os: 'unknown', architecture: 'unknown' },
          },
        ],
        {
          annotations: {
            'org.opencontainers.image.source': 'https://example.com/app',
          },
        },
      );
      indexDigest = index.descriptor.digest;
      await writeOciLayout(layoutDir, '3.0.0', index, [
        amd64.manifest,
        ...amd64.blobs,
        arm64.manifest,
        ...arm64.blobs,
        attestation.manifest,
        ...attestation.blobs,
      ]);
      await copyWithSkopeo({
        layoutDir,
        tag: '3.0.0',
        host: secured.host,
        repository: 'multi/app',
        credentials: { username: 'ci', password },
      });
      // A single-platform image: it has no platform list, so a platform constraint never selects it (Kargo).
      await new RegistryWriter(secured.url, () =>
        basicAuthorization({ username: 'ci', password }),
      ).pushImage(
        'multi/app',
        '3.1.0',
        buildImage({ created: day(9), content: 'single' }),
      );
    });
    afterAll(async () => {
      await secured?.stop();
      if (layoutDir) await fs.rm(layoutDir, { recursive: true, force: true });
    });

    const securedDeps = () => ({
      client: OciRegistryClient.create({
        credentials: [{ host: secured.host, username: 'ci', password }],
      }),
      cache: new LruImageMetadataCache(),
    });

    it('selects the index for a platform it has, reporting the index digest', async () => {
      const result = await discoverImages(
        subscription({
          repoURL: `${secured.host}/multi/app`,
          platform: 'linux/arm64/v8',
        }),
        securedDeps(),
      );
      expect(result).toEqual({
        repoURL: `${secured.host}/multi/app`,
        platform: 'linux/arm64/v8',
        references: [
          {
            tag: '3.0.0',
            digest: indexDigest,
            createdAt: '2025-01-05T00:00:00.000Z',
            annotations: {
              'org.opencontainers.image.source': 'https://example.com/app',
              'org.example.platform': 'arm64',
            },
          },
        ],
      });
    });

    it('finds nothing for a platform no image has', async () => {
      const result = await discoverImages(
        subscription({
          repoURL: `${secured.host}/multi/app`,
          platform: 'linux/s390x',
        }),
        securedDeps(),
      );
      expect(result.references).toEqual([]);
    });

    it('without a platform, reads both', async () => {
      const result = await discoverImages(
        subscription({ repoURL: `${secured.host}/multi/app` }),
        securedDeps(),
      );
      expect(result.references.map(r => [r.tag, r.createdAt])).toEqual([
        ['3.1.0', '2025-01-09T00:00:00.000Z'],
        ['3.0.0', '2025-01-05T00:00:00.000Z'],
      ]);
    });

    it('needs the credentials', async () => {
      await expect(
        discoverImages(
          subscription({ repoURL: `${secured.host}/multi/app` }),
          deps(),
        ),
      ).rejects.toThrow(
        `registry ${secured.host} requires credentials for repository multi/app (401)`,
      );
    });
  });
});
