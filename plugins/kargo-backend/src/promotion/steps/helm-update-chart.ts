import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import {
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import {
  findRegistryCredentials,
  RegistryCredentials,
} from '../../discovery/oci';
import { resolveTool, runTool } from '../stepHelpers/externalTool';
import { goQuote } from '../stepHelpers/goFormat';
import { resolveInWorkDir } from '../stepHelpers/paths';
import { messageOf, workDirErrorMessage } from '../stepHelpers/stepConfig';
import { setYamlValues } from '../stepHelpers/yamlValues';

/** Kargo's `HelmUpdateChartConfig` (schemas/helm-update-chart-config.json). */
const helmUpdateChartConfigSchema = z
  .object({
    path: z.string().min(1),
    charts: z
      .array(
        z
          .object({
            repository: z.string().min(1),
            name: z.string().min(1),
            version: z.string().min(1),
          })
          .strict(),
      )
      .min(1)
      .optional(),
  })
  .strict();

/** The checked config of `helm-update-chart`. */
export type HelmUpdateChartConfig = z.infer<typeof helmUpdateChartConfigSchema>;

interface ChartDependency {
  name: string;
  repository: string;
  version: string;
}

/**
 * `helm-update-chart`: sets the versions of dependencies of the umbrella chart at `path` (`charts[]`, matched by
 * `repository` and `name` as written in `Chart.yaml`, typically with `${{ chartFrom(...).Version }}`), editing
 * only those values of `Chart.yaml`, then runs `helm dependency update` so that `Chart.lock` and `charts/` follow.
 * Output `commitMessage` lists the dependencies whose locked version changed (`name: old -> new`, a new one with
 * its version, a removed one as `removed`); with no change `Chart.lock` is left as it was and there is no output.
 *
 * Chart repositories are registered in a Helm home of this run only, with the credentials of `kargo.registries`
 * for their host (given to helm on its standard input). A `file://` dependency must stay inside the work
 * directory.
 */
export function createHelmUpdateChartStep(options: {
  helm?: string;
  credentials: () => readonly RegistryCredentials[];
}): PromotionStepRunner<HelmUpdateChartConfig> {
  return createPromotionStep({
    name: 'helm-update-chart',
    schema: helmUpdateChartConfigSchema,
    async run(context, config) {
      const chartDir = await resolveInWorkDir(
        context.workDir,
        config.path,
        'path',
      );
      const chartFile = path.join(chartDir, 'Chart.yaml');
      let chartText: string;
      try {
        chartText = await fs.readFile(chartFile, 'utf8');
      } catch (error) {
        throw new Error(
          `get chart dependencies: ${workDirErrorMessage(
            error,
            context.workDir,
          )}`,
          { cause: error },
        );
      }
      const dependencies = readDependencies(chartText, 'Chart.yaml');
      await checkLocalDependencies(context.workDir, chartDir, dependencies);

      const helm = await resolveTool({
        name: 'helm',
        configKey: 'kargo.promotions.tools.helm',
        configured: options.helm,
        candidates: [{ file: 'helm' }],
      });
      const changes: Array<{ key: string; value: string }> = [];
      for (const update of config.charts ?? []) {
        const index = dependencies.findIndex(
          dep =>
            dep.name === update.name && dep.repository === update.repository,
        );
        if (index < 0) {
          throw new TerminalStepError(
            `process dependency updates: no dependency in Chart.yaml matches update with repository ${goQuote(
              update.repository,
            )} and name ${goQuote(update.name)}`,
          );
        }
        if (dependencies[index].version !== update.version) {
          changes.push({
            key: `dependencies.${index}.version`,
            value: update.version,
          });
          dependencies[index].version = update.version;
        }
      }
      if (changes.length > 0) {
        await fs.writeFile(chartFile, setYamlValues(chartText, changes));
      }

      const lockFile = path.join(chartDir, 'Chart.lock');
      const lockBefore = await fs
        .readFile(lockFile, 'utf8')
        .catch(() => undefined);
      const home = await fs.mkdtemp(
        path.join(await fs.realpath(context.workDir), '.helm-home-'),
      );
      let lockAfter: string;
      try {
        const run = (args: string[], input?: string) =>
          runTool(helm, args, {
            cwd: context.workDir,
            env: { HOME: home },
            signal: context.signal,
            input,
          });
        await setupRepositories(run, dependencies, options.credentials());
        try {
          await run(['dependency', 'update', chartDir]);
        } catch (error) {
          throw new Error(
            `update chart dependencies: ${workDirErrorMessage(
              error,
              context.workDir,
            )}`,
            { cause: error },
          );
        }
        lockAfter = await fs.readFile(lockFile, 'utf8');
      } finally {
        await fs.rm(home, { recursive: true, force: true });
      }

      const versionChanges = compareVersions(
        lockBefore === undefined
          ? []
          : readDependencies(lockBefore, 'Chart.lock'),
        readDependencies(lockAfter, 'Chart.lock'),
      );
      if (versionChanges.length === 0) {
        // helm rewrites the lock's digest and date even when nothing moved.
        if (lockBefore !== undefined) await fs.writeFile(lockFile, lockBefore);
        return { status: 'Succeeded' };
      }
      return {
        status: 'Succeeded',
        output: {
          commitMessage: [
            `Updated chart dependencies for ${config.path}\n`,
            ...versionChanges.map(
              ([name, change]) => `- ${name}: ${change || 'removed'}`,
            ),
          ].join('\n'),
        },
      };
    },
  });
}

function readDependencies(text: string, file: string): ChartDependency[] {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (error) {
    throw new Error(`failed to parse ${file}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const list =
    typeof doc === 'object' && doc !== null && 'dependencies' in doc
      ? doc.dependencies
      : undefined;
  if (!Array.isArray(list)) return [];
  return list.map(entry => ({
    name: String(entry?.name ?? ''),
    repository: String(entry?.repository ?? ''),
    version: String(entry?.version ?? ''),
  }));
}

/** A `file://` dependency must be relative and stay inside the work directory, links followed. */
async function checkLocalDependencies(
  workDir: string,
  chartDir: string,
  dependencies: ChartDependency[],
): Promise<void> {
  const root = await fs.realpath(workDir);
  for (const dep of dependencies) {
    if (!dep.repository.startsWith('file://')) continue;
    const local = dep.repository.slice('file://'.length);
    if (path.isAbsolute(local)) {
      throw new TerminalStepError(
        `validate dependencies: invalid dependency ${goQuote(
          dep.repository,
        )}: dependency path ${goQuote(local)} must be relative`,
      );
    }
    try {
      await resolveInWorkDir(
        root,
        path.relative(root, path.join(chartDir, local)) || '.',
        'dependency',
      );
    } catch (error) {
      if (!(error instanceof TerminalStepError)) throw error;
      throw new TerminalStepError(
        `validate dependencies: invalid dependency ${goQuote(
          dep.repository,
        )}: dependency path is outside the work directory`,
      );
    }
  }
}

/** The name Kargo gives a repository in Helm's repository file: a hash of its URL. */
function repositoryName(url: string): string {
  return createHash('sha256').update(url.replace(/\/+$/, '')).digest('hex');
}

/**
 * Registers each http(s) repository of the dependencies, and logs in to each OCI registry that has credentials,
 * in the run's own Helm home.
 */
async function setupRepositories(
  run: (args: string[], input?: string) => Promise<unknown>,
  dependencies: ChartDependency[],
  credentials: readonly RegistryCredentials[],
): Promise<void> {
  const done = new Set<string>();
  for (const { repository } of dependencies) {
    if (repository === '' || repository.startsWith('file://')) continue;
    let host: string;
    try {
      host = new URL(repository).host;
    } catch {
      // Helm names repositories by alias too (`@stable`); it reports what it cannot resolve.
      continue;
    }
    const creds = findRegistryCredentials(credentials, host);
    if (/^https?:\/\//.test(repository)) {
      if (done.has(repository)) continue;
      done.add(repository);
      await run(
        [
          'repo',
          'add',
          repositoryName(repository),
          repository,
          ...(creds ? ['--username', creds.username, '--password-stdin'] : []),
        ],
        creds?.password,
      ).catch(error => {
        throw new Error(
          `setup repositories: failed to add repository ${repository}: ${messageOf(
            error,
          )}`,
          { cause: error },
        );
      });
    } else if (repository.startsWith('oci://') && creds) {
      if (done.has(host)) continue;
      done.add(host);
      await run(
        [
          'registry',
          'login',
          host,
          '--username',
          creds.username,
          '--password-stdin',
        ],
        creds.password,
      ).catch(error => {
        throw new Error(
          `setup repositories: failed to log in to ${host}: ${messageOf(
            error,
          )}`,
          { cause: error },
        );
      });
    }
  }
}

/** Kargo's comparison of locked versions: changed, added, and removed (empty) per dependency name, by name. */
function compareVersions(
  before: ChartDependency[],
  after: ChartDependency[],
): Array<[string, string]> {
  const previous = new Map(before.map(dep => [dep.name, dep.version]));
  const changes = new Map<string, string>();
  for (const dep of after) {
    const old = previous.get(dep.name);
    if (old === undefined) {
      changes.set(dep.name, dep.version);
    } else if (old !== dep.version) {
      changes.set(dep.name, `${old} -> ${dep.version}`);
    }
    previous.delete(dep.name);
  }
  for (const name of previous.keys()) changes.set(name, '');
  return [...changes].sort(([a], [b]) => a.localeCompare(b));
}
