import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import {
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { resolveTool, runTool, ToolCommand } from '../stepHelpers/externalTool';
import { goQuote } from '../stepHelpers/goFormat';
import { checkKustomizationRefs } from '../stepHelpers/kustomizationRefs';
import { resolveInWorkDir } from '../stepHelpers/paths';
import { workDirErrorMessage } from '../stepHelpers/stepConfig';

/** Kargo's `KustomizeBuildConfig` (schemas/kustomize-build-config.json). */
const kustomizeBuildConfigSchema = z
  .object({
    path: z.string().min(1),
    outPath: z.string().min(1),
    outputFormat: z.enum(['kargo', 'kustomize']).optional(),
    plugin: z
      .object({
        helm: z
          .object({
            apiVersions: z.array(z.string().min(1)).optional(),
            kubeVersion: z.string().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The checked config of `kustomize-build`. */
export type KustomizeBuildConfig = z.infer<typeof kustomizeBuildConfigSchema>;

/** Where the step finds its programs (see `kargo.promotions.tools`). */
export interface KustomizeBuildOptions {
  /** Path of the kustomize binary; default `kustomize`, else `kubectl kustomize`, on PATH. */
  kustomize?: string;
  /** Path of the helm binary kustomize inflates `helmCharts` with; default `helm` on PATH. */
  helm?: string;
}

/**
 * `kustomize-build`: renders the kustomization at `path` with the kustomize binary (`kustomize build`, or the
 * kustomize built into kubectl), Helm chart inflation enabled as in Kargo, and writes the result to `outPath`:
 * one file when it ends in `.yaml` or `.yml`, else one file per resource in that directory, named
 * `[namespace-]kind-name.yaml` (`outputFormat: kargo`, the default) or as `kustomize build -o dir/` names them
 * (`kustomize`). `plugin.helm` passes API versions and a Kubernetes version to chart inflation.
 *
 * Every file the kustomization refers to, through its bases and components, must be inside the work directory,
 * and remote bases are refused: kustomize cannot be made to stay in a directory, so the references are checked
 * before it runs. No output.
 */
export function createKustomizeBuildStep(
  options: KustomizeBuildOptions = {},
): PromotionStepRunner<KustomizeBuildConfig> {
  return createPromotionStep({
    name: 'kustomize-build',
    schema: kustomizeBuildConfigSchema,
    async run(context, config) {
      const dir = await resolveInWorkDir(context.workDir, config.path, 'path');
      const outPath = await resolveInWorkDir(
        context.workDir,
        config.outPath,
        'outPath',
      );
      await checkKustomizationRefs(context.workDir, dir);
      const kustomize = await resolveTool({
        name: 'kustomize',
        configKey: 'kargo.promotions.tools.kustomize',
        configured: options.kustomize,
        candidates: [
          { file: 'kustomize', leadingArgs: ['build'] },
          { file: 'kubectl', leadingArgs: ['kustomize'] },
        ],
      }).then(
        (command): ToolCommand =>
          options.kustomize ? { ...command, leadingArgs: ['build'] } : command,
      );
      const helm = options.helm ?? 'helm';
      const helmArgs = [
        ...(config.plugin?.helm?.apiVersions ?? []).flatMap(version => [
          '--helm-api-versions',
          version,
        ]),
        ...(config.plugin?.helm?.kubeVersion
          ? ['--helm-kube-version', config.plugin.helm.kubeVersion]
          : []),
      ];
      const home = await fs.mkdtemp(
        path.join(await fs.realpath(context.workDir), '.kustomize-home-'),
      );
      let rendered: string;
      try {
        ({ stdout: rendered } = await runTool(
          kustomize,
          [
            dir,
            '--load-restrictor',
            'LoadRestrictionsNone',
            '--enable-helm',
            '--helm-command',
            helm,
            ...helmArgs,
          ],
          {
            cwd: context.workDir,
            // Helm keeps its repositories and cache under HOME: one of this promotion's own, removed after.
            env: { HOME: home },
            signal: context.signal,
          },
        ));
      } catch (error) {
        throw new Error(
          `failed to build kustomization ${goQuote(
            config.path,
          )}: ${workDirErrorMessage(error, context.workDir)}`,
          { cause: error },
        );
      } finally {
        await fs.rm(home, { recursive: true, force: true });
      }
      try {
        await writeManifests(rendered, outPath, config.outputFormat ?? 'kargo');
      } catch (error) {
        if (error instanceof TerminalStepError) throw error;
        throw new Error(
          `failed to write built manifests to ${goQuote(
            config.outPath,
          )}: ${workDirErrorMessage(error, context.workDir)}`,
          { cause: error },
        );
      }
      return { status: 'Succeeded' };
    },
  });
}

/** Kinds kustomize knows as cluster-scoped: they carry no namespace in file names. */
const CLUSTER_SCOPED_KINDS = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'RuntimeClass',
  'StorageClass',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

interface Resource {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  clusterScoped: boolean;
  data: unknown;
}

/**
 * Writes rendered manifests as Kargo does: all of them to a `.yaml`/`.yml` file as kustomize printed them, or
 * one file per resource in a directory, keys sorted as Kargo's YAML writer sorts them.
 */
export async function writeManifests(
  rendered: string,
  outPath: string,
  format: 'kargo' | 'kustomize',
): Promise<void> {
  const ext = path.extname(outPath);
  if (ext === '.yaml' || ext === '.yml') {
    await fs.mkdir(path.dirname(outPath), { recursive: true, mode: 0o700 });
    await fs.writeFile(outPath, rendered, { mode: 0o600 });
    return;
  }
  const resources = YAML.parseAllDocuments(rendered)
    .map(doc => doc.toJS({ maxAliasCount: 100 }) as unknown)
    .filter(isRecord)
    .map(resourceOf);
  const namespaces = new Set(
    resources.filter(r => !r.clusterScoped).map(r => r.namespace),
  );
  const multipleNamespaces = namespaces.size > 1;
  await fs.mkdir(outPath, { recursive: true, mode: 0o700 });
  for (const resource of resources) {
    const name =
      format === 'kargo'
        ? kargoFileName(resource)
        : kustomizeFileName(resource, multipleNamespaces);
    checkFileName(name);
    await fs.writeFile(
      path.join(outPath, name),
      stringifySorted(resource.data),
      {
        mode: 0o600,
      },
    );
  }
}

function resourceOf(data: Record<string, unknown>): Resource {
  const metadata = isRecord(data.metadata) ? data.metadata : {};
  const kind = String(data.kind ?? '');
  return {
    apiVersion: String(data.apiVersion ?? ''),
    kind,
    name: String(metadata.name ?? ''),
    namespace: String(metadata.namespace ?? ''),
    clusterScoped: CLUSTER_SCOPED_KINDS.has(kind),
    data,
  };
}

function kargoFileName(resource: Resource): string {
  const { kind, name } = resource;
  const namespace = resource.clusterScoped ? '' : resource.namespace;
  return (
    namespace ? `${namespace}-${kind}-${name}.yaml` : `${kind}-${name}.yaml`
  ).toLowerCase();
}

/** `[namespace_]group_version_kind_name.yaml`, empty parts left out, as kustomize's `-o dir/` names files. */
function kustomizeFileName(
  resource: Resource,
  multipleNamespaces: boolean,
): string {
  const [group, version] = resource.apiVersion.includes('/')
    ? resource.apiVersion.split('/', 2)
    : ['', resource.apiVersion];
  const gvk = [group, version, resource.kind].filter(part => part !== '');
  const base = `${[...gvk, resource.name].join('_')}.yaml`.toLowerCase();
  const namespace = resource.clusterScoped ? '' : resource.namespace;
  return multipleNamespaces && namespace
    ? `${namespace.toLowerCase()}_${base}`
    : base;
}

/** A resource's name must not make its file land elsewhere. */
function checkFileName(name: string): void {
  if (
    name === '' ||
    name === '.' ||
    name === '..' ||
    /[/\\]/.test(name) ||
    path.normalize(name) !== name
  ) {
    throw new TerminalStepError(
      `unsafe generated resource filename ${goQuote(name)}`,
    );
  }
}

function stringifySorted(data: unknown): string {
  return YAML.stringify(data, {
    sortMapEntries: true,
    indentSeq: false,
    lineWidth: 0,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
