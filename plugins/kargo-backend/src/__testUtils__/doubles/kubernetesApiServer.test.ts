import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObject,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import https from 'node:https';
import { kubeConfigForDouble } from './kubeConfigForDouble';
import { KubernetesApiServerDouble } from './kubernetesApiServer';
import { generateUnrelatedCaPem } from './kubernetesTls';

const GROUP = 'argoproj.io';
const VERSION = 'v1alpha1';

function application(name: string, labels?: Record<string, string>) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd', ...(labels ? { labels } : {}) },
    spec: {
      project: 'default',
      source: {
        repoURL: 'https://github.com/acme/deploy.git',
        path: name,
        targetRevision: 'main',
      },
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: name,
      },
    },
  };
}

/** Rejects with the ApiException a call fails with. */
async function failure(call: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

function statusOf(error: ApiException<string>) {
  return JSON.parse(error.body);
}

/** Watch events pushed by a callback and awaited one by one. */
class EventQueue {
  private readonly events: Array<{ type: string; object: KubernetesObject }> =
    [];
  private waiting: (() => void) | undefined;

  push = (type: string, object: KubernetesObject) => {
    this.events.push({ type, object });
    this.waiting?.();
  };

  async next(): Promise<{ type: string; object: KubernetesObject }> {
    while (this.events.length === 0) {
      await new Promise<void>(resolve => {
        this.waiting = resolve;
      });
    }
    return this.events.shift()!;
  }
}

describe('Kubernetes API server double with @kubernetes/client-node', () => {
  let server: KubernetesApiServerDouble;

  beforeAll(async () => {
    server = await KubernetesApiServerDouble.start({ bookmarkIntervalMs: 0 });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    for (const app of server.store.list(
      server.store.resourceTypes.application,
    )) {
      server.store.delete(
        server.store.resourceTypes.application,
        'argocd',
        app.metadata.name,
        { manager: 'test' },
      );
    }
  });

  const clients = () => {
    const kubeConfig = kubeConfigForDouble(server.cluster);
    return {
      kubeConfig,
      custom: kubeConfig.makeApiClient(CustomObjectsApi),
      core: kubeConfig.makeApiClient(CoreV1Api),
      objects: KubernetesObjectApi.makeApiClient(kubeConfig),
    };
  };

  it('creates, gets and lists applications with label selectors over TLS with a bearer token', async () => {
    const { custom } = clients();
    const created = await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'argocd',
      plural: 'applications',
      body: application('web-test', { stage: 'test', team: 'web' }),
    });
    expect(created.metadata).toMatchObject({
      name: 'web-test',
      namespace: 'argocd',
      generation: 1,
    });
    expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'argocd',
      plural: 'applications',
      body: application('web-prod', { stage: 'prod', team: 'web' }),
    });
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'argocd',
      plural: 'applications',
      body: application('api-prod', { stage: 'prod' }),
    });

    const names = async (labelSelector: string) =>
      (
        await custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: 'argocd',
          plural: 'applications',
          labelSelector,
        })
      ).items.map((item: KubernetesObject) => item.metadata?.name);
    expect(await names('team=web')).toEqual(['web-prod', 'web-test']);
    expect(await names('stage in (prod),team!=web')).toEqual(['api-prod']);
    expect(await names('!team')).toEqual(['api-prod']);
    expect(await names('stage notin (test), team')).toEqual(['web-prod']);
    expect(
      (
        await custom.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: 'argocd',
          plural: 'applications',
          name: 'web-test',
        })
      ).spec.project,
    ).toBe('default');

    const badSelector = await failure(names('stage in ()'));
    expect(badSelector.code).toBe(400);
  });

  it('answers 404 and 422 as Kubernetes Status objects, 409 on a duplicate', async () => {
    const { custom, core } = clients();
    const missing = await failure(
      custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'argocd',
        plural: 'applications',
        name: 'nope',
      }),
    );
    expect(missing.code).toBe(404);
    expect(statusOf(missing)).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'applications.argoproj.io "nope" not found',
    });
    const invalid = await failure(
      custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'argocd',
        plural: 'applications',
        body: { ...application('broken'), spec: { destination: {} } },
      }),
    );
    expect(invalid.code).toBe(422);
    expect(statusOf(invalid).details.causes).toEqual([
      {
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: 'spec.project',
      },
    ]);
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'argocd',
      plural: 'applications',
      body: application('dup'),
    });
    const duplicate = await failure(
      custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'argocd',
        plural: 'applications',
        body: application('dup'),
      }),
    );
    expect(statusOf(duplicate)).toMatchObject({
      reason: 'AlreadyExists',
      code: 409,
    });
    const noNamespace = await failure(
      core.readNamespacedSecret({ name: 'x', namespace: 'nowhere' }),
    );
    expect(noNamespace.code).toBe(404);
  });

  it('serves namespaces and secrets (stringData folded into base64 data)', async () => {
    const { core } = clients();
    await core.createNamespace({
      body: { metadata: { name: 'team-web', labels: { team: 'web' } } },
    });
    await core.createNamespacedSecret({
      namespace: 'team-web',
      body: {
        metadata: {
          name: 'repo',
          labels: { 'kargo.akuity.io/cred-type': 'git' },
        },
        stringData: { password: 's3cret' },
      },
    });
    const secret = await core.readNamespacedSecret({
      name: 'repo',
      namespace: 'team-web',
    });
    expect(Buffer.from(secret.data!.password, 'base64').toString()).toBe(
      's3cret',
    );
    expect(secret.type).toBe('Opaque');
    const secrets = await core.listNamespacedSecret({
      namespace: 'team-web',
      labelSelector: 'kargo.akuity.io/cred-type=git',
    });
    expect(secrets.items.map(s => s.metadata?.name)).toEqual(['repo']);
    const namespaces = await core.listNamespace({ labelSelector: 'team=web' });
    expect(namespaces.items.map(n => n.metadata?.name)).toEqual(['team-web']);
    await core.deleteNamespace({ name: 'team-web' });
    expect(
      (
        await failure(
          core.readNamespacedSecret({ name: 'repo', namespace: 'team-web' }),
        )
      ).code,
    ).toBe(404);
  });

  it('refuses an update with a stale resourceVersion with 409 Conflict', async () => {
    const { custom } = clients();
    const created = await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'argocd',
      plural: 'applications',
      body: application('web'),
    });
    const first = { ...created, spec: { ...created.spec, project: 'web' } };
    const updated = await custom.replaceNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'argocd',
      plural: 'applications',
      name: 'web',
      body: first,
    });
    expect(updated.metadata.generation).toBe(2);
    const stale = await failure(
      custom.replaceNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'argocd',
        plural: 'applications',
        name: 'web',
        body: { ...created, spec: { ...created.spec, project: 'other' } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(statusOf(stale)).toMatchObject({ reason: 'Conflict' });
    expect(statusOf(stale).message).toContain('the object has been modified');
  });

  it('applies merge patches and JSON patches', async () => {
    const { custom } = clients();
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'argocd',
      plural: 'applications',
      body: application('web'),
    });
    const target = {
      group: GROUP,
      version: VERSION,
      namespace: 'argocd',
      plural: 'applications',
      name: 'web',
    };
    const merged = await custom.patchNamespacedCustomObject(
      {
        ...target,
        body: {
          metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } },
          spec: { source: { targetRevision: 'abc123' } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata.annotations).toEqual({
      'argocd.argoproj.io/refresh': 'hard',
    });
    expect(merged.spec.source).toMatchObject({
      path: 'web',
      targetRevision: 'abc123',
    });
    const patched = await custom.patchNamespacedCustomObject(
      {
        ...target,
        body: [
          { op: 'test', path: '/spec/source/targetRevision', value: 'abc123' },
          {
            op: 'replace',
            path: '/spec/source/targetRevision',
            value: 'def456',
          },
          {
            op: 'remove',
            path: '/metadata/annotations/argocd.argoproj.io~1refresh',
          },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(patched.spec.source.targetRevision).toBe('def456');
    expect(patched.metadata.annotations).toEqual({});
    const failedTest = await failure(
      custom.patchNamespacedCustomObject(
        {
          ...target,
          body: [
            {
              op: 'test',
              path: '/spec/source/targetRevision',
              value: 'abc123',
            },
          ],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      ),
    );
    expect(failedTest.code).toBe(422);
    const withStaleVersion = await failure(
      custom.patchNamespacedCustomObject(
        {
          ...target,
          body: { metadata: { resourceVersion: '1' }, spec: { project: 'x' } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(withStaleVersion.code).toBe(409);
  });

  it('server-side applies with field managers and reports conflicts with the managers', async () => {
    const { objects } = clients();
    const apply = (
      spec: ReturnType<typeof application>,
      fieldManager: string,
      force = false,
    ): Promise<KubernetesObject & { spec: { project: string } }> =>
      objects.patch(
        spec,
        undefined,
        undefined,
        fieldManager,
        force,
        PatchStrategy.ServerSideApply,
      );
    const created = await apply(application('web', { stage: 'test' }), 'kargo');
    expect(
      created.metadata?.managedFields?.map(m => [m.manager, m.operation]),
    ).toEqual([['kargo', 'Apply']]);
    const other = {
      ...application('web'),
      spec: { ...application('web').spec, project: 'platform' },
    };
    const conflict = await failure(apply(other, 'someone-else'));
    expect(conflict.code).toBe(409);
    expect(statusOf(conflict)).toMatchObject({
      reason: 'Conflict',
      message:
        'Apply failed with 1 conflict: conflict with "kargo" using argoproj.io/v1alpha1: .spec.project',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            field: '.spec.project',
            message: 'conflict with "kargo" using argoproj.io/v1alpha1',
          },
        ],
      },
    });
    const forced = await apply(other, 'someone-else', true);
    expect(forced.metadata?.labels).toEqual({ stage: 'test' });
    expect(forced.spec.project).toBe('platform');
    // kargo no longer owns spec.project: applying without it leaves someone-else's value in place.
    const again = await apply(
      {
        ...application('web', { stage: 'prod' }),
        spec: { ...application('web').spec, project: 'platform' },
      },
      'kargo',
    );
    expect(again.metadata?.labels).toEqual({ stage: 'prod' });
    const read = await objects.read<KubernetesObject>({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'web', namespace: 'argocd' },
    });
    expect(read.metadata?.resourceVersion).toBe(
      again.metadata?.resourceVersion,
    );
  });

  it('refuses a missing or wrong token with 401', async () => {
    const wrong = kubeConfigForDouble(server.cluster, {
      token: 'not-the-token',
    }).makeApiClient(CoreV1Api);
    const refused = await failure(wrong.listNamespace());
    expect(refused.code).toBe(401);
    expect(server.requests[server.requests.length - 1]).toMatchObject({
      authenticated: false,
      status: 401,
    });
    const anonymous = await failure(
      kubeConfigForDouble(server.cluster, { token: '' })
        .makeApiClient(CoreV1Api)
        .listNamespace(),
    );
    expect(anonymous.code).toBe(401);
    const raw = await new Promise<{ status?: number; body: string }>(
      (resolve, reject) => {
        https
          .get(
            `${server.url}/api/v1/namespaces`,
            { ca: server.caCertificate },
            response => {
              let body = '';
              response.on('data', chunk => (body += chunk));
              response.on('end', () =>
                resolve({ status: response.statusCode, body }),
              );
            },
          )
          .on('error', reject);
      },
    );
    expect(raw.status).toBe(401);
    expect(JSON.parse(raw.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('fails the TLS handshake for a client that trusts another CA', async () => {
    const otherCa = Buffer.from(await generateUnrelatedCaPem()).toString(
      'base64',
    );
    const client = kubeConfigForDouble(server.cluster, {
      caData: otherCa,
    }).makeApiClient(CoreV1Api);
    await expect(client.listNamespace()).rejects.toThrow(
      /certificate|fetch failed/i,
    );
    const requestsBefore = server.requests.length;
    await expect(client.listNamespace()).rejects.toThrow();
    expect(server.requests.length).toBe(requestsBefore);
  });

  it('streams ADDED, MODIFIED and BOOKMARK events and resumes from a resourceVersion', async () => {
    const { kubeConfig, custom } = clients();
    const queue = new EventQueue();
    const list = await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'argocd',
      plural: 'applications',
    });
    const watch = await new Watch(kubeConfig).watch(
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications',
      {
        resourceVersion: list.metadata.resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: 'stage=test',
      },
      queue.push,
      () => {},
    );
    await server.waitForWatches(1);
    server.store.put(application('web', { stage: 'test' }));
    server.store.put(application('other', { stage: 'prod' }));
    server.store.modify(
      server.store.resourceTypes.application,
      'argocd',
      'web',
      'test',
      app => {
        app.metadata.annotations = { touched: 'yes' };
      },
    );
    server.sendBookmarks();
    const added = await queue.next();
    expect([added.type, added.object.metadata?.name]).toEqual(['ADDED', 'web']);
    const modified = await queue.next();
    expect([modified.type, modified.object.metadata?.annotations]).toEqual([
      'MODIFIED',
      { touched: 'yes' },
    ]);
    const bookmark = await queue.next();
    expect(bookmark.type).toBe('BOOKMARK');
    expect(bookmark.object.metadata?.resourceVersion).toBe(
      server.store.resourceVersion,
    );
    // A label change out of the selector is a DELETED for this watch.
    server.store.modify(
      server.store.resourceTypes.application,
      'argocd',
      'web',
      'test',
      app => {
        app.metadata.labels = { stage: 'prod' };
      },
    );
    expect((await queue.next()).type).toBe('DELETED');
    watch.abort();
  });

  it('gives an ERROR 410 event for an expired resourceVersion', async () => {
    const { kubeConfig } = clients();
    const old = server.store.resourceVersion;
    server.store.put(application('web'));
    server.expireResourceVersions();
    const queue = new EventQueue();
    const ended = new Promise<unknown>(resolve => {
      new Watch(kubeConfig).watch(
        '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications',
        { resourceVersion: old },
        queue.push,
        resolve,
      );
    });
    const event = await queue.next();
    expect(event.type).toBe('ERROR');
    expect(event.object).toMatchObject({
      kind: 'Status',
      code: 410,
      reason: 'Expired',
    });
    expect(await ended).toBeNull();
  });

  it('lets an informer re-list after its watch is dropped and its resourceVersion expired', async () => {
    const { kubeConfig, custom } = clients();
    server.store.put(application('web'));
    const informer = makeInformer(
      kubeConfig,
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications',
      () =>
        custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: 'argocd',
          plural: 'applications',
        }),
    );
    const added: string[] = [];
    let notify: () => void = () => {};
    informer.on('add', app => {
      added.push(app.metadata?.name ?? '');
      notify();
    });
    const seen = (name: string) =>
      new Promise<void>(resolve => {
        const check = () => {
          if (added.includes(name)) resolve();
        };
        notify = check;
        check();
      });
    await informer.start();
    await seen('web');
    await server.waitForWatches(1);
    const listsBefore = server.requests.filter(
      r => r.method === 'GET' && !('watch' in r.query),
    ).length;

    server.dropWatches();
    server.store.put(application('api'));
    server.expireResourceVersions();
    await seen('api');
    await server.waitForWatches(1);
    expect(
      server.requests.filter(r => r.method === 'GET' && !('watch' in r.query))
        .length,
    ).toBeGreaterThan(listsBefore);
    await informer.stop();
  });

  it('injects failures, resets connections while unreachable and answers again afterwards', async () => {
    const { core } = clients();
    server.failNextRequests({
      method: 'GET',
      path: '/api/v1/namespaces',
      code: 503,
    });
    expect((await failure(core.listNamespace())).code).toBe(503);
    server.setUnreachable(true);
    await expect(core.listNamespace()).rejects.toThrow();
    server.setUnreachable(false);
    expect((await core.listNamespace()).items.length).toBeGreaterThan(0);
    server.setHanging(true);
    const pending = core.listNamespace();
    server.setHanging(false);
    expect((await pending).items.length).toBeGreaterThan(0);
  });
});
