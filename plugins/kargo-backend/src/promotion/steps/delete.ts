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
import { globInDirectory, GlobPatternError } from '../stepHelpers/glob';

/** Kargo's `DeleteConfig` (schemas/delete-config.json): exactly one of `path` and `paths`. */
const deleteConfigSchema = z
  .object({
    path: z.string().min(1).optional(),
    paths: z.array(z.string().min(1)).min(1).optional(),
    pathsAreGlobs: z.boolean().optional(),
    strict: z.boolean().optional(),
  })
  .strict()
  .refine(
    config => (config.path === undefined) !== (config.paths === undefined),
    {
      message: 'Must validate one and only one schema (oneOf)',
    },
  );

/** The checked config of `delete`. */
export type DeleteConfig = z.infer<typeof deleteConfigSchema>;

const TRAVERSAL = 'path attempts to traverse outside the working directory';

/**
 * `delete`: deletes files and directories (recursively) named by `path` or `paths`, or matched by them as
 * glob patterns with `pathsAreGlobs` (`*`, `**`, `?`, `[...]`, `{a,b}`; `./` at the start is ignored). A
 * symbolic link is deleted as a link, never followed. Missing paths and patterns that match nothing are fine
 * unless `strict`. Nothing outside the work directory can be deleted. No output.
 */
export function createDeleteStep(): PromotionStepRunner<DeleteConfig> {
  return createPromotionStep({
    name: 'delete',
    schema: deleteConfigSchema,
    async run(context, config) {
      const entries = [
        ...(config.path !== undefined ? [config.path] : []),
        ...(config.paths ?? []),
      ];
      const root = await fs.realpath(context.workDir);
      const targets = config.pathsAreGlobs
        ? await resolveGlobs(root, entries, config.strict ?? false)
        : await resolveLiteralPaths(root, entries, config.strict ?? false);
      for (const target of targets) {
        try {
          const stats = await fs.lstat(target);
          await (stats.isDirectory()
            ? fs.rm(target, { recursive: true })
            : fs.unlink(target));
        } catch (error) {
          // An earlier entry (a parent directory) may have removed it already.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
            throw new Error(
              `failed to delete: ${workDirErrorMessage(
                error,
                context.workDir,
              )}`,
              { cause: error },
            );
          }
        }
      }
      return { status: 'Succeeded' };
    },
  });
}

async function resolveLiteralPaths(
  root: string,
  entries: string[],
  strict: boolean,
): Promise<string[]> {
  const targets: string[] = [];
  for (const entry of entries) {
    const target = await secureResolve(root, entry);
    if (target === undefined) {
      if (strict) {
        throw new Error(`path ${goQuote(entry)} does not exist`);
      }
      continue;
    }
    if (!targets.includes(target)) {
      targets.push(target);
    }
  }
  return targets;
}

async function resolveGlobs(
  root: string,
  patterns: string[],
  strict: boolean,
): Promise<string[]> {
  const targets: string[] = [];
  for (const pattern of patterns) {
    let matches: string[];
    try {
      matches = await globInDirectory(root, pattern.replace(/^\.\//, ''));
    } catch (error) {
      if (error instanceof GlobPatternError) {
        // An invalid pattern can never succeed on a retry.
        throw new TerminalStepError(
          `invalid glob pattern ${goQuote(pattern)}: ${error.message}`,
        );
      }
      throw error;
    }
    if (matches.length === 0) {
      if (strict) {
        throw new Error(`no paths matched pattern ${goQuote(pattern)}`);
      }
      continue;
    }
    for (const match of matches) {
      const target = await secureResolve(root, match);
      if (target !== undefined && !targets.includes(target)) {
        targets.push(target);
      }
    }
  }
  return targets;
}

/**
 * Where `relative` is inside the work directory with the links of its parent followed but not a link at its
 * end, so that a link is deleted rather than what it points to; undefined when nothing is there. Anything that
 * leads outside the work directory (`..`, an absolute path, a linked parent) is refused.
 */
async function secureResolve(
  root: string,
  relative: string,
): Promise<string | undefined> {
  const joined = path.resolve(root, relative);
  if (!isStrictlyInside(root, joined)) {
    throw new TerminalStepError(
      `could not resolve path ${goQuote(relative)}: ${TRAVERSAL}`,
    );
  }
  let parent: string;
  try {
    parent = await fs.realpath(path.dirname(joined));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  if (parent !== root && !isStrictlyInside(root, parent)) {
    throw new TerminalStepError(
      `could not resolve path ${goQuote(relative)}: ${TRAVERSAL}`,
    );
  }
  const target = path.join(parent, path.basename(joined));
  try {
    await fs.lstat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  return target;
}

function isStrictlyInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative !== '' &&
    relative !== '..' &&
    !relative.startsWith(`..${path.sep}`) &&
    !path.isAbsolute(relative)
  );
}
