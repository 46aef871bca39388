/*
 * TEST DOUBLE SUPPORT for the Argo CD simulator: resolves an Application source's `targetRevision` (a branch, a
 * tag, HEAD) to the commit it points at when the source is a local `file://` repository, as Argo CD's repo server
 * resolves a revision before it syncs. Other sources keep their revision as written.
 */
import { execFileSync } from 'node:child_process';
import { Json } from './kubernetesPatch';

/** For `ArgoCdSimulatorOptions.resolveRevision`: `main` of `file:///srv/gitops.git` -> its head commit. */
export function resolveFileRepositoryRevision(source: {
  [key: string]: Json;
}): string {
  const revision = String(source.targetRevision ?? 'HEAD');
  const repoURL = String(source.repoURL ?? '');
  if (!repoURL.startsWith('file://')) return revision;
  try {
    return execFileSync(
      'git',
      [
        '--git-dir',
        new URL(repoURL).pathname,
        'rev-parse',
        '--verify',
        '--quiet',
        `${revision}^{commit}`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    ).trim();
  } catch {
    // An unknown revision or repository: nothing matches it, so the app stays OutOfSync, as in Argo CD.
    return revision;
  }
}
