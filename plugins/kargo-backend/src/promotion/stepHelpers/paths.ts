import fs from 'node:fs/promises';
import path from 'node:path';
import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';

/**
 * Resolves a path from a step's config inside the promotion's work directory, following symbolic links that
 * already exist, and refuses any result outside it (Kargo's `securejoin.SecureJoin` keeps paths inside the work
 * directory the same way). `field` names the config field in the error.
 */
export async function resolveInWorkDir(
  workDir: string,
  relative: string,
  field: string,
): Promise<string> {
  if (typeof relative !== 'string' || relative === '') {
    throw new TerminalStepError(`${field} must be a non-empty path`);
  }
  const root = await fs.realpath(workDir);
  const joined = path.resolve(root, relative);
  if (!isInside(root, joined)) {
    throw new TerminalStepError(
      `${field} "${relative}" points outside the promotion's work directory`,
    );
  }
  // Follow links on the part of the path that exists, so that a link cannot lead outside; a dangling link is
  // followed too, since writing through it would create its target.
  let pending = joined;
  let existing = joined;
  let rest: string[] = [];
  for (let hops = 0; ; hops++) {
    existing = pending;
    rest = [];
    for (;;) {
      try {
        existing = await fs.realpath(existing);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        rest.unshift(path.basename(existing));
        existing = path.dirname(existing);
      }
    }
    const target =
      rest.length > 0
        ? await danglingLinkTarget(path.join(existing, rest[0]))
        : undefined;
    if (target === undefined) {
      break;
    }
    if (hops >= 40) {
      throw new TerminalStepError(
        `${field} "${relative}" goes through too many symbolic links`,
      );
    }
    pending = path.resolve(existing, target, ...rest.slice(1));
  }
  const resolved = path.join(existing, ...rest);
  if (!isInside(root, resolved)) {
    throw new TerminalStepError(
      `${field} "${relative}" points outside the promotion's work directory through a symbolic link`,
    );
  }
  return resolved;
}

async function danglingLinkTarget(file: string): Promise<string | undefined> {
  try {
    return (await fs.lstat(file)).isSymbolicLink()
      ? await fs.readlink(file)
      : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative === '' ||
    (!relative.startsWith(`..${path.sep}`) &&
      relative !== '..' &&
      !path.isAbsolute(relative))
  );
}
