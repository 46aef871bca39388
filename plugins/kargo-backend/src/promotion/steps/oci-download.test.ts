import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
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
  HELM_CHART_LAYER,
  RegistryWriter,
} from '../../__testUtils__/services/registryContent';
import { haveCommands } from '../../__testUtils__/services/tools';
import { OciRegistryClient } from '../../discovery/oci';
import { basicAuthorization } from '../../discovery/oci/credentials';
import { createOciDownloadStep } from './oci-download';

const describeWithRegistry = haveCommands('docker-registry', 'htpasswd')
  ? describe
  : describe.skip;

jest.setTimeout(60_000);

describe('oci-download config', () => {
  const step = createOciDownloadStep({
    client: () => OciRegistryClient.create(),
  });
  it.each([
    [{ outPath: 'a' }, '(root): imageRef is required'],
    [
      { imageRef: 'ghcr.io/acme/app', outPath: 'a' },
      `imageRef: Does not match pattern '^(oci:\\/\\/)?[a-zA-Z0-9._-]+(:\\d+)?(\\/[a-zA-Z0-9._-]+)*[@:][a-zA-Z0-9._:-]+$'`,
    ],
    [
      { imageRef: 'ghcr.io/acme/app:1', outPath: 'a', mediaType: '' },
      'mediaType: String length must be greater than or equal to 1',
    ],
    [
      { imageRef: 'ghcr.io/acme/app:1', outPath: 'a', platform: 'linux' },
      '(root): Additional property platform is not allowed',
    ],
  ])('refuses config %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(
      new TerminalStepError(`invalid oci-download config: ${problem}`),
    );
  });

  it('refuses insecureSkipTLSVerify, which it cannot honour', () => {
    expect(() =>
      step.parseConfig({
        imageRef: 'ghcr.io/acme/app:1',
        outPath: 'a',
        insecureSkipTLSVerify: true,
      }),
    ).toThrow(/^insecureSkipTLSVerify is not supported/);
  });
});

describeWithRegistry('oci-download against docker-registry', () => {
  const password = 'oci-download-secret';
  const mockDir = createMockDirectory();
  let registry: TestRegistry;
  const chart = buildChart('app', '1.2.3');
  const chartLayer = chart.blobs[1];
  const client = () =>
    OciRegistryClient.create({
      credentials: [{ host: registry.host, username: 'ci', password }],
    });
  const step = createOciDownloadStep({ client, maxBytes: 10_000 });
  const context = () => createStepContext({ workDir: mockDir.path });
  const read = (file: string) => fs.readFileSync(path.join(mockDir.path, file));

  beforeAll(async () => {
    registry = await startRegistry({
      auth: { type: 'htpasswd', users: { ci: password } },
    });
    const writer = new RegistryWriter(registry.url, () =>
      basicAuthorization({ username: 'ci', password }),
    );
    await writer.pushImage('charts/app', '1.2.3', chart);
    const amd64 = buildImage({ content: 'amd', architecture: 'amd64' });
    const arm64 = buildImage({ content: 'arm', architecture: 'arm64' });
    const index = buildIndex([
      { image: arm64, platform: { os: 'linux', architecture: 'arm64' } },
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    await writer.pushIndex('multi/app', 'v1', index, [arm64, amd64]);
    await writer.pushImage(
      'big/app',
      'v1',
      // Random, so that compression leaves it large.
      buildImage({ content: randomBytes(20_000).toString('hex') }),
    );
  });
  afterAll(() => registry?.stop());
  beforeEach(() => mockDir.clear());

  it('saves the layer of a chart by tag and by digest, with configured credentials', async () => {
    await expect(
      step.run(context(), {
        imageRef: `oci://${registry.host}/charts/app:1.2.3`,
        outPath: 'charts/app-1.2.3.tgz',
        mediaType: HELM_CHART_LAYER,
      }),
    ).resolves.toEqual({ status: 'Succeeded' });
    expect(read('charts/app-1.2.3.tgz')).toEqual(chartLayer.bytes);

    await step.run(context(), {
      imageRef: `${registry.host}/charts/app@${chart.manifest.descriptor.digest}`,
      outPath: 'by-digest.tgz',
    });
    // Without a media type: the first layer.
    expect(read('by-digest.tgz')).toEqual(chartLayer.bytes);
    expect(fs.readdirSync(mockDir.path).sort()).toEqual([
      'by-digest.tgz',
      'charts',
    ]);
  });

  it('takes the linux/amd64 image of an index', async () => {
    await step.run(context(), {
      imageRef: `${registry.host}/multi/app:v1`,
      outPath: 'layer',
    });
    const amd64 = buildImage({ content: 'amd', architecture: 'amd64' });
    expect(read('layer')).toEqual(amd64.blobs[1].bytes);
  });

  it('refuses an existing file, a missing media type, a layer over the limit and an unknown tag', async () => {
    mockDir.setContent({ 'app.tgz': 'old' });
    const ref = `${registry.host}/charts/app:1.2.3`;
    await expect(
      step.run(context(), { imageRef: ref, outPath: 'app.tgz' }),
    ).rejects.toThrow(
      new TerminalStepError(
        'file already exists at app.tgz and overwrite is not allowed',
      ),
    );
    await step.run(context(), {
      imageRef: ref,
      outPath: 'app.tgz',
      allowOverwrite: true,
    });
    expect(read('app.tgz')).toEqual(chartLayer.bytes);
    await expect(
      step.run(context(), {
        imageRef: ref,
        outPath: 'x',
        mediaType: 'application/x-nothing',
      }),
    ).rejects.toThrow(
      new TerminalStepError(
        'failed to find target layer: no layer found with media type "application/x-nothing"',
      ),
    );
    await expect(
      step.run(context(), {
        imageRef: `${registry.host}/big/app:v1`,
        outPath: 'x',
      }),
    ).rejects.toThrow(
      /^layer size \d+ exceeds maximum allowed size of 10000 bytes$/,
    );
    await expect(
      step.run(context(), {
        imageRef: `${registry.host}/charts/app:9.9.9`,
        outPath: 'x',
      }),
    ).rejects.toThrow(
      `failed to resolve image "${registry.host}/charts/app:9.9.9": not found`,
    );
  });

  it('says credentials are needed, without showing any', async () => {
    const anonymous = createOciDownloadStep({
      client: () => OciRegistryClient.create(),
    });
    const error = await anonymous
      .run(context(), {
        imageRef: `${registry.host}/charts/app:1.2.3`,
        outPath: 'x',
      })
      .catch((e: Error) => e);
    expect(String(error)).toContain('configure them under kargo.registries');
    expect(String(error)).not.toContain(password);
  });
});
