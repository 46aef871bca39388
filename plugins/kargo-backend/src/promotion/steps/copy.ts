import { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { messageOf, workDirErrorMessage } from '../stepHelpers/stepConfig';
import { goQuote, goTrimSpace } from '../stepHelpers/goFormat';
import {
  IgnorePattern,
  isIgnored,
  parseIgnorePattern,
} from '../stepHelpers/gitignore';
import { resolveInWorkDir } from '../stepHelpers/paths';

/** Kargo's `CopyConfig` (schemas/copy-config.json). */
const copyConfigSchema = z
  .object({
    inPath: z.string().min(1),
    outPath: z.string().min(1),
    ignore: z.string().min(1).optional(),
  })
  .strict();

/** The checked config of `copy`. */
export type CopyConfig = z.infer<typeof copyConfigSchema>;

/**
 * `copy`: copies a file, or the contents of a directory recursively, from `inPath` to `outPath`, merging into
 * an existing directory and overwriting existing files. Symbolic links are skipped. `.git` is never copied
 * unless `ignore` re-includes it; `ignore` holds further gitignore patterns (one per line, `#` comments),
 * relative to `inPath` (to its directory when it is a file). No output.
 */
export function createCopyStep(): PromotionStepRunner<CopyConfig> {
  return createPromotionStep({
    name: 'copy',
    schema: copyConfigSchema,
    async run(context, config) {
      const describe = (error: unknown) =>
        `failed to copy ${goQuote(config.inPath)} to ${goQuote(
          config.outPath ?? '',
        )}: ${workDirErrorMessage(error, context.workDir)}`;
      const inPath = await resolveInWorkDir(
        context.workDir,
        config.inPath,
        'inPath',
      );
      let stats: Stats;
      try {
        stats = await fs.lstat(inPath);
      } catch (error) {
        throw new Error(describe(error), { cause: error });
      }
      const outPath = await resolveInWorkDir(
        context.workDir,
        config.outPath,
        'outPath',
      );
      const outFromIn = path.relative(inPath, outPath);
      if (
        outFromIn === '' ||
        (stats.isDirectory() &&
          outFromIn !== '..' &&
          !outFromIn.startsWith(`..${path.sep}`))
      ) {
        // Kargo would truncate the files it reads, or recurse without end.
        throw new Error(
          describe(new Error('cannot copy a path onto or into itself')),
        );
      }
      let patterns: IgnorePattern[];
      try {
        patterns = await loadIgnoreRules(inPath, config.ignore);
      } catch (error) {
        throw new Error(
          `failed to load ignore rules: ${workDirErrorMessage(
            error,
            context.workDir,
          )}`,
          { cause: error },
        );
      }
      try {
        await copyEntry(inPath, outPath, stats, patterns);
      } catch (error) {
        throw new Error(describe(error), { cause: error });
      }
      return { status: 'Succeeded' };
    },
  });
}

/**
 * The ignore patterns for copying `inPath`, as Kargo builds them: `.git` first, then each line of `rules`
 * that is not blank or a `#` comment, all relative to `inPath` (a directory) or to its directory (a file).
 * Paths are matched as the components of absolute paths. A missing `inPath` gets no patterns (the copy then
 * fails on its own).
 */
export async function loadIgnoreRules(
  inPath: string,
  rules = '',
): Promise<IgnorePattern[]> {
  let stats: Stats;
  try {
    stats = await fs.lstat(inPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw new Error(`failed to determine domain: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const domain = (stats.isDirectory() ? inPath : path.dirname(inPath)).split(
    path.sep,
  );
  const lines = rules
    .split('\n')
    .map(line => line.replace(/\r$/, ''))
    .filter(line => !line.startsWith('#') && goTrimSpace(line) !== '');
  return ['.git', ...lines].map(line => parseIgnorePattern(line, domain));
}

async function copyEntry(
  src: string,
  dest: string,
  stats: Stats,
  patterns: IgnorePattern[],
): Promise<void> {
  if (stats.isDirectory()) {
    await unlinkSymbolicLink(dest);
    await fs.mkdir(dest, { recursive: true, mode: 0o755 });
    const names = (await fs.readdir(src)).sort();
    for (const name of names) {
      const child = path.join(src, name);
      const childStats = await fs.lstat(child);
      if (
        isIgnored(patterns, child.split(path.sep), childStats.isDirectory())
      ) {
        continue;
      }
      await copyEntry(child, path.join(dest, name), childStats, patterns);
    }
    await fs.chmod(dest, stats.mode & 0o7777);
  } else if (stats.isFile()) {
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await unlinkSymbolicLink(dest);
    await fs.copyFile(src, dest);
    await fs.chmod(dest, stats.mode & 0o7777);
  }
  // Symbolic links, sockets, FIFOs and devices are skipped, as Kargo skips them.
}

/**
 * A symbolic link already at a destination is replaced rather than written through, so that a link in a
 * cloned repository cannot make the copy write outside the work directory.
 */
async function unlinkSymbolicLink(dest: string): Promise<void> {
  try {
    if ((await fs.lstat(dest)).isSymbolicLink()) {
      await fs.unlink(dest);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
}
