import { ArgoCdApplicationSetController } from './argoCdApplicationSetController';
import { KubernetesApiServerDouble } from './kubernetesApiServer';

describe('ApplicationSet controller double', () => {
  let server: KubernetesApiServerDouble;

  beforeAll(async () => {
    server = await KubernetesApiServerDouble.start({ bookmarkIntervalMs: 0 });
  });
  afterAll(() => server.close());

  const appSet = (elements: Array<Record<string, string>>, extra = {}) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'shop', namespace: 'argocd' },
    spec: {
      generators: [{ list: { elements } }],
      template: {
        metadata: {
          name: 'shop-{{stage}}',
          annotations: {
            'kargo.akuity.io/authorized-stage': 'shop:{{ stage }}',
          },
        },
        spec: {
          project: 'default',
          source: {
            repoURL: 'file:///tmp/shop.git',
            targetRevision: 'main',
            path: 'env/{{stage}}',
          },
          destination: {
            server: 'https://kubernetes.default.svc',
            namespace: 'shop-{{stage}}',
          },
        },
      },
      ...extra,
    },
  });
  const apps = () =>
    server.store
      .list(server.store.resourceTypes.application, 'argocd')
      .map(app => ({
        name: app.metadata.name,
        stage: app.metadata.annotations?.['kargo.akuity.io/authorized-stage'],
        spec: app.spec,
      }));

  it('generates, updates and prunes Applications from a list generator, and is idempotent', () => {
    const created: string[] = [];
    const controller = new ArgoCdApplicationSetController({
      store: server.store,
      onCreated: app => created.push(app.metadata.name),
    });
    server.store.put(appSet([{ stage: 'dev' }, { stage: 'prod' }]), 'kubectl');

    expect(controller.reconcile()).toBe(2);
    expect(created).toEqual(['shop-dev', 'shop-prod']);
    expect(apps()).toEqual([
      {
        name: 'shop-dev',
        stage: 'shop:dev',
        spec: expect.objectContaining({
          source: expect.objectContaining({ path: 'env/dev' }),
          destination: expect.objectContaining({ namespace: 'shop-dev' }),
        }),
      },
      expect.objectContaining({ name: 'shop-prod', stage: 'shop:prod' }),
    ]);
    expect(controller.reconcile()).toBe(0);

    server.store.put(
      appSet([{ stage: 'dev' }, { stage: 'staging' }]),
      'kubectl',
    );
    expect(controller.reconcile()).toBe(2);
    expect(apps().map(a => a.name)).toEqual(['shop-dev', 'shop-staging']);
  });

  it('says which generators it does not simulate, and generates nothing for them', () => {
    const controller = new ArgoCdApplicationSetController({
      store: server.store,
    });
    const before = apps();
    server.store.put(
      {
        ...appSet([]),
        spec: {
          ...appSet([]).spec,
          generators: [{ git: { repoURL: 'x', revision: 'main' } }],
        },
      },
      'kubectl',
    );
    controller.reconcile();
    const stored = server.store.get(
      server.store.resourceTypes.applicationSet,
      'argocd',
      'shop',
    );
    expect(stored?.status).toEqual({
      conditions: [
        expect.objectContaining({
          type: 'ErrorOccurred',
          message: expect.stringContaining('list generators only, not git'),
        }),
      ],
    });
    expect(apps()).toEqual(before);
  });
});
