import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as createExtract } from 'tar-stream';
import { z } from 'zod';
import {
  PromotionStepLogger,
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { goQuote } from '../stepHelpers/goFormat';
import { IgnorePattern, isIgnored } from '../stepHelpers/gitignore';
import { resolveInWorkDir } from '../stepHelpers/paths';
import { messageOf, workDirErrorMessage } from '../stepHelpers/stepConfig';
import { archiveIgnorePatterns } from './tar';

/** Kargo's `UntarConfig` (schemas/untar-config.json). */
const untarConfigSchema = z
  .object({
    inPath: z.string().min(1),
    outPath: z.string().min(1),
    stripComponents: z.number().int().min(0).optional(),
    ignore: z.string().min(1).optional(),
  })
  .strict();

/** The checked config of `untar`. */
export type UntarConfig = z.infer<typeof untarConfigSchema>;

/** Limits against archive bombs: Kargo's per file and in all, and ours on the number of entries. */
export interface UntarLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxEntries: number;
}

const defaultLimits: UntarLimits = {
  maxFileBytes: 50 * 1024 * 1024,
  maxTotalBytes: 100 * 1024 * 1024,
  maxEntries: 100_000,
};

/**
 * `untar`: extracts a tar archive (gzip-compressed or not, told by its first bytes) into `outPath`, which it
 * replaces. `stripComponents` drops leading path components (entries with no more are skipped); `ignore`
 * holds gitignore patterns relative to the archive's root after stripping (`.git` is skipped when there are
 * none). Directories, regular files and symbolic links are extracted; other kinds are skipped.
 *
 * Nothing leaves `outPath`: entries with absolute paths, `..`, `./` or `\` are skipped, as are links whose
 * target is absolute or leads outside the extracted tree, and entries that would be written through a link.
 * A file over 50 MiB, more than 100 MiB in all or more than 100,000 entries aborts the extraction (an archive
 * bomb), counted on the bytes actually written. The archive is extracted into a temporary directory of the
 * work directory first, so that a failed extraction leaves `outPath` as it was. No output.
 */
export function createUntarStep(
  options: { limits?: Partial<UntarLimits> } = {},
): PromotionStepRunner<UntarConfig> {
  const limits = { ...defaultLimits, ...options.limits };
  return createPromotionStep({
    name: 'untar',
    schema: untarConfigSchema,
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
      const root = await fs.realpath(context.workDir);
      if (outPath === root) {
        throw new TerminalStepError(
          `outPath ${goQuote(
            config.outPath,
          )} is the work directory itself, which untar would replace`,
        );
      }
      const tempDir = await fs.mkdtemp(path.join(root, '.untar-'));
      try {
        try {
          await extractArchive(inPath, tempDir, {
            config,
            limits,
            logger: context.logger,
            signal: context.signal,
          });
        } catch (error) {
          throw new Error(
            `failed to extract tar file ${goQuote(
              config.inPath,
            )}: ${workDirErrorMessage(error, context.workDir)}`,
            { cause: error },
          );
        }
        try {
          await fs.mkdir(path.dirname(outPath), { recursive: true });
          await fs.rm(outPath, { recursive: true, force: true });
          await fs.rename(tempDir, outPath);
        } catch (error) {
          throw new Error(
            `failed to move the extracted files to ${goQuote(
              config.outPath,
            )}: ${workDirErrorMessage(error, context.workDir)}`,
            { cause: error },
          );
        }
      } finally {
        await fs.rm(tempDir, { recursive: true, force: true });
      }
      return { status: 'Succeeded' };
    },
  });
}

/** A relative archive path that cannot leave the directory it is extracted in (Kargo's `validRelPath`, and `..`). */
function isSafeRelativePath(name: string): boolean {
  return (
    name !== '' &&
    !name.includes('\\') &&
    !name.startsWith('/') &&
    !name.startsWith('./') &&
    !name.split('/').includes('..')
  );
}

async function extractArchive(
  archive: string,
  dest: string,
  options: {
    config: UntarConfig;
    limits: UntarLimits;
    logger: PromotionStepLogger;
    signal: AbortSignal;
  },
): Promise<void> {
  const { config, limits, logger, signal } = options;
  const patterns: IgnorePattern[] = archiveIgnorePatterns(config.ignore);
  const strip = config.stripComponents ?? 0;

  const handle = await fs.open(archive, 'r');
  let gzipped: boolean;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    gzipped = bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }

  const extract = createExtract();
  const source: Readable = createReadStream(archive, { signal });
  const feeding = pipeline(
    ...((gzipped ? [source, createGunzip(), extract] : [source, extract]) as [
      Readable,
      NodeJS.WritableStream,
    ]),
  );
  // The consumer below may stop early (a limit, an abort): the feeding pipeline then fails too, quietly.
  feeding.catch(() => {});

  let total = 0;
  let entries = 0;
  const skip = (name: string, why: string) =>
    logger.info(`skipping ${goQuote(name)}: ${why}`);

  for await (const entry of extract) {
    signal.throwIfAborted();
    const { header } = entry;
    entries++;
    if (entries > limits.maxEntries) {
      throw new Error(
        `extraction aborted: the archive has more than ${limits.maxEntries} entries`,
      );
    }
    const type = header.type;
    if (type !== 'file' && type !== 'directory' && type !== 'symlink') {
      entry.resume();
      continue;
    }
    let name = header.name;
    if (strip > 0) {
      const parts = name.split('/');
      if (parts.length <= strip) {
        entry.resume();
        continue;
      }
      name = parts.slice(strip).join('/');
    }
    name = name.replace(/\/+$/, '');
    if (name === '') {
      entry.resume();
      continue;
    }
    if (!isSafeRelativePath(name)) {
      skip(name, 'its path is not a safe relative path');
      entry.resume();
      continue;
    }
    if (isIgnored(patterns, name.split('/'), type === 'directory')) {
      entry.resume();
      continue;
    }
    const target = path.join(dest, ...name.split('/'));
    if (await throughLink(dest, name)) {
      skip(name, 'it would be written through a symbolic link');
      entry.resume();
      continue;
    }
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o750 });
    switch (type) {
      case 'directory':
        await fs.mkdir(target, { recursive: true, mode: 0o750 });
        entry.resume();
        break;
      case 'symlink': {
        const linkname = header.linkname ?? '';
        const resolved = path.posix.normalize(
          path.posix.join(path.posix.dirname(name), linkname),
        );
        if (
          linkname === '' ||
          path.posix.isAbsolute(linkname) ||
          linkname.includes('\\') ||
          resolved === '..' ||
          resolved.startsWith('../')
        ) {
          skip(name, `its link target ${goQuote(linkname)} leaves the archive`);
        } else {
          await fs.rm(target, { recursive: true, force: true });
          await fs.symlink(linkname, target);
        }
        entry.resume();
        break;
      }
      default: {
        const size = header.size ?? 0;
        if (size > limits.maxFileBytes) {
          throw new Error(
            `extraction aborted: file ${name} exceeds size limit of ${limits.maxFileBytes} bytes`,
          );
        }
        if (total + size > limits.maxTotalBytes) {
          throw new Error(
            `extraction aborted: total size would exceed limit of ${limits.maxTotalBytes} bytes`,
          );
        }
        let written = 0;
        const allowed = Math.min(
          limits.maxFileBytes,
          limits.maxTotalBytes - total,
        );
        // The header's size is checked above; the bytes written are counted too, whatever the header says.
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            written += chunk.length;
            if (written > allowed) {
              callback(
                new Error(
                  `extraction aborted: file ${name} exceeds the size limits`,
                ),
              );
              return;
            }
            callback(null, chunk);
          },
        });
        await fs.rm(target, { recursive: true, force: true });
        const mode = (header.mode ?? 0o600) & 0o777;
        await pipeline(
          entry,
          counter,
          createWriteStream(target, { mode: mode || 0o600 }),
        );
        total += written;
        if (header.mtime && !Number.isNaN(header.mtime.getTime())) {
          await fs.utimes(target, header.mtime, header.mtime);
        }
      }
    }
  }
  try {
    await feeding;
  } catch (error) {
    throw new Error(`error reading tar: ${messageOf(error)}`, { cause: error });
  }
}

/** Whether a component above `name` inside `dest` is a symbolic link (written through, it could lead anywhere). */
async function throughLink(dest: string, name: string): Promise<boolean> {
  const parts = name.split('/');
  let current = dest;
  for (const part of parts.slice(0, -1)) {
    current = path.join(current, part);
    try {
      if ((await fs.lstat(current)).isSymbolicLink()) return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }
  return false;
}
