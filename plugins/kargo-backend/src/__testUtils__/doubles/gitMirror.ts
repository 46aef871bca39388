/*
 * TEST DOUBLE SUPPORT: keeps the in-memory history of an SCM API double (repositoryModel.ts) equal to a real
 * bare repository, so that a promotion can push with the git CLI and open a pull request through the API
 * double against the same branches and commits, as on a hosting service where both are one repository. The
 * model's commits get the real SHAs, parents, messages and files; its branches point where the real ones do.
 */
import { execFileSync } from 'node:child_process';
import { RepositoryModel } from './repositoryModel';

function git(gitDir: string, args: string[]): string {
  return execFileSync('git', ['--git-dir', gitDir, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * Copies into `model` every commit of the bare repository at `gitDir` it does not have yet, then moves its
 * branches to the real ones (removing those the repository no longer has). Synchronous, so that it can run
 * in a double's `onRequest` hook before the request is answered.
 */
export function mirrorGitRepository(
  gitDir: string,
  model: RepositoryModel,
): void {
  const refs = git(gitDir, [
    'for-each-ref',
    '--format=%(objectname) %(refname:strip=2)',
    'refs/heads',
  ])
    .split('\n')
    .filter(Boolean)
    .map(line => {
      const [sha, ...name] = line.split(' ');
      return { sha, name: name.join(' ') };
    });
  if (refs.length > 0) {
    const history = git(gitDir, [
      'rev-list',
      '--reverse',
      '--topo-order',
      '--parents',
      ...refs.map(ref => ref.sha),
    ])
      .split('\n')
      .filter(Boolean);
    for (const line of history) {
      const [sha, ...parents] = line.split(' ');
      if (model.commits.has(sha)) continue;
      const files: Record<string, string> = {};
      for (const file of git(gitDir, [
        'ls-tree',
        '-r',
        '--name-only',
        '-z',
        sha,
      ])
        .split('\0')
        .filter(Boolean)) {
        files[file] = git(gitDir, ['show', `${sha}:${file}`]);
      }
      model.importCommit({
        sha,
        parents,
        files,
        message: git(gitDir, ['log', '-1', '--format=%B', sha]).replace(
          /\n+$/,
          '',
        ),
        date: new Date(
          git(gitDir, ['log', '-1', '--format=%cI', sha]).trim(),
        ).toISOString(),
      });
    }
  }
  const names = new Set(refs.map(ref => ref.name));
  for (const name of [...model.branches.keys()]) {
    if (!names.has(name)) model.branches.delete(name);
  }
  for (const ref of refs) model.branches.set(ref.name, ref.sha);
}
