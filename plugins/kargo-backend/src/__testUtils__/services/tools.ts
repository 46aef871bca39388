import { spawnSync } from 'node:child_process';

/**
 * Whether the given programs are on the PATH. Under CI a missing program is an error, so that tests needing a
 * real service fail instead of being skipped; elsewhere the caller skips them.
 */
export function haveCommands(...commands: string[]): boolean {
  const missing = commands.filter(
    command => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0,
  );
  if (missing.length > 0 && process.env.CI) {
    throw new Error(
      `these tests need ${missing.join(
        ', ',
      )} on the PATH (Debian packages: docker-registry, skopeo, apache2-utils, openssl)`,
    );
  }
  return missing.length === 0;
}
