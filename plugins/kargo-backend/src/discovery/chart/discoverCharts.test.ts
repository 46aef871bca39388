import { ChartSubscription } from '@kargo-portal/plugin-kargo-common';
import {
  HelmRepoServer,
  startHelmRepo,
} from '../../__testUtils__/services/helmRepo';
import {
  startRegistry,
  TestRegistry,
} from '../../__testUtils__/services/registry';
import {
  buildChart,
  RegistryWriter,
} from '../../__testUtils__/services/registryContent';
import { haveCommands } from '../../__testUtils__/services/tools';
import { OciRegistryClient } from '../oci/OciRegistryClient';
import { basicAuthorization } from '../oci/credentials';
import { discoverCharts } from './discoverCharts';

const describeWithRegistry = haveCommands('docker-registry', 'htpasswd')
  ? describe
  : describe.skip;

jest.setTimeout(60_000);

/** A chart subscription with the schema's defaults. */
function subscription(
  fields: Partial<ChartSubscription> & { repoURL: string },
): ChartSubscription {
  return { discoveryLimit: 20, ...fields };
}

async function caught(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? `${error}\n${error.stack}` : String(error);
  }
  throw new Error('expected a failure');
}

describe('discoverCharts from a classic Helm repository', () => {
  let repo: HelmRepoServer;
  const deps = () => ({ client: OciRegistryClient.create() });

  beforeAll(async () => {
    repo = await startHelmRepo();
    for (const version of [
      '1.0.0',
      '1.2.0',
      '1.10.0-rc.1',
      '2.0.0',
      'v2.1.0',
      '1.1',
      'not-a-version',
    ]) {
      await repo.publish('nginx', version);
    }
    await repo.publish('redis', '9.0.0');
  });
  afterAll(() => repo?.stop());

  it('lists versions newest first, read loosely as Kargo does', async () => {
    const result = await discoverCharts(
      subscription({ repoURL: repo.url, name: 'nginx' }),
      deps(),
    );
    expect(result).toEqual({
      repoURL: repo.url,
      name: 'nginx',
      versions: ['v2.1.0', '2.0.0', '1.10.0-rc.1', '1.2.0', '1.1', '1.0.0'],
    });
  });

  it('applies the constraint and the limit, and takes a trailing slash', async () => {
    const result = await discoverCharts(
      subscription({
        repoURL: `${repo.url}/`,
        name: 'nginx',
        semverConstraint: '^1.0.0',
        discoveryLimit: 2,
      }),
      deps(),
    );
    expect(result.versions).toEqual(['1.2.0', '1.1']);
    expect(result.semverConstraint).toBe('^1.0.0');
  });

  it('finds no versions of a chart the index does not list', async () => {
    const result = await discoverCharts(
      subscription({ repoURL: repo.url, name: 'postgres' }),
      deps(),
    );
    expect(result.versions).toEqual([]);
  });

  it('explains a repository without an index and a bad constraint', async () => {
    await expect(
      discoverCharts(
        subscription({ repoURL: `http://${repo.host}/other`, name: 'nginx' }),
        deps(),
      ),
    ).rejects.toThrow(
      `chart repository http://${repo.host}/other has no index.yaml (404)`,
    );
    await expect(
      discoverCharts(
        subscription({
          repoURL: repo.url,
          name: 'nginx',
          semverConstraint: 'newest',
        }),
        deps(),
      ),
    ).rejects.toThrow('error parsing semver constraint (semverConstraint)');
  });
});

describe('discoverCharts from a Helm repository with basic authentication', () => {
  let repo: HelmRepoServer;
  const password = 'chart-secret';

  beforeAll(async () => {
    repo = await startHelmRepo({ basicAuth: { username: 'reader', password } });
    await repo.publish('app', '0.1.0');
  });
  afterAll(() => repo?.stop());

  it('sends the credentials configured for the host', async () => {
    const result = await discoverCharts(
      subscription({ repoURL: repo.url, name: 'app' }),
      {
        client: OciRegistryClient.create(),
        credentials: [{ host: repo.host, username: 'reader', password }],
      },
    );
    expect(result.versions).toEqual(['0.1.0']);
  });

  it('says when credentials are missing or refused, without showing them', async () => {
    await expect(
      discoverCharts(subscription({ repoURL: repo.url, name: 'app' }), {
        client: OciRegistryClient.create(),
      }),
    ).rejects.toThrow(
      `chart repository ${repo.url} requires credentials (401)`,
    );
    const shown = await caught(
      discoverCharts(subscription({ repoURL: repo.url, name: 'app' }), {
        client: OciRegistryClient.create(),
        credentials: [
          { host: repo.host, username: 'reader', password: 'wrong-pass' },
        ],
      }),
    );
    expect(shown).toContain(
      `chart repository ${repo.url} refused the credentials (401)`,
    );
    expect(shown).not.toContain('wrong-pass');
  });
});

describeWithRegistry('discoverCharts from an OCI registry', () => {
  let registry: TestRegistry;
  const password = 'oci-chart-pass';

  beforeAll(async () => {
    registry = await startRegistry({
      auth: { type: 'htpasswd', users: { helm: password } },
    });
    const writer = new RegistryWriter(registry.url, () =>
      basicAuthorization({ username: 'helm', password }),
    );
    // `helm push` stores 1.0.0+build.1 under the tag 1.0.0_build.1.
    for (const [tag, version] of [
      ['0.1.0', '0.1.0'],
      ['0.2.0', '0.2.0'],
      ['1.0.0_build.1', '1.0.0+build.1'],
      ['1.1.0-rc.1', '1.1.0-rc.1'],
      ['v1.2.0', 'v1.2.0'],
      ['1.3', '1.3'],
      ['latest', '0.2.0'],
    ]) {
      await writer.pushImage('charts/app', tag, buildChart('app', version));
    }
  });
  afterAll(() => registry?.stop());

  const deps = () => ({
    client: OciRegistryClient.create({
      credentials: [{ host: registry.host, username: 'helm', password }],
    }),
  });

  it('lists strict versions from the tags, "_" read as "+"', async () => {
    const result = await discoverCharts(
      subscription({ repoURL: `oci://${registry.host}/charts/app` }),
      deps(),
    );
    expect(result).toEqual({
      repoURL: `oci://${registry.host}/charts/app`,
      name: '',
      versions: ['1.1.0-rc.1', '1.0.0+build.1', '0.2.0', '0.1.0'],
    });
  });

  it('applies the constraint', async () => {
    const result = await discoverCharts(
      subscription({
        repoURL: `oci://${registry.host}/charts/app`,
        semverConstraint: '<1.0.0',
      }),
      deps(),
    );
    expect(result.versions).toEqual(['0.2.0', '0.1.0']);
  });

  it('needs the registry credentials', async () => {
    await expect(
      discoverCharts(
        subscription({ repoURL: `oci://${registry.host}/charts/app` }),
        {
          client: OciRegistryClient.create(),
        },
      ),
    ).rejects.toThrow(
      `registry ${registry.host} requires credentials for repository charts/app (401)`,
    );
  });
});
