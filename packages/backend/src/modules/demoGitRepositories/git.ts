import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs the `git` CLI without the user's or the system's configuration (no credential helpers, hooks or signing
 * keys of whoever runs the demo), with a fixed identity. Output is trimmed; a failure names the command.
 */
export async function git(
  args: string[],
  options: { cwd?: string; signal?: AbortSignal } = {},
): Promise<string> {
  try {
    const { stdout } = await run('git', args, {
      cwd: options.cwd,
      signal: options.signal,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: '/nonexistent',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
        GIT_AUTHOR_NAME: 'Kargo Portal demo scaffolder',
        GIT_AUTHOR_EMAIL: 'scaffolder@kargo-portal.invalid',
        GIT_COMMITTER_NAME: 'Kargo Portal demo scaffolder',
        GIT_COMMITTER_EMAIL: 'scaffolder@kargo-portal.invalid',
      },
    });
    return stdout.trim();
  } catch (error) {
    const stderr =
      error && typeof error === 'object' && 'stderr' in error
        ? String(error.stderr).trim()
        : '';
    throw new Error(`git ${args[0]} failed${stderr ? `: ${stderr}` : ''}`, {
      cause: error,
    });
  }
}

/** The commit a branch of a repository points at, or undefined when it has none yet. */
export async function branchHead(
  repository: string,
  branch: string,
): Promise<string | undefined> {
  const out = await git([
    '--git-dir',
    repository,
    'for-each-ref',
    '--format=%(objectname)',
    `refs/heads/${branch}`,
  ]);
  return out || undefined;
}
