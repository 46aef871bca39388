import fs from 'node:fs/promises';
import path from 'node:path';
import yaml from 'yaml';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import { readArgoCdSettings } from '@kargo-portal/plugin-kargo-node';
import { parseActionInput } from '../parseInput';
import { examples } from './createApplicationSet.examples';
import {
  APPLICATION_SET_FIELD_MANAGER,
  applyApplicationSet,
  unknownCluster,
} from './applyApplicationSet';
import {
  GeneratorParams,
  gitDirectoryParams,
  listDirectories,
  selectDirectories,
} from './argoCdTemplate';
import {
  ApplicationSetSpec,
  renderApplications,
  renderApplicationSet,
} from './renderApplicationSet';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = 'must be a lowercase DNS-1123 label';

const inputSchema = z.object({
  name: z
    .string()
    .max(253)
    .regex(dnsSubdomain, 'must be a lowercase DNS-1123 subdomain')
    .describe('Name of the ApplicationSet'),
  target: z
    .enum(['cluster', 'workspace'])
    .optional()
    .describe(
      'Apply to the cluster, or write the manifest into the workspace (to publish with a GitOps repository)',
    ),
  cluster: z
    .string()
    .optional()
    .describe(
      'Cluster Argo CD runs on, as configured in kargo.argocd.clusters or kubernetes.clusterLocatorMethods. Default: kargo.argocd.defaultCluster. Only with target "cluster"',
    ),
  namespace: z
    .string()
    .regex(dnsLabel, DNS_LABEL)
    .optional()
    .describe(
      "Argo CD's namespace, where the ApplicationSet goes. Default: kargo.argocd.namespace (argocd)",
    ),
  targetPath: z
    .string()
    .optional()
    .describe(
      'Workspace path of the manifest with target "workspace". Default: argocd/<name>.yaml',
    ),
  kargoProject: z
    .string()
    .regex(dnsLabel, DNS_LABEL)
    .describe('Kargo project whose stages may update the Applications'),
  stage: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Kargo stage of each Application, a template: default "{{stage}}" for a list generator, "{{path.basename}}" for Git directories',
    ),
  generator: z
    .object({
      list: z
        .object({
          elements: z
            .array(
              z.record(
                z.string().regex(/^[A-Za-z0-9_.-]+$/, 'invalid key'),
                z.string(),
              ),
            )
            .min(1),
        })
        .strict()
        .optional()
        .describe('List generator: one Application per element'),
      git: z
        .object({
          repoURL: z.string().min(1),
          revision: z.string().min(1).optional().describe('Default: HEAD'),
          directories: z
            .array(
              z
                .object({
                  path: z.string().min(1),
                  exclude: z.boolean().optional(),
                })
                .strict(),
            )
            .min(1),
          workspacePath: z
            .string()
            .optional()
            .describe(
              'Where the repository content is in the workspace, to list the Applications it will generate. Default: the workspace root',
            ),
        })
        .strict()
        .optional()
        .describe(
          'Git directory generator: one Application per matching directory',
        ),
    })
    .strict()
    .describe('Exactly one of list and git'),
  application: z
    .object({
      name: z
        .string()
        .min(1)
        .optional()
        .describe('Template of the names. Default: <name>-<stage>'),
      project: z
        .string()
        .min(1)
        .optional()
        .describe('Argo CD project. Default: default'),
      source: z
        .object({
          repoURL: z
            .string()
            .min(1)
            .optional()
            .describe(
              "Default: the Git generator's repoURL (required with a list generator)",
            ),
          targetRevision: z.string().min(1).optional(),
          path: z
            .string()
            .min(1)
            .optional()
            .describe(
              'Path of the Kustomize (or plain) directory or the Helm chart, a template. Default: "{{path}}" with Git directories',
            ),
          helm: z
            .object({ valueFiles: z.array(z.string().min(1)).min(1) })
            .strict()
            .optional()
            .describe('Helm value files (templates)'),
        })
        .strict()
        .optional(),
      destination: z
        .object({
          server: z.string().url().optional(),
          name: z.string().min(1).optional(),
          namespace: z
            .string()
            .min(1)
            .describe('Namespace pattern, e.g. "guestbook-{{path.basename}}"'),
        })
        .strict(),
      syncPolicy: z
        .object({
          automated: z
            .object({
              prune: z.boolean().optional(),
              selfHeal: z.boolean().optional(),
            })
            .strict()
            .optional(),
          createNamespace: z.boolean().optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
});

/**
 * `argocd:applicationset:create` server-side applies an Argo CD ApplicationSet, whose Applications Kargo stages
 * may update, in a configured cluster's Argo CD namespace, or writes it into the workspace.
 *
 * @public
 */
export function createArgoCdApplicationSetAction(options: { config: Config }) {
  const settings = readArgoCdSettings(options.config);
  return createTemplateAction({
    id: 'argocd:applicationset:create',
    description: `Applies an Argo CD ApplicationSet (server-side apply, field manager "${APPLICATION_SET_FIELD_MANAGER}") in a configured cluster's Argo CD namespace, or writes it into the workspace. A list or Git directory generator; each Application is annotated kargo.akuity.io/authorized-stage: <project>:<stage> so that Kargo stages can update it.`,
    examples,
    supportsDryRun: true,
    schema: {
      input: () => inputSchema,
      output: {
        name: () => z.string().describe('Name of the ApplicationSet'),
        namespace: () => z.string().describe('Its namespace'),
        cluster: () =>
          z.string().optional().describe('Cluster it was applied to'),
        path: () =>
          z.string().optional().describe('Workspace path of the manifest'),
        manifest: () => z.string().describe('The ApplicationSet, as YAML'),
        applications: () =>
          z
            .array(
              z.object({
                name: z.string(),
                stage: z.string(),
                authorizedStage: z.string(),
                destinationNamespace: z.string(),
                path: z.string(),
              }),
            )
            .describe('The Applications it will generate'),
      },
    },
    async handler(ctx) {
      const input = parseActionInput(
        'argocd:applicationset:create',
        inputSchema,
        ctx.input,
      );
      const { list, git } = input.generator;
      const target = input.target ?? 'cluster';
      if ((list ? 1 : 0) + (git ? 1 : 0) !== 1) {
        throw new InputError('generator: set exactly one of "list" and "git"');
      }
      if (target === 'workspace' && input.cluster !== undefined) {
        throw new InputError(
          'cluster: only with target "cluster"; target "workspace" writes the manifest into the workspace',
        );
      }
      if (target === 'cluster' && input.targetPath !== undefined) {
        throw new InputError('targetPath: only with target "workspace"');
      }
      const { destination } = input.application;
      const source = input.application.source ?? {};
      const revision = git?.revision ?? 'HEAD';
      if (destination.server !== undefined && destination.name !== undefined) {
        throw new InputError(
          'application.destination: set "server" or "name", not both',
        );
      }
      const repoURL = source.repoURL ?? git?.repoURL;
      if (!repoURL) {
        throw new InputError(
          'application.source.repoURL: required with a list generator',
        );
      }
      const sourcePath = source.path ?? (git ? '{{path}}' : undefined);
      if (!sourcePath) {
        throw new InputError(
          'application.source.path: required with a list generator',
        );
      }
      const { syncPolicy } = input.application;
      const stage = input.stage ?? (git ? '{{path.basename}}' : '{{stage}}');
      const spec: ApplicationSetSpec = {
        name: input.name,
        namespace: input.namespace ?? settings.namespace,
        kargoProject: input.kargoProject,
        stage,
        generator: git
          ? {
              kind: 'git',
              repoURL: git.repoURL,
              revision,
              directories: git.directories,
            }
          : { kind: 'list', elements: list?.elements ?? [] },
        application: {
          name: input.application.name ?? `${input.name}-${stage}`,
          project: input.application.project ?? 'default',
          source: {
            repoURL,
            targetRevision: source.targetRevision ?? revision,
            path: sourcePath,
            helmValueFiles: source.helm?.valueFiles,
          },
          destination: {
            ...(destination.name !== undefined
              ? { name: destination.name }
              : {
                  server:
                    destination.server ?? 'https://kubernetes.default.svc',
                }),
            namespace: destination.namespace,
          },
          syncPolicy: syncPolicy && {
            ...(syncPolicy.automated && {
              automated: {
                prune: syncPolicy.automated.prune ?? false,
                selfHeal: syncPolicy.automated.selfHeal ?? false,
              },
            }),
            createNamespace: syncPolicy.createNamespace ?? false,
          },
        },
      };

      let parameterSets: GeneratorParams[] = list?.elements ?? [];
      if (git) {
        const workspaceDir = git.workspacePath ?? '.';
        const root = resolveSafeChildPath(ctx.workspacePath, workspaceDir);
        const directories = await listDirectories(root).catch(error => {
          throw new InputError(
            `generator.git.workspacePath: cannot list the directories of "${workspaceDir}" in the workspace: ${error.message}`,
          );
        });
        const selected = selectDirectories(directories, git.directories);
        if (selected.length === 0) {
          throw new InputError(
            `generator.git.directories: no directory of the workspace's "${workspaceDir}" matches ${git.directories
              .filter(d => !d.exclude)
              .map(d => `"${d.path}"`)
              .join(
                ', ',
              )}, so the ApplicationSet would generate no Application`,
          );
        }
        parameterSets = selected.map(gitDirectoryParams);
      }
      const applications = renderApplications(spec, parameterSets);
      const manifest = renderApplicationSet(spec);
      const text = yaml.stringify(manifest);
      const summary = applications
        .map(app => `${app.name} (${app.authorizedStage})`)
        .join(', ');

      ctx.output('name', spec.name);
      ctx.output('namespace', spec.namespace);
      ctx.output('manifest', text);
      ctx.output('applications', applications);

      if (target === 'workspace') {
        const targetPath = input.targetPath ?? `argocd/${spec.name}.yaml`;
        const file = resolveSafeChildPath(ctx.workspacePath, targetPath);
        if (!ctx.isDryRun) {
          await fs.mkdir(path.dirname(file), { recursive: true });
          await fs.writeFile(file, text, 'utf8');
        }
        ctx.logger.info(
          `${ctx.isDryRun ? 'Dry run: would write' : 'Wrote'} ApplicationSet ${
            spec.name
          } to ${targetPath}; it generates ${summary}`,
        );
        ctx.output('path', targetPath);
        return;
      }

      const cluster = input.cluster ?? settings.defaultCluster;
      if (cluster === undefined) {
        throw new InputError(
          settings.clusters.size === 0
            ? 'cluster: no Argo CD cluster is configured (kargo.argocd.clusters or kubernetes.clusterLocatorMethods); use target "workspace"'
            : `cluster: required, as kargo.argocd.defaultCluster is not set (clusters: ${[
                ...settings.clusters.keys(),
              ].join(', ')})`,
        );
      }
      if (!settings.clusters.has(cluster)) {
        throw new InputError(unknownCluster(settings, cluster));
      }
      ctx.output('cluster', cluster);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would apply ApplicationSet ${spec.namespace}/${spec.name} on cluster "${cluster}"; it generates ${summary}`,
        );
        return;
      }
      const result = await applyApplicationSet({
        settings,
        cluster,
        manifest,
        signal: ctx.signal,
      });
      ctx.logger.info(
        `${result.created ? 'Created' : 'Applied'} ApplicationSet ${
          spec.namespace
        }/${spec.name} on cluster "${cluster}"; it generates ${summary}`,
      );
    },
  });
}
