import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import {
  PromotionStepContext,
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { resolveTool, runTool, ToolCommand } from '../stepHelpers/externalTool';
import { goQuote } from '../stepHelpers/goFormat';
import { resolveInWorkDir } from '../stepHelpers/paths';
import { workDirErrorMessage } from '../stepHelpers/stepConfig';

/** Kargo's `HelmTemplateConfig` (schemas/helm-template-config.json). */
const helmTemplateConfigSchema = z
  .object({
    path: z.string().min(1),
    outPath: z.string().min(1),
    outLayout: z.enum(['helm', 'flat']).optional(),
    releaseName: z.string().min(1),
    useReleaseName: z.boolean().optional(),
    namespace: z.string().optional(),
    valuesFiles: z.array(z.string().min(1)).optional(),
    ignoreMissingValueFiles: z.boolean().optional(),
    setValues: z
      .array(
        z
          .object({
            key: z.string().min(1),
            value: z.string(),
            literal: z.boolean().optional(),
          })
          .strict(),
      )
      .optional(),
    buildDependencies: z.boolean().optional(),
    includeCRDs: z.boolean().optional(),
    disableHooks: z.boolean().optional(),
    skipTests: z.boolean().optional(),
    kubeVersion: z.string().optional(),
    apiVersions: z.array(z.string().min(1)).optional(),
  })
  .strict();

/** The checked config of `helm-template`. */
export type HelmTemplateConfig = z.infer<typeof helmTemplateConfigSchema>;

/**
 * `helm-template`: renders the chart at `path` with `helm template` (the helm binary on PATH or set in
 * `kargo.promotions.tools.helm`), as release `releaseName` in `namespace` (default: the project's name), with
 * `valuesFiles` (missing ones skipped when `ignoreMissingValueFiles`) and `setValues` (`--set`, or
 * `--set-literal` when `literal`). The result goes to `outPath`:
 *
 * - a `.yaml`/`.yml` file: all manifests, hooks included unless `disableHooks` (tests left out with `skipTests`);
 * - a directory with `outLayout: helm` (the default): helm's `--output-dir` layout, under the chart's name (the
 *   release name with `useReleaseName`);
 * - a directory with `outLayout: flat`: one file per resource, `[group-]kind[-namespace]-name.yaml`.
 *
 * `buildDependencies` runs `helm dependency build` first (anonymous access to chart repositories). The chart may
 * not hold links leading outside the work directory. No output.
 */
export function createHelmTemplateStep(
  options: { helm?: string } = {},
): PromotionStepRunner<HelmTemplateConfig> {
  return createPromotionStep({
    name: 'helm-template',
    schema: helmTemplateConfigSchema,
    run: async (context, config) => {
      const chart = await resolveInWorkDir(
        context.workDir,
        config.path,
        'path',
      );
      const outPath = await resolveInWorkDir(
        context.workDir,
        config.outPath,
        'outPath',
      );
      await checkNoEscapingLinks(context.workDir, chart, config.path);
      const valuesArgs: string[] = [];
      for (const [i, file] of (config.valuesFiles ?? []).entries()) {
        const resolved = await resolveInWorkDir(
          context.workDir,
          file,
          `valuesFiles[${i}]`,
        );
        if (config.ignoreMissingValueFiles && !(await exists(resolved))) {
          continue;
        }
        valuesArgs.push('--values', resolved);
      }
      const helm = await resolveTool({
        name: 'helm',
        configKey: 'kargo.promotions.tools.helm',
        configured: options.helm,
        candidates: [{ file: 'helm' }],
      });
      const home = await fs.mkdtemp(
        path.join(await fs.realpath(context.workDir), '.helm-home-'),
      );
      try {
        if (config.buildDependencies) {
          await runHelm(
            helm,
            ['dependency', 'build', chart],
            context,
            home,
          ).catch(error => {
            throw new Error(
              `failed to build chart dependencies: ${workDirErrorMessage(
                error,
                context.workDir,
              )}`,
              { cause: error },
            );
          });
        }
        const isFile = ['.yaml', '.yml'].includes(path.extname(outPath));
        const helmLayout = !isFile && (config.outLayout ?? 'helm') === 'helm';
        const args = [
          'template',
          config.releaseName,
          chart,
          '--namespace',
          config.namespace || context.project,
          ...valuesArgs,
          ...(config.setValues ?? []).flatMap(({ key, value, literal }) => [
            literal ? '--set-literal' : '--set',
            `${key}=${value}`,
          ]),
          ...(config.includeCRDs ? ['--include-crds'] : []),
          ...(config.disableHooks ? ['--no-hooks'] : []),
          ...(config.skipTests ? ['--skip-tests'] : []),
          ...(config.kubeVersion ? ['--kube-version', config.kubeVersion] : []),
          ...(config.apiVersions ?? []).flatMap(v => ['--api-versions', v]),
          ...(helmLayout ? ['--output-dir', outPath] : []),
          ...(helmLayout && config.useReleaseName ? ['--release-name'] : []),
        ];
        let rendered: string;
        try {
          ({ stdout: rendered } = await runHelm(helm, args, context, home));
        } catch (error) {
          throw new Error(
            `failed to render chart: ${workDirErrorMessage(
              error,
              context.workDir,
            )}`,
            { cause: error },
          );
        }
        try {
          if (isFile) {
            await fs.mkdir(path.dirname(outPath), {
              recursive: true,
              mode: 0o700,
            });
            await fs.writeFile(outPath, `${rendered.trim()}\n`, {
              mode: 0o600,
            });
          } else if (!helmLayout) {
            await writeFlat(outPath, rendered);
          }
        } catch (error) {
          if (error instanceof TerminalStepError) throw error;
          throw new Error(
            `failed to write rendered chart: ${workDirErrorMessage(
              error,
              context.workDir,
            )}`,
            { cause: error },
          );
        }
      } finally {
        await fs.rm(home, { recursive: true, force: true });
      }
      return { status: 'Succeeded' };
    },
  });
}

function runHelm(
  helm: ToolCommand,
  args: string[],
  context: PromotionStepContext,
  home: string,
) {
  // Helm keeps repositories, registry logins and its cache under HOME: one of this promotion's own.
  return runTool(helm, args, {
    cwd: context.workDir,
    env: { HOME: home },
    signal: context.signal,
  });
}

/**
 * Writes each resource of the rendered manifests to its own file, named `[group-]kind[-namespace]-name.yaml`
 * (dots of the group as `_`) as Kargo names them, or `resource-<n>.yaml` when it has no kind or name.
 */
async function writeFlat(outPath: string, rendered: string): Promise<void> {
  await fs.mkdir(outPath, { recursive: true, mode: 0o700 });
  const documents = rendered
    .split(/^---[ \t]*(?:#.*)?$/m)
    .map(text => text.trim())
    .filter(text => text !== '' && !/^(#.*(\n|$))*$/.test(text));
  for (const [i, text] of documents.entries()) {
    const name = flatFileName(text) ?? `resource-${i}.yaml`;
    if (/[/\\]/.test(name) || name === '.yaml' || name.startsWith('..')) {
      throw new TerminalStepError(
        `unsafe generated resource filename ${goQuote(name)}`,
      );
    }
    await fs.writeFile(path.join(outPath, name), `${text}\n`, { mode: 0o600 });
  }
}

function flatFileName(text: string): string | undefined {
  let data: unknown;
  try {
    data = YAML.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const { apiVersion, kind, metadata } = data as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: { name?: unknown; namespace?: unknown };
  };
  const name = metadata?.name;
  if (
    typeof kind !== 'string' ||
    kind === '' ||
    typeof name !== 'string' ||
    name === ''
  ) {
    return undefined;
  }
  const parts = typeof apiVersion === 'string' ? apiVersion.split('/') : [];
  const group = parts.length > 1 ? parts.slice(0, -1).join('/') : '';
  let fileName = group ? `${group.replace(/\./g, '_')}-${kind}` : kind;
  const namespace = metadata?.namespace;
  if (typeof namespace === 'string' && namespace !== '') {
    fileName += `-${namespace}`;
  }
  return `${fileName}-${name}.yaml`.toLowerCase();
}

/**
 * Helm follows symbolic links when it loads a chart; a link in the chart that leads outside the work directory
 * would let a chart read files of the backend, so it is refused.
 */
async function checkNoEscapingLinks(
  workDir: string,
  chart: string,
  shown: string,
): Promise<void> {
  const root = await fs.realpath(workDir);
  const walk = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return; // not a directory (a packaged chart) or missing: helm says so
    }
    for (const name of names) {
      const file = path.join(dir, name);
      const stats = await fs.lstat(file);
      if (stats.isSymbolicLink()) {
        const target = await fs.realpath(file).catch(() => undefined);
        const relative = target ? path.relative(root, target) : '..';
        if (relative.startsWith('..') || path.isAbsolute(relative)) {
          throw new TerminalStepError(
            `chart ${goQuote(shown)} holds a symbolic link ${goQuote(
              path.relative(root, file),
            )} that leads outside the promotion's work directory`,
          );
        }
      } else if (stats.isDirectory()) {
        await walk(file);
      }
    }
  };
  await walk(chart);
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file);
    return true;
  } catch {
    return false;
  }
}
