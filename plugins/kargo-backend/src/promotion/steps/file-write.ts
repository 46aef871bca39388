import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { workDirErrorMessage } from '../stepHelpers/stepConfig';
import { goQuote } from '../stepHelpers/goFormat';
import { resolveInWorkDir } from '../stepHelpers/paths';

/** Kargo's `FileWriteConfig` (schemas/file-write-config.json). */
const fileWriteConfigSchema = z
  .object({
    path: z.string().min(1),
    contents: z.string(),
    permissions: z
      .string()
      .regex(/^0[0-7]{3}$/, 'Does not match pattern ^0[0-7]{3}$')
      .optional(),
    overwrite: z.boolean().optional(),
  })
  .strict();

/** The checked config of `file-write`. */
export type FileWriteConfig = z.infer<typeof fileWriteConfigSchema>;

const DEFAULT_PERMISSIONS = 0o600;

/**
 * `file-write`: writes `contents` to the file at `path` (parent directories are created), with `permissions`
 * (octal, default `0600`; executable, special and world-writable modes are refused). An existing file is
 * replaced only with `overwrite: true`. The path must stay inside the work directory, must not go through a
 * symbolic link and must not be in `.git`. No output.
 */
export function createFileWriteStep(): PromotionStepRunner<FileWriteConfig> {
  return createPromotionStep({
    name: 'file-write',
    schema: fileWriteConfigSchema,
    async run(context, config) {
      if (path.isAbsolute(config.path)) {
        throw new TerminalStepError(
          `path ${goQuote(config.path)} must be relative`,
        );
      }
      const cleanPath = clean(config.path);
      if (cleanPath === '..' || cleanPath.startsWith(`..${path.sep}`)) {
        throw new TerminalStepError(
          `path ${goQuote(
            config.path,
          )} attempts to traverse outside the working directory`,
        );
      }
      if (cleanPath === '.git' || cleanPath.startsWith(`.git${path.sep}`)) {
        throw new TerminalStepError(
          `writing to the .git directory is forbidden: ${goQuote(config.path)}`,
        );
      }
      const mode = parsePermissions(config.permissions);
      const file = await resolveInWorkDir(context.workDir, config.path, 'path');
      const resolved =
        path.relative(await fs.realpath(context.workDir), file) || '.';
      if (resolved !== cleanPath) {
        throw new TerminalStepError(
          `path ${goQuote(config.path)} resolves to a different path ${goQuote(
            resolved,
          )} (symlinks are forbidden)`,
        );
      }
      const exists = await fs.stat(file).then(
        () => true,
        () => false,
      );
      if (exists && !config.overwrite) {
        throw new TerminalStepError(
          `file ${goQuote(
            config.path,
          )} already exists; set overwrite to true to replace it`,
        );
      }
      const fail = (what: string, error: unknown): never => {
        throw new Error(
          `${what} ${goQuote(config.path)}: ${workDirErrorMessage(
            error,
            context.workDir,
          )}`,
          { cause: error },
        );
      };
      await fs
        .mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
        .catch(error => fail('error creating parent directories for', error));
      await fs
        .writeFile(file, config.contents, { mode })
        .catch(error => fail('error writing file', error));
      await fs
        .chmod(file, mode)
        .catch(error => fail('error setting permissions on file', error));
      return { status: 'Succeeded' };
    },
  });
}

/** Go's `filepath.Clean` for a relative path. */
function clean(relative: string): string {
  const normalized = path.normalize(relative);
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
}

/** The file mode `permissions` asks for, refusing special, executable and world-writable bits as Kargo does. */
export function parsePermissions(permissions: string | undefined): number {
  if (permissions === undefined || permissions === '') {
    return DEFAULT_PERMISSIONS;
  }
  if (!/^[0-7]+$/.test(permissions)) {
    throw new TerminalStepError(
      `invalid permissions ${goQuote(permissions)}: must be an octal file mode`,
    );
  }
  const mode = parseInt(permissions, 8);
  if ((mode & 0o777) !== mode) {
    throw new TerminalStepError(
      `permissions ${goQuote(permissions)} must not include special mode bits`,
    );
  }
  if (mode & 0o111) {
    throw new TerminalStepError(
      `permissions ${goQuote(permissions)} must not include executable bits`,
    );
  }
  if (mode & 0o002) {
    throw new TerminalStepError(
      `permissions ${goQuote(permissions)} must not be world-writable`,
    );
  }
  return mode;
}
