import {
  CustomObjectsApi,
  KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { applicationManifest } from './argoCdApplications';
import { ArgoCdSimulator } from './argoCdSimulator';
import { kubeConfigForDouble } from './kubeConfigForDouble';
import { KubernetesApiServerDouble } from './kubernetesApiServer';

const APPS = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  namespace: 'argocd',
  plural: 'applications',
};

describe('Argo CD simulator', () => {
  let server: KubernetesApiServerDouble;
  let simulator: ArgoCdSimulator;
  let custom: CustomObjectsApi;

  beforeAll(async () => {
    server = await KubernetesApiServerDouble.start({ bookmarkIntervalMs: 0 });
    custom = kubeConfigForDouble(server.cluster).makeApiClient(
      CustomObjectsApi,
    );
  });
  afterAll(() => server.close());
  beforeEach(() => {
    simulator?.stopRealTime();
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
    let seconds = 0;
    simulator = new ArgoCdSimulator({
      store: server.store,
      now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds++)),
    });
  });

  /** What Kargo's argocd-update sends: a sync operation and a hard refresh, as a merge patch. */
  const requestSync = (name: string, sync: Record<string, unknown> = {}) =>
    custom.patchNamespacedCustomObject(
      {
        ...APPS,
        name,
        body: {
          metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } },
          operation: {
            sync,
            initiatedBy: { username: 'alice' },
            info: [{ name: 'Reason', value: 'Promotion test.abc' }],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  const read = (name: string) =>
    custom.getNamespacedCustomObject({ ...APPS, name });

  it('reconciles a new app to OutOfSync and Missing', async () => {
    server.store.put(
      applicationManifest({ name: 'web', authorizedStage: 'demo:test' }),
    );
    expect(simulator.pending).toBe(true);
    expect(simulator.settle()).toBe(1);
    const app = await read('web');
    expect(app.status.sync.status).toBe('OutOfSync');
    expect(app.status.health.status).toBe('Missing');
    expect(app.status.reconciledAt).toBe('2026-01-01T00:00:00Z');
  });

  it('turns a sync operation into Running, Succeeded and Synced, then Healthy', async () => {
    server.store.put(
      applicationManifest({
        name: 'web',
        source: {
          repoURL: 'https://github.com/acme/deploy.git',
          path: 'web',
          targetRevision: 'stage/test',
        },
        deployedRevisions: ['old'],
      }),
    );
    simulator = new ArgoCdSimulator({
      store: server.store,
      resolveRevision: source =>
        source.targetRevision === 'stage/test'
          ? 'c0ffee'
          : String(source.targetRevision),
    });
    await requestSync('web');
    expect(simulator.step()).toBe(1);
    let app = await read('web');
    expect(app.status.operationState).toMatchObject({
      phase: 'Running',
      operation: { initiatedBy: { username: 'alice' } },
    });
    expect(app.metadata.annotations ?? {}).not.toHaveProperty([
      'argocd.argoproj.io/refresh',
    ]);

    simulator.step();
    app = await read('web');
    expect(app.operation).toBeUndefined();
    expect(app.status.operationState).toMatchObject({
      phase: 'Succeeded',
      syncResult: { revision: 'c0ffee' },
      message: 'successfully synced (all tasks run)',
    });
    expect(app.status.sync).toMatchObject({
      status: 'Synced',
      revision: 'c0ffee',
    });
    expect(app.status.health.status).toBe('Progressing');
    expect(app.status.history[0]).toMatchObject({
      revision: 'c0ffee',
      initiatedBy: { username: 'alice' },
    });
    expect(
      app.status.reconciledAt >= app.status.operationState.finishedAt,
    ).toBe(true);

    expect(simulator.settle()).toBe(1);
    app = await read('web');
    expect(app.status.health.status).toBe('Healthy');
    expect(
      app.metadata.managedFields.map((m: { manager: string }) => m.manager),
    ).toContain('argocd-application-controller');
  });

  it('syncs a requested branch or HEAD to the commit it resolves to, as Argo CD does', async () => {
    server.store.put(
      applicationManifest({
        name: 'web',
        source: {
          repoURL: 'https://github.com/acme/deploy.git',
          path: 'web',
          targetRevision: 'HEAD',
        },
      }),
    );
    simulator = new ArgoCdSimulator({
      store: server.store,
      resolveRevision: source =>
        source.targetRevision === 'HEAD'
          ? 'c0ffee'
          : String(source.targetRevision),
    });
    // Kargo's argocd-update without a desired revision asks for the source's target revision.
    await requestSync('web', { revision: 'HEAD' });
    simulator.settle();
    const app = await read('web');
    expect(app.status.operationState.syncResult.revision).toBe('c0ffee');
    expect(app.status.sync).toMatchObject({
      status: 'Synced',
      revision: 'c0ffee',
    });
  });

  it('syncs multi-source apps to the requested revisions and compares them with the desired ones', async () => {
    server.store.put(
      applicationManifest({
        name: 'web',
        sources: [
          {
            repoURL: 'https://charts.acme.test',
            chart: 'web',
            targetRevision: '1.2.0',
          },
          {
            repoURL: 'https://github.com/acme/values.git',
            targetRevision: 'main',
            ref: 'values',
          },
        ],
      }),
    );
    await requestSync('web', { revisions: ['1.2.0', 'main'] });
    simulator.settle();
    let app = await read('web');
    expect(app.status.sync).toMatchObject({
      status: 'Synced',
      revisions: ['1.2.0', 'main'],
    });
    expect(app.status.operationState.syncResult.revisions).toEqual([
      '1.2.0',
      'main',
    ]);
    expect(app.status.health.status).toBe('Healthy');

    // A sync to another revision than the desired one leaves the app OutOfSync.
    await requestSync('web', { revisions: ['1.1.0', 'main'] });
    simulator.settle();
    app = await read('web');
    expect(app.status.sync).toMatchObject({
      status: 'OutOfSync',
      revisions: ['1.1.0', 'main'],
    });
  });

  it('ends a failing sync in a Failed or Error operationState and clears the operation', async () => {
    server.store.put(
      applicationManifest({ name: 'web', deployedRevisions: ['HEAD'] }),
    );
    server.store.put(
      applicationManifest({ name: 'api', deployedRevisions: ['HEAD'] }),
    );
    simulator.configure('web', {
      failWith: 'Failed',
      failMessage: 'one or more objects failed to apply',
    });
    simulator.configure('api', { failWith: 'Error' });
    await requestSync('web');
    await requestSync('api');
    simulator.settle();
    const web = await read('web');
    expect(web.operation).toBeUndefined();
    expect(web.status.operationState).toMatchObject({
      phase: 'Failed',
      message: 'one or more objects failed to apply',
    });
    expect(web.status.operationState.syncResult).toBeUndefined();
    expect((await read('api')).status.operationState.phase).toBe('Error');
  });

  it('honours slowness, degraded health, missing resources and paused apps', async () => {
    for (const name of ['slow', 'sick', 'gone', 'paused']) {
      server.store.put(
        applicationManifest({ name, deployedRevisions: ['HEAD'] }),
      );
      await requestSync(name);
    }
    simulator.configure('slow', { delaySteps: 2 });
    simulator.configure('sick', {
      degraded: 'Back-off restarting failed container',
    });
    simulator.configure('gone', { missing: true });
    simulator.configure('paused', { paused: true });
    simulator.step();
    simulator.step();
    expect((await read('slow')).status.operationState.phase).toBe('Running');
    expect((await read('sick')).status.operationState.phase).toBe('Succeeded');
    simulator.settle();
    expect((await read('slow')).status.health.status).toBe('Healthy');
    expect((await read('sick')).status.health).toEqual({
      status: 'Degraded',
      message: 'Back-off restarting failed container',
    });
    const gone = await read('gone');
    expect([gone.status.sync.status, gone.status.health.status]).toEqual([
      'OutOfSync',
      'Missing',
    ]);
    const paused = await read('paused');
    expect(paused.operation).toBeDefined();
    expect(paused.status.operationState.phase).toBe('Succeeded');
    expect(paused.status.operationState.startedAt).toBe('2026-01-01T00:00:00Z');
  });

  it('honours a refresh: compares again, moves reconciledAt and removes the annotation', async () => {
    server.store.put(
      applicationManifest({
        name: 'web',
        deployedRevisions: ['HEAD'],
        deployedAt: '2025-12-31T00:00:00Z',
      }),
    );
    await custom.patchNamespacedCustomObject(
      {
        ...APPS,
        name: 'web',
        body: {
          metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } },
          spec: { source: { targetRevision: 'v2' } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    simulator.settle();
    const app = await read('web');
    expect(app.metadata.annotations ?? {}).toEqual({});
    expect(app.status.sync).toMatchObject({
      status: 'OutOfSync',
      revision: 'HEAD',
    });
    expect(app.status.reconciledAt).toBe('2026-01-01T00:00:00Z');
  });

  it('runs on its own in real-time mode; a watch sees the operation go Running, Succeeded, Healthy', async () => {
    server.store.put(
      applicationManifest({ name: 'web', deployedRevisions: ['HEAD'] }),
    );
    const phases: string[] = [];
    let healthy: () => void = () => {};
    const done = new Promise<void>(resolve => {
      healthy = resolve;
    });
    const list = await custom.listNamespacedCustomObject(APPS);
    const watch = await new Watch(kubeConfigForDouble(server.cluster)).watch(
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications',
      { resourceVersion: list.metadata.resourceVersion },
      (
        _type: string,
        app: KubernetesObject & {
          status?: {
            operationState?: { phase: string };
            health?: { status: string };
          };
        },
      ) => {
        const phase = `${app.status?.operationState?.phase}/${app.status?.health?.status}`;
        if (phases[phases.length - 1] !== phase) phases.push(phase);
        if (
          app.status?.health?.status === 'Healthy' &&
          app.status.operationState?.phase === 'Succeeded' &&
          phases.length > 2
        )
          healthy();
      },
      () => {},
    );
    await server.waitForWatches(1);
    simulator.startRealTime(5);
    await requestSync('web');
    await done;
    simulator.stopRealTime();
    watch.abort();
    expect(phases).toEqual([
      'Succeeded/Healthy',
      'Running/Healthy',
      'Succeeded/Progressing',
      'Succeeded/Healthy',
    ]);
  });
});
