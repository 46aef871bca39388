import { createReadStream, createWriteStream, Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as createPack, Pack } from 'tar-stream';
import { z } from 'zod';
import {
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { goQuote } from '../stepHelpers/goFormat';
import {
  IgnorePattern,
  isIgnored,
  parseIgnorePattern,
} from '../stepHelpers/gitignore';
import { resolveInWorkDir } from '../stepHelpers/paths';
import { workDirErrorMessage } from '../stepHelpers/stepConfig';

/** Kargo's `TarConfig` (schemas/tar-config.json). */
const tarConfigSchema = z
  .object({
    inPath: z.string().min(1),
    outPath: z.string().min(1),
    ignore: z.string().min(1).optional(),
    gzip: z.boolean().optional(),
  })
  .strict();

/** The checked config of `tar`. */
export type TarConfig = z.infer<typeof tarConfigSchema>;

/** Kargo's limits on what `tar` archives: per file, and in all. */
export const TAR_MAX_FILE_BYTES = 50 * 1024 * 1024;
export const TAR_MAX_TOTAL_BYTES = 100 * 1024 * 1024;

/**
 * Ignore rules as Kargo's `tar` reads them: gitignore lines relative to `inPath` (blank lines and `#` comments
 * skipped); without any, `.git` is left out.
 */
export function archiveIgnorePatterns(rules = ''): IgnorePattern[] {
  const lines = rules
    .trim()
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '' && !line.startsWith('#'));
  return (lines.length > 0 ? lines : ['.git']).map(line =>
    parseIgnorePattern(line, []),
  );
}

/**
 * `tar`: archives a directory (its contents, at the root of the archive) or a single file (under its base
 * name) into `outPath`, gzip-compressed when `gzip` is true, replacing any file there. Directories, regular
 * files and symbolic links (as links) are archived; `ignore` holds gitignore patterns relative to `inPath`
 * (`.git` is left out when there are none). Files over 50 MiB, or over 100 MiB in all, are refused, as Kargo
 * refuses them. The archive is written beside `outPath` and moved there when complete. No output.
 */
export function createTarStep(): PromotionStepRunner<TarConfig> {
  return createPromotionStep({
    name: 'tar',
    schema: tarConfigSchema,
    async run(context, config) {
      const inPath = await resolveInWorkDir(
        context.workDir,
        config.inPath,
        'inPath',
      );
      const outPath = await resolveInWorkDir(
        context.workDir,
        config.outPath,
        'outPath',
      );
      let inStats: Stats;
      try {
        inStats = await fs.stat(inPath);
      } catch (error) {
        throw new Error(
          `input path ${goQuote(
            config.inPath,
          )} does not exist: ${workDirErrorMessage(error, context.workDir)}`,
          { cause: error },
        );
      }
      const tempPath = `${outPath}.tmp-${process.pid}-${Date.now()}`;
      try {
        await fs.mkdir(path.dirname(outPath), { recursive: true, mode: 0o750 });
        const pack = createPack();
        const output = config.gzip
          ? pipeline(pack, createGzip(), createWriteStream(tempPath))
          : pipeline(pack, createWriteStream(tempPath));
        const filling = fillArchive(pack, {
          inPath,
          inStats,
          outFiles: [outPath, tempPath],
          patterns: archiveIgnorePatterns(config.ignore),
          signal: context.signal,
        }).then(
          () => pack.finalize(),
          error => {
            pack.destroy(error);
            throw error;
          },
        );
        await Promise.all([filling, output]);
        await fs.rename(tempPath, outPath);
      } catch (error) {
        await fs.rm(tempPath, { force: true });
        throw new Error(
          `failed to create the tar archive ${goQuote(
            config.outPath,
          )}: ${workDirErrorMessage(error, context.workDir)}`,
          { cause: error },
        );
      }
      return { status: 'Succeeded' };
    },
  });
}

async function fillArchive(
  pack: Pack,
  options: {
    inPath: string;
    inStats: Stats;
    /** The archive being written, which is never archived into itself. */
    outFiles: string[];
    patterns: IgnorePattern[];
    signal: AbortSignal;
  },
): Promise<void> {
  const { inPath, patterns, signal } = options;
  let total = 0;
  const add = async (file: string, name: string, stats: Stats) => {
    signal.throwIfAborted();
    if (options.outFiles.includes(file)) return;
    if (isIgnored(patterns, name.split('/'), stats.isDirectory())) return;
    const common = {
      mode: stats.mode & 0o7777,
      mtime: stats.mtime,
    };
    if (stats.isSymbolicLink()) {
      const linkname = await fs.readlink(file);
      await addEntry(pack, { ...common, name, type: 'symlink', linkname });
    } else if (stats.isDirectory()) {
      await addEntry(pack, { ...common, name: `${name}/`, type: 'directory' });
      for (const child of (await fs.readdir(file)).sort()) {
        const childPath = path.join(file, child);
        await add(childPath, `${name}/${child}`, await fs.lstat(childPath));
      }
    } else if (stats.isFile()) {
      if (stats.size > TAR_MAX_FILE_BYTES) {
        throw new Error(
          `file ${goQuote(name)} size (${
            stats.size
          } bytes) exceeds the maximum allowed single file size (${TAR_MAX_FILE_BYTES} bytes)`,
        );
      }
      total += stats.size;
      if (total > TAR_MAX_TOTAL_BYTES) {
        throw new Error(
          `total tar archive source size exceeds the maximum allowed size (${TAR_MAX_TOTAL_BYTES} bytes)`,
        );
      }
      const entry = pack.entry({
        ...common,
        name,
        type: 'file',
        size: stats.size,
      });
      await pipeline(createReadStream(file), entry);
    }
    // Sockets, FIFOs and devices are left out.
  };
  if (options.inStats.isDirectory()) {
    for (const child of (await fs.readdir(inPath)).sort()) {
      const childPath = path.join(inPath, child);
      await add(childPath, child, await fs.lstat(childPath));
    }
  } else {
    await add(inPath, path.basename(inPath), options.inStats);
  }
}

function addEntry(
  pack: Pack,
  header: Parameters<Pack['entry']>[0],
): Promise<void> {
  return new Promise((resolve, reject) => {
    // An empty body: directories and links carry none.
    pack.entry(header, Buffer.alloc(0), error =>
      error ? reject(error) : resolve(),
    );
  });
}
