import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import {
  startRegistry,
  TestRegistry,
} from '../../__testUtils__/services/registry';
import {
  buildChart,
  buildImage,
  buildIndex,
  RegistryWriter,
} from '../../__testUtils__/services/registryContent';
import { haveCommands } from '../../__testUtils__/services/tools';
import { OciRegistryClient } from '../../discovery/oci';
import { createOciPushStep } from './oci-push';

const describeWithRegistry = haveCommands('docker-registry', 'htpasswd')
  ? describe
  : describe.skip;

jest.setTimeout(60_000);

describe('oci-push config', () => {
  const step = createOciPushStep({ client: () => OciRegistryClient.create() });
  it.each([
    [{ destRef: 'r.io/a:1' }, '(root): srcRef is required'],
    [
      { srcRef: 'r.io/a:1', destRef: 'r.io/a@sha256:abc' },
      `destRef: Does not match pattern '^(oci://)?[a-zA-Z0-9._-]+(:\\d+)?(/[a-zA-Z0-9._-]+)*[:][a-zA-Z0-9._-]+$'`,
    ],
    [
      { srcRef: 'r.io/a:1', destRef: 'r.io/a:2', annotations: { a: 1 } },
      'annotations.a: Invalid type. Expected: string, given: number',
    ],
    [
      { srcRef: 'r.io/a:1', destRef: 'r.io/a:2', force: true },
      '(root): Additional property force is not allowed',
    ],
  ])('refuses config %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(
      new TerminalStepError(`invalid oci-push config: ${problem}`),
    );
  });
});

describeWithRegistry('oci-push against docker-registry', () => {
  const password = 'oci-push-secret';
  let source: TestRegistry;
  let target: TestRegistry;
  const chart = buildChart('app', '1.2.3');
  const amd64 = buildImage({ content: 'amd', architecture: 'amd64' });
  const arm64 = buildImage({
    content: 'arm',
    architecture: 'arm64',
    os: 'linux',
  });
  const index = buildIndex([
    { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
    { image: arm64, platform: { os: 'linux', architecture: 'arm64' } },
  ]);
  const client = () =>
    OciRegistryClient.create({
      credentials: [{ host: target.host, username: 'ci', password }],
    });
  const step = createOciPushStep({ client });
  const context = () => createStepContext();

  beforeAll(async () => {
    source = await startRegistry();
    target = await startRegistry({
      auth: { type: 'htpasswd', users: { ci: password } },
    });
    const writer = new RegistryWriter(source.url);
    await writer.pushImage('charts/app', '1.2.3', chart);
    await writer.pushIndex('multi/app', 'v1', index, [amd64, arm64]);
  });
  afterAll(async () => {
    await source?.stop();
    await target?.stop();
  });

  it('retags in place, keeping the digest', async () => {
    const result = await step.run(context(), {
      srcRef: `oci://${source.host}/charts/app:1.2.3`,
      destRef: `oci://${source.host}/charts/app:prod`,
    });
    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        image: `${source.host}/charts/app:prod`,
        digest: chart.manifest.descriptor.digest,
        tag: 'prod',
      },
    });
    const manifest = await client().getManifest(
      { registry: source.host, repository: 'charts/app' },
      'prod',
    );
    expect(manifest?.digest).toBe(chart.manifest.descriptor.digest);
  });

  it('copies a chart to another registry with credentials, blobs and all', async () => {
    await step.run(context(), {
      srcRef: `${source.host}/charts/app@${chart.manifest.descriptor.digest}`,
      destRef: `${target.host}/mirror/app:1.2.3`,
    });
    const repo = { registry: target.host, repository: 'mirror/app' };
    const copied = await client().getManifest(repo, '1.2.3');
    expect(copied?.digest).toBe(chart.manifest.descriptor.digest);
    expect(
      await client().getBlob(repo, chart.blobs[1].descriptor.digest, {
        maxBytes: 10_000,
      }),
    ).toEqual(chart.blobs[1].bytes);
  });

  it('copies an index, annotating the index and each image manifest', async () => {
    const result = await step.run(context(), {
      srcRef: `${source.host}/multi/app:v1`,
      destRef: `${target.host}/multi/app:v1-approved`,
      annotations: {
        'org.example.approved': 'yes',
        'index:org.example.stage': 'prod',
      },
    });
    const repo = { registry: target.host, repository: 'multi/app' };
    const copied = await client().getManifest(repo, 'v1-approved');
    if (copied?.kind !== 'index') throw new Error('not an index');
    expect(copied.digest).not.toBe(index.descriptor.digest);
    expect(result.output).toMatchObject({ digest: copied.digest });
    expect(copied.index.annotations).toEqual({ 'org.example.stage': 'prod' });
    expect(copied.index.manifests.map(m => m.platform?.architecture)).toEqual([
      'amd64',
      'arm64',
    ]);
    for (const entry of copied.index.manifests) {
      const image = await client().getManifest(repo, entry.digest);
      if (image?.kind !== 'image') throw new Error('not an image');
      expect(image.manifest.annotations).toMatchObject({
        'org.example.approved': 'yes',
      });
    }
  });

  it('says what is missing and refuses an artifact over the size limit', async () => {
    await expect(
      step.run(context(), {
        srcRef: `${source.host}/charts/app:9.9.9`,
        destRef: `${target.host}/x/app:1`,
      }),
    ).rejects.toThrow(
      `failed to get source artifact "${source.host}/charts/app:9.9.9": not found`,
    );
    const small = createOciPushStep({ client, maxBytes: 10 });
    await expect(
      small.run(context(), {
        srcRef: `${source.host}/charts/app:1.2.3`,
        destRef: `${target.host}/x/app:1`,
      }),
    ).rejects.toThrow(
      /^compressed artifact size \d+ bytes exceeds maximum allowed size of 10 bytes$/,
    );
    const anonymous = createOciPushStep({
      client: () => OciRegistryClient.create(),
    });
    const error = await anonymous
      .run(context(), {
        srcRef: `${source.host}/charts/app:1.2.3`,
        destRef: `${target.host}/x/app:1`,
      })
      .catch((e: Error) => e);
    expect(String(error)).toContain('configure them under kargo.registries');
    expect(String(error)).not.toContain(password);
  });
});
