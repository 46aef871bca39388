import { startPaginatingRegistryProxy } from '../../__testUtils__/doubles/paginatingRegistryProxy';
import {
  startTokenService,
  TokenService,
} from '../../__testUtils__/doubles/tokenService';
import {
  startRegistry,
  TestRegistry,
  freePort,
} from '../../__testUtils__/services/registry';
import {
  buildImage,
  buildIndex,
  RegistryWriter,
} from '../../__testUtils__/services/registryContent';
import { haveCommands } from '../../__testUtils__/services/tools';
import { nextPageUrl, OciRegistryClient } from './OciRegistryClient';
import { basicAuthorization } from './credentials';
import { ImageRepository } from './reference';

const describeWithRegistry = haveCommands(
  'docker-registry',
  'htpasswd',
  'openssl',
)
  ? describe
  : describe.skip;

jest.setTimeout(60_000);

/** Everything an error shows when logged or serialized. */
function everythingShown(error: unknown): string {
  return error instanceof Error
    ? [
        String(error),
        error.stack,
        JSON.stringify(error),
        String(error.cause),
      ].join('\n')
    : String(error);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('nextPageUrl', () => {
  it('resolves the rel="next" link against the current page', () => {
    expect(
      nextPageUrl(
        '</v2/foo/tags/list?n=2&last=b>; rel="next"',
        'http://r:5000/v2/foo/tags/list?n=2',
      ),
    ).toBe('http://r:5000/v2/foo/tags/list?n=2&last=b');
    expect(
      nextPageUrl(
        '<https://x/prev>; rel="prev", <https://x/v2/a/tags/list?last=z>; rel=next',
        'https://x/v2/a/tags/list',
      ),
    ).toBe('https://x/v2/a/tags/list?last=z');
    expect(
      nextPageUrl('<https://x/p>; rel="prev"', 'https://x/'),
    ).toBeUndefined();
    expect(nextPageUrl(null, 'https://x/')).toBeUndefined();
  });
});

describeWithRegistry('OciRegistryClient against docker-registry', () => {
  describe('anonymous', () => {
    let registry: TestRegistry;
    const writer = () => new RegistryWriter(registry.url);
    let repo: ImageRepository;
    let imageDigest: string;
    let indexDigest: string;

    beforeAll(async () => {
      registry = await startRegistry();
      repo = { registry: registry.host, repository: 'team/app' };
      const amd64 = buildImage({
        created: '2024-01-01T00:00:00Z',
        content: 'amd64',
      });
      const arm64 = buildImage({
        created: '2024-01-02T00:00:00Z',
        architecture: 'arm64',
        variant: 'v8',
        content: 'arm64',
        docker: true,
      });
      imageDigest = await writer().pushImage('team/app', '1.0.0', amd64);
      await writer().pushImage('team/app', '1.1.0', arm64);
      indexDigest = await writer().pushIndex(
        'team/app',
        '2.0.0',
        buildIndex([
          { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
          {
            image: arm64,
            platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
          },
        ]),
        [amd64, arm64],
      );
    });
    afterAll(() => registry?.stop());

    it('lists tags', async () => {
      const client = OciRegistryClient.create();
      expect((await client.listTags(repo)).sort()).toEqual([
        '1.0.0',
        '1.1.0',
        '2.0.0',
      ]);
    });

    it('reads manifests and indexes by tag and digest', async () => {
      const client = OciRegistryClient.create();
      expect(await client.headManifest(repo, '1.0.0')).toMatchObject({
        digest: imageDigest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
      });
      const image = await client.getManifest(repo, imageDigest);
      expect(image?.kind).toBe('image');
      expect(image?.digest).toBe(imageDigest);
      const docker = await client.getManifest(repo, '1.1.0');
      expect(docker?.mediaType).toBe(
        'application/vnd.docker.distribution.manifest.v2+json',
      );
      const index = await client.getManifest(repo, '2.0.0');
      expect(index).toMatchObject({ kind: 'index', digest: indexDigest });
      expect(
        index?.kind === 'index' &&
          index.index.manifests.map(m => m.platform?.architecture),
      ).toEqual(['amd64', 'arm64']);
    });

    it('reads blobs and checks their digest', async () => {
      const client = OciRegistryClient.create();
      const image = await client.getManifest(repo, '1.0.0');
      if (image?.kind !== 'image') throw new Error('expected an image');
      const config = await client.getBlob(repo, image.manifest.config.digest, {
        maxBytes: 1024 * 1024,
      });
      expect(JSON.parse(config.toString('utf8')).created).toBe(
        '2024-01-01T00:00:00Z',
      );
      await expect(
        client.getBlob(repo, image.manifest.config.digest, { maxBytes: 10 }),
      ).rejects.toThrow(/bytes allowed/);
    });

    it('answers undefined for a missing tag and a readable error for a missing repository', async () => {
      const client = OciRegistryClient.create();
      expect(await client.headManifest(repo, '9.9.9')).toBeUndefined();
      expect(await client.getManifest(repo, '9.9.9')).toBeUndefined();
      await expect(
        client.listTags({ registry: registry.host, repository: 'nope' }),
      ).rejects.toThrow(
        `repository nope not found in registry ${registry.host} (404): NAME_UNKNOWN`,
      );
    });

    it('follows Link pagination of a registry that pages', async () => {
      const image = buildImage({ content: 'paged' });
      await writer().pushImage('paged', 'seed', image);
      const tags = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      await writer().tagMany('paged', image.manifest, tags);
      const proxy = await startPaginatingRegistryProxy({
        upstream: registry.url,
        pageSize: 3,
      });
      try {
        const client = OciRegistryClient.create({ tagPageSize: 1000 });
        const listed = await client.listTags({
          registry: proxy.host,
          repository: 'paged',
        });
        expect(listed).toEqual([...tags, 'seed']);
        expect(proxy.tagListRequests).toEqual([
          '/v2/paged/tags/list?n=1000',
          '/v2/paged/tags/list?n=3&last=c',
          '/v2/paged/tags/list?n=3&last=f',
        ]);
      } finally {
        await proxy.stop();
      }
    });

    it('says when a registry cannot be reached', async () => {
      const port = await freePort();
      const client = OciRegistryClient.create();
      await expect(
        client.listTags({ registry: `127.0.0.1:${port}`, repository: 'x' }),
      ).rejects.toThrow(`cannot reach registry 127.0.0.1:${port} (`);
    });
  });

  describe('with htpasswd (basic) authentication', () => {
    let registry: TestRegistry;
    const password = 'hunter2-very-secret';
    let repo: ImageRepository;

    beforeAll(async () => {
      registry = await startRegistry({
        auth: { type: 'htpasswd', users: { alice: password } },
      });
      repo = { registry: registry.host, repository: 'private/app' };
      const writer = new RegistryWriter(registry.url, () =>
        basicAuthorization({ username: 'alice', password }),
      );
      await writer.pushImage(
        'private/app',
        'v1.0.0',
        buildImage({ content: 'p' }),
      );
    });
    afterAll(() => registry?.stop());

    it('uses configured credentials', async () => {
      const client = OciRegistryClient.create({
        credentials: [{ host: registry.host, username: 'alice', password }],
      });
      expect(await client.listTags(repo)).toEqual(['v1.0.0']);
      expect(await client.headManifest(repo, 'v1.0.0')).toBeDefined();
    });

    it('says credentials are needed when none are configured', async () => {
      const client = OciRegistryClient.create();
      await expect(client.listTags(repo)).rejects.toThrow(
        `registry ${registry.host} requires credentials for repository private/app (401)`,
      );
    });

    it('says the credentials were refused, without showing them', async () => {
      const wrong = 'wrong-password-123';
      const client = OciRegistryClient.create({
        credentials: [
          { host: registry.host, username: 'alice', password: wrong },
        ],
      });
      const error = await caught(client.listTags(repo));
      expect(String(error)).toContain(
        `registry ${registry.host} refused the credentials for repository private/app (401)`,
      );
      expect(everythingShown(error)).not.toContain(wrong);
      expect(everythingShown(error)).not.toContain(
        Buffer.from(`alice:${wrong}`).toString('base64'),
      );
    });
  });

  describe('with bearer tokens from a token service', () => {
    let registry: TestRegistry;
    let tokens: TokenService;
    const password = 'token-user-secret';
    let writer: RegistryWriter;

    beforeAll(async () => {
      tokens = await startTokenService({
        users: { bob: { password, actions: ['pull', 'push'] } },
        anonymousPull: ['public/app'],
      });
      registry = await startRegistry({
        auth: {
          type: 'token',
          realm: tokens.realm,
          service: tokens.service,
          issuer: tokens.issuer,
          rootCertificate: tokens.certificateFile,
        },
      });
      const push = tokens.mint([
        { name: 'public/app', actions: ['pull', 'push'] },
        { name: 'private/app', actions: ['pull', 'push'] },
      ]);
      writer = new RegistryWriter(registry.url, () => `Bearer ${push}`);
      const image = buildImage({ content: 'token' });
      await writer.pushImage('public/app', '1.0.0', image);
      await writer.pushImage('private/app', '1.0.0', image);
      await writer.pushImage('private/app', '1.0.1', image);
    });
    afterAll(async () => {
      await registry?.stop();
      await tokens?.stop();
    });

    it('gets a token with the credentials and reuses it for the repository', async () => {
      const client = OciRegistryClient.create({
        credentials: [{ host: registry.host, username: 'bob', password }],
      });
      const repo = { registry: registry.host, repository: 'private/app' };
      const before = tokens.requests.length;
      expect((await client.listTags(repo)).sort()).toEqual(['1.0.0', '1.0.1']);
      await Promise.all([
        client.getManifest(repo, '1.0.0'),
        client.getManifest(repo, '1.0.1'),
        client.headManifest(repo, '1.0.0'),
      ]);
      const used = tokens.requests.slice(before);
      expect(used).toEqual([
        { scopes: ['repository:private/app:pull'], user: 'bob', status: 200 },
      ]);
    });

    it('gets an anonymous token for a public repository', async () => {
      const client = OciRegistryClient.create();
      const before = tokens.requests.length;
      expect(
        await client.listTags({
          registry: registry.host,
          repository: 'public/app',
        }),
      ).toEqual(['1.0.0']);
      expect(tokens.requests.slice(before)).toEqual([
        {
          scopes: ['repository:public/app:pull'],
          user: undefined,
          status: 200,
        },
      ]);
    });

    it('says credentials are needed for a private repository', async () => {
      const client = OciRegistryClient.create();
      await expect(
        client.listTags({ registry: registry.host, repository: 'private/app' }),
      ).rejects.toThrow(
        `registry ${registry.host} requires credentials for repository private/app (401)`,
      );
    });

    it('says the token service refused the credentials, without showing them', async () => {
      const wrong = 'not-bobs-password';
      const client = OciRegistryClient.create({
        credentials: [
          { host: registry.host, username: 'bob', password: wrong },
        ],
      });
      const error = await caught(
        client.listTags({ registry: registry.host, repository: 'private/app' }),
      );
      expect(String(error)).toContain(
        `token service ${tokens.realm} refused the credentials for repository private/app (401)`,
      );
      expect(everythingShown(error)).not.toContain(wrong);
    });
  });
});
