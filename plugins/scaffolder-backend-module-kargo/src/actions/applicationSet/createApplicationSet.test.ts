import fs from 'node:fs/promises';
import path from 'node:path';
import yaml from 'yaml';
import { ConfigReader } from '@backstage/config';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  ApiException,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
// The test doubles live in the Kargo backend, shared by every package's tests through its testUtils entry.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import {
  KubernetesApiServerDouble,
  kubeConfigForDouble,
} from '@kargo-portal/plugin-kargo-backend/testUtils';
import { createArgoCdApplicationSetAction } from './createApplicationSet';
import { APPLICATION_SET_FIELD_MANAGER } from './applyApplicationSet';

const applicationSets = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  plural: 'applicationsets',
  namespace: 'argocd',
};

interface StoredApplicationSet {
  metadata: {
    resourceVersion: string;
    managedFields?: Array<{ manager: string }>;
  };
  spec: { template: { metadata: { name: string } } };
}

describe('argocd:applicationset:create', () => {
  const workspace = createMockDirectory();
  let cluster: KubernetesApiServerDouble;
  let action: ReturnType<typeof createArgoCdApplicationSetAction>;
  let api: CustomObjectsApi;

  beforeAll(async () => {
    cluster = await KubernetesApiServerDouble.start({ name: 'production' });
    api = kubeConfigForDouble(cluster.cluster).makeApiClient(CustomObjectsApi);
    action = createArgoCdApplicationSetAction({
      config: new ConfigReader({
        kargo: { argocd: { clusters: [{ ...cluster.cluster }] } },
      }),
    });
  });
  afterAll(() => cluster.close());

  beforeEach(() => {
    workspace.setContent({
      'gitops/env/dev/kustomization.yaml': 'resources: []',
      'gitops/env/staging/kustomization.yaml': 'resources: []',
      'gitops/env/prod/kustomization.yaml': 'resources: []',
      'gitops/env/.hidden/kustomization.yaml': 'resources: []',
      'gitops/base/kustomization.yaml': 'resources: []',
    });
  });

  const gitInput = (overrides: Record<string, unknown> = {}) => ({
    name: 'guestbook',
    kargoProject: 'guestbook',
    generator: {
      git: {
        repoURL: 'https://git.example.com/acme/guestbook-gitops.git',
        directories: [{ path: 'env/*' }, { path: 'env/prod', exclude: true }],
        workspacePath: 'gitops',
      },
    },
    application: {
      destination: { namespace: 'guestbook-{{path.basename}}' },
      syncPolicy: { automated: { prune: true }, createNamespace: true },
    },
    ...overrides,
  });

  /** The ApplicationSet as the cluster has it, read through the Kubernetes client. */
  async function stored(
    name: string,
  ): Promise<StoredApplicationSet | undefined> {
    try {
      return await api.getNamespacedCustomObject({ ...applicationSets, name });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  it('applies an ApplicationSet with its own field manager and outputs the Applications of a Git directory generator', async () => {
    const ctx = createMockActionContext({
      workspacePath: workspace.path,
      input: gitInput(),
    });
    await action.handler(ctx);

    const created = await stored('guestbook');
    expect(created?.metadata.managedFields?.map(m => m.manager)).toEqual([
      APPLICATION_SET_FIELD_MANAGER,
    ]);
    expect(created?.spec).toEqual({
      generators: [
        {
          git: {
            repoURL: 'https://git.example.com/acme/guestbook-gitops.git',
            revision: 'HEAD',
            directories: [
              { path: 'env/*' },
              { path: 'env/prod', exclude: true },
            ],
          },
        },
      ],
      template: {
        metadata: {
          name: 'guestbook-{{path.basename}}',
          annotations: {
            'kargo.akuity.io/authorized-stage': 'guestbook:{{path.basename}}',
          },
        },
        spec: {
          project: 'default',
          source: {
            repoURL: 'https://git.example.com/acme/guestbook-gitops.git',
            targetRevision: 'HEAD',
            path: '{{path}}',
          },
          destination: {
            server: 'https://kubernetes.default.svc',
            namespace: 'guestbook-{{path.basename}}',
          },
          syncPolicy: {
            automated: { prune: true, selfHeal: false },
            syncOptions: ['CreateNamespace=true'],
          },
        },
      },
    });
    expect(ctx.output).toHaveBeenCalledWith('name', 'guestbook');
    expect(ctx.output).toHaveBeenCalledWith('cluster', 'production');
    expect(ctx.output).toHaveBeenCalledWith('applications', [
      {
        name: 'guestbook-dev',
        stage: 'dev',
        authorizedStage: 'guestbook:dev',
        destinationNamespace: 'guestbook-dev',
        path: 'env/dev',
      },
      {
        name: 'guestbook-staging',
        stage: 'staging',
        authorizedStage: 'guestbook:staging',
        destinationNamespace: 'guestbook-staging',
        path: 'env/staging',
      },
    ]);
  });

  it('updates what it applied: a re-run with changed input changes the ApplicationSet', async () => {
    await action.handler(
      createMockActionContext({
        workspacePath: workspace.path,
        input: gitInput({ name: 'updated' }),
      }),
    );
    const before = (await stored('updated'))?.metadata.resourceVersion;
    await action.handler(
      createMockActionContext({
        workspacePath: workspace.path,
        input: gitInput({
          name: 'updated',
          application: {
            name: 'web-{{path.basenameNormalized}}',
            destination: { namespace: 'web-{{path[1]}}' },
            source: { helm: { valueFiles: ['values.yaml'] } },
          },
        }),
      }),
    );
    const after = (await stored('updated'))!;
    expect(after.metadata.resourceVersion).not.toBe(before);
    expect(after.spec.template.metadata.name).toBe(
      'web-{{path.basenameNormalized}}',
    );
    // The fields of the first apply that the second no longer sets are removed.
    expect(after.spec.template).not.toHaveProperty(
      'spec.syncPolicy.syncOptions',
    );
    expect(after.spec.template).not.toHaveProperty(
      'spec.syncPolicy.automated.prune',
    );
    expect(after.spec.template).toHaveProperty('spec.source.helm', {
      valueFiles: ['values.yaml'],
    });
  });

  it('refuses to take over fields owned by another field manager, naming them', async () => {
    await api.patchNamespacedCustomObject(
      {
        ...applicationSets,
        name: 'taken',
        fieldManager: 'platform-team',
        body: {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'ApplicationSet',
          metadata: { name: 'taken', namespace: 'argocd' },
          spec: { template: { spec: { project: 'platform' } } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    const ctx = createMockActionContext({
      workspacePath: workspace.path,
      input: gitInput({ name: 'taken' }),
    });
    await expect(action.handler(ctx)).rejects.toThrow(
      /ApplicationSet argocd\/taken on cluster "production": fields are owned by another field manager: \.spec\.template\.spec\.project \(conflict with "platform-team"/,
    );
  });

  it('returns the manifest on a dry run and changes nothing', async () => {
    // createMockActionContext does not pass isDryRun through.
    const ctx = {
      ...createMockActionContext({
        workspacePath: workspace.path,
        input: gitInput({ name: 'dry' }),
      }),
      isDryRun: true,
    };
    await action.handler(ctx);
    expect(await stored('dry')).toBeUndefined();
    const manifest = jest
      .mocked(ctx.output)
      .mock.calls.find(([key]) => key === 'manifest')?.[1];
    expect(yaml.parse(String(manifest))).toMatchObject({
      kind: 'ApplicationSet',
      metadata: { name: 'dry', namespace: 'argocd' },
    });
  });

  it('writes the ApplicationSet into the workspace, rendering a list generator', async () => {
    const ctx = createMockActionContext({
      workspacePath: workspace.path,
      input: {
        name: 'payments',
        target: 'workspace' as const,
        kargoProject: 'payments',
        generator: {
          list: { elements: [{ stage: 'test' }, { stage: 'live' }] },
        },
        application: {
          source: {
            repoURL: 'https://git.example.com/acme/payments.git',
            path: 'chart',
            helm: { valueFiles: ['values-{{ stage }}.yaml'] },
          },
          destination: { namespace: 'payments-{{stage}}' },
        },
      },
    });
    await action.handler(ctx);
    const text = await fs.readFile(
      path.join(workspace.path, 'argocd/payments.yaml'),
      'utf8',
    );
    expect(yaml.parse(text)).toMatchObject({
      spec: {
        generators: [
          { list: { elements: [{ stage: 'test' }, { stage: 'live' }] } },
        ],
        template: {
          spec: {
            source: { helm: { valueFiles: ['values-{{ stage }}.yaml'] } },
          },
        },
      },
    });
    expect(ctx.output).toHaveBeenCalledWith('path', 'argocd/payments.yaml');
    expect(ctx.output).toHaveBeenCalledWith(
      'applications',
      expect.arrayContaining([
        expect.objectContaining({
          name: 'payments-live',
          authorizedStage: 'payments:live',
        }),
      ]),
    );
  });

  it.each([
    [
      'an unknown cluster',
      { cluster: 'staging' },
      'cluster: unknown Argo CD cluster "staging" (configured in kargo.argocd.clusters or kubernetes.clusterLocatorMethods: production)',
    ],
    ['an invalid name', { name: 'Guest_Book' }, 'name'],
    [
      'a namespace pattern that renders an invalid name',
      {
        application: {
          destination: { namespace: 'Guestbook-{{path.basename}}' },
        },
      },
      'application.destination.namespace: "Guestbook-{{path.basename}}" renders "Guestbook-dev" for directory "env/dev", which is not a lowercase DNS-1123 label',
    ],
    [
      'a parameter the generator does not give',
      { application: { destination: { namespace: '{{cluster}}' } } },
      'application.destination.namespace: "{{cluster}}" is not a parameter of the generator',
    ],
    [
      'directories that match nothing',
      {
        generator: {
          git: {
            repoURL: 'https://git.example.com/x.git',
            directories: [{ path: 'apps/*' }],
            workspacePath: 'gitops',
          },
        },
      },
      'generator.git.directories: no directory',
    ],
  ])(
    'refuses %s with an error naming the field',
    async (_, overrides, message) => {
      const ctx = createMockActionContext({
        workspacePath: workspace.path,
        input: gitInput(overrides),
      });
      await expect(action.handler(ctx)).rejects.toThrow(message);
    },
  );
});
