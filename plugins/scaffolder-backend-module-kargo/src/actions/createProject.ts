import fs from 'node:fs/promises';
import path from 'node:path';
import yaml from 'yaml';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { examples } from './createProject.examples';
import { renderProject } from './renderProject';

const dnsName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * `kargo:project:create` writes the Kargo manifests (Project, Warehouse, Stages) of a new service into the
 * workspace, ready to be published with the rest of the template's output.
 *
 * @public
 */
export function createKargoProjectAction() {
  return createTemplateAction({
    id: 'kargo:project:create',
    description:
      'Writes the Kargo manifests of a new project: a Project, a Warehouse subscribed to the image and/or Git repository, and a linear pipeline of Stages.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        project: z =>
          z
            .string()
            .regex(dnsName, 'must be a lowercase DNS-1123 label')
            .max(63)
            .describe('Name of the Kargo project'),
        stages: z =>
          z
            .array(
              z.string().regex(dnsName, 'must be a lowercase DNS-1123 label'),
            )
            .min(1)
            .default(['dev', 'staging', 'prod'])
            .describe('Stages in promotion order'),
        warehouse: z =>
          z
            .string()
            .regex(dnsName, 'must be a lowercase DNS-1123 label')
            .default('main')
            .describe('Name of the Warehouse'),
        image: z =>
          z
            .object({
              repoURL: z.string().min(1).describe('Image repository'),
              constraint: z
                .string()
                .optional()
                .describe('SemVer constraint of the tags to promote'),
            })
            .optional()
            .describe('Container image the warehouse subscribes to'),
        git: z =>
          z
            .object({
              repoURL: z.string().min(1).describe('Git repository URL'),
              branch: z.string().min(1).default('main'),
            })
            .optional()
            .describe('Git repository the warehouse subscribes to'),
        owners: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              'Catalog entity refs owning the project (users, groups, or entities whose owners own it), e.g. group:default/team-a; written to the Project annotation kargo-portal/owners',
            ),
        targetPath: z =>
          z
            .string()
            .default('kargo/project.yaml')
            .describe('Workspace path of the manifest file to write'),
      },
      output: {
        path: z => z.string().describe('Workspace path of the written file'),
        project: z => z.string().describe('Name of the Kargo project'),
      },
    },
    async handler(ctx) {
      const { project, stages, warehouse, image, git, targetPath } = ctx.input;
      // Empty entries (an optional form field left blank) name nobody.
      const owners = (ctx.input.owners ?? [])
        .map(o => o.trim())
        .filter(Boolean);
      if (!image && !git) {
        throw new InputError(
          'kargo:project:create: set "image" or "git" (or both): the warehouse needs at least one subscription',
        );
      }
      if (new Set(stages).size !== stages.length) {
        throw new InputError(
          `kargo:project:create: "stages" lists a stage twice: ${stages.join(
            ', ',
          )}`,
        );
      }
      const manifests = renderProject({
        project,
        stages,
        warehouse,
        image,
        git,
        owners,
      });
      const text = manifests.map(m => yaml.stringify(m)).join('---\n');
      // Whatever we write must load back in the portal unchanged.
      parseManifests({ source: targetPath, text });

      // Only the workspace is touched, so a dry run writes too and the template editor shows the file.
      const file = resolveSafeChildPath(ctx.workspacePath, targetPath);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, text, 'utf8');
      ctx.logger.info(
        `Wrote Kargo project ${project} (${stages.join(
          ' -> ',
        )}) to ${targetPath}`,
      );
      ctx.output('path', targetPath);
      ctx.output('project', project);
    },
  });
}
