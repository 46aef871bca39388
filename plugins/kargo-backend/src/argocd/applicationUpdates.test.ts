import { ArgoCdApplication } from './ArgoCdClusters';
import {
  isAuthorized,
  normalizeRepoURL,
  planUpdate,
  revisionMismatches,
} from './applicationUpdates';

const app = (
  annotations: Record<string, string> = {},
  spec: Record<string, unknown> = {},
  status: Record<string, unknown> = {},
): ArgoCdApplication => ({
  metadata: { name: 'web', namespace: 'argocd', annotations },
  spec,
  status,
});

describe('Argo CD application updates', () => {
  it('authorizes a stage named in the annotation’s comma list, never by glob', () => {
    const annotated = (value: string) =>
      app({ 'kargo.akuity.io/authorized-stage': value });
    expect(isAuthorized(annotated('demo:test'), 'demo', 'test')).toBe(true);
    expect(isAuthorized(annotated('x:y , demo:test'), 'demo', 'test')).toBe(
      true,
    );
    expect(isAuthorized(annotated('demo:*'), 'demo', 'test')).toBe(false);
    expect(isAuthorized(annotated('*'), 'demo', 'test')).toBe(false);
    expect(isAuthorized(annotated('demo:prod'), 'demo', 'test')).toBe(false);
    expect(isAuthorized(app(), 'demo', 'test')).toBe(false);
  });

  it('normalizes repository URLs', () => {
    const expected = 'github.com/example/deploy';
    for (const url of [
      'https://github.com/example/deploy.git',
      'https://GitHub.com/example/deploy/',
      'git@github.com:example/deploy.git',
      'ssh://git@github.com/example/deploy',
      'http://user@github.com/example/deploy.git/',
    ]) {
      expect(normalizeRepoURL(url)).toBe(expected);
    }
    expect(normalizeRepoURL('https://git.example.com:8443/a/b.git')).toBe(
      'git.example.com:8443/a/b',
    );
  });

  it('sets Kustomize images by digest or tag, with a new name, keeping the others', () => {
    const plan = planUpdate(
      app(
        {},
        {
          source: {
            repoURL: 'https://github.com/example/deploy.git',
            targetRevision: 'main',
            kustomize: { images: ['nginx:1.0', 'redis@sha256:old'] },
          },
        },
      ),
      [
        {
          repoURL: 'https://github.com/example/deploy.git',
          kustomize: {
            images: [
              { repoURL: 'redis', digest: 'sha256:new' },
              { repoURL: 'ghcr.io/x/api', newName: 'ghcr.io/y/api', tag: '2' },
            ],
          },
        },
      ],
    );
    expect(plan.changed).toBe(true);
    expect(plan.sources[0].kustomize).toEqual({
      images: [
        'nginx:1.0',
        'redis@sha256:new',
        'ghcr.io/x/api=ghcr.io/y/api:2',
      ],
    });
    expect(plan.sources[0].targetRevision).toBe('main');
  });

  it('finds revisions the last sync did not reach', () => {
    const synced = app(
      {},
      {},
      { operationState: { syncResult: { revisions: ['a', 'b'] } } },
    );
    expect(revisionMismatches(synced, ['a', undefined])).toEqual([]);
    expect(revisionMismatches(synced, [undefined, 'c'])).toEqual([
      'wanted c, synced b',
    ]);
  });
});
