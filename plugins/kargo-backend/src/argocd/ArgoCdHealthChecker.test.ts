import { StageManifest } from '@kargo-portal/plugin-kargo-common';
import { ArgoCdApplication } from './ArgoCdClusters';
import { argoCdContextChecks, assessApplication } from './ArgoCdHealthChecker';

const finishedAt = '2026-01-01T00:00:00Z';

function app(
  status: Record<string, unknown>,
  extra: Partial<ArgoCdApplication> = {},
): ArgoCdApplication {
  return {
    metadata: { name: 'web', namespace: 'argocd' },
    spec: { source: { repoURL: 'https://git.example/deploy', path: 'web' } },
    status: {
      sync: { status: 'Synced', revision: 'abc' },
      health: { status: 'Healthy' },
      reconciledAt: finishedAt,
      operationState: { phase: 'Succeeded', finishedAt },
      ...status,
    },
    ...extra,
  };
}

const where = 'Argo CD Application argocd/web on cluster "c"';

describe('assessApplication (Kargo’s Argo CD health checker)', () => {
  it.each<[string, ArgoCdApplication, string[], string, string]>([
    [
      'healthy and synced to the desired revision',
      app({}),
      ['abc'],
      'Healthy',
      '',
    ],
    [
      'no desired revision',
      app({ sync: { revision: 'zzz' } }),
      [''],
      'Healthy',
      '',
    ],
    [
      'progressing',
      app({ health: { status: 'Progressing' } }),
      ['abc'],
      'Progressing',
      'is progressing',
    ],
    ['no health yet', app({ health: {} }), [], 'Progressing', 'is progressing'],
    [
      'suspended (progressing until lifted, akuity/kargo#2216)',
      app({ health: { status: 'Suspended' } }),
      [],
      'Progressing',
      'is suspended',
    ],
    [
      'degraded',
      app({ health: { status: 'Degraded' } }),
      [],
      'Unhealthy',
      'has health state Degraded',
    ],
    [
      'missing resources',
      app({ health: { status: 'Missing' } }),
      [],
      'Unhealthy',
      'has health state Missing',
    ],
    [
      'synced to another revision (before health is looked at)',
      app({ sync: { revision: 'def' }, health: { status: 'Progressing' } }),
      ['abc'],
      'Unhealthy',
      'not to the desired revision abc',
    ],
    [
      'a sync requested',
      app({}, { operation: { sync: { revision: 'abc' } } }),
      ['abc'],
      'Unknown',
      'is being synced',
    ],
    [
      'a sync running',
      app({ operationState: { phase: 'Running' } }),
      ['abc'],
      'Unknown',
      'is being synced',
    ],
    [
      'not reconciled since its operation finished',
      app({ reconciledAt: '2025-12-31T23:59:59Z' }),
      ['abc'],
      'Unknown',
      'was not reconciled after its most recent operation completed',
    ],
    [
      'an InvalidSpecError condition',
      app({ conditions: [{ type: 'InvalidSpecError', message: 'bad path' }] }),
      [],
      'Unhealthy',
      'has InvalidSpecError condition: bad path',
    ],
    [
      'a condition that is no error',
      app({ conditions: [{ type: 'SyncError', message: 'retrying' }] }),
      [],
      'Healthy',
      '',
    ],
    [
      'a multi-source app with one source off',
      app(
        { sync: { status: 'Synced', revisions: ['abc', 'old'] } },
        {
          spec: {
            sources: [
              { repoURL: 'https://git.example/a' },
              { repoURL: 'https://git.example/b' },
            ],
          },
        },
      ),
      ['abc', 'new'],
      'Unhealthy',
      'source 1 (https://git.example/b) is synced to old, not to the desired revision new',
    ],
  ])('%s', (_, application, desired, status, issue) => {
    const verdict = assessApplication(application, desired, where);
    expect(verdict.status).toBe(status);
    // Every state but Healthy says why; Healthy has no issues.
    expect(verdict.issues.length > 0).toBe(issue !== '');
    expect(verdict.issues.join('; ')).toContain(issue);
  });
});

describe('argoCdContextChecks', () => {
  const stage = (annotation?: string): StageManifest =>
    ({
      apiVersion: 'kargo.akuity.io/v1alpha1',
      kind: 'Stage',
      metadata: {
        name: 'dev',
        namespace: 'shop',
        ...(annotation
          ? { annotations: { 'kargo.akuity.io/argocd-context': annotation } }
          : {}),
      },
      spec: { requestedFreight: [] },
    } as unknown as StageManifest);

  it('reads Kargo’s list of {name, namespace}', () => {
    expect(
      argoCdContextChecks(stage('[{"name":"web","namespace":"argocd"}]')),
    ).toEqual([
      {
        uses: 'argocd-update',
        config: { apps: [{ name: 'web', namespace: 'argocd' }] },
      },
    ]);
    expect(argoCdContextChecks(stage())).toEqual([]);
  });

  it('refuses a malformed annotation, naming it', () => {
    expect(() => argoCdContextChecks(stage('{"apps":[]}'))).toThrow(
      'annotation kargo.akuity.io/argocd-context of stage dev must be a list of {"name", "namespace"}',
    );
    expect(() => argoCdContextChecks(stage('nope'))).toThrow('is not JSON');
  });
});
