import fs from 'node:fs/promises';
import path from 'node:path';
import yaml from 'yaml';
import {
  AuthService,
  DiscoveryService,
  resolveSafeChildPath,
} from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ManifestError,
  parseManifests,
} from '@kargo-portal/plugin-kargo-common';
import { z } from 'zod/v3';
import { parseActionInput } from '../parseInput';
import { examples } from './createProject.examples';
import { projectInputSchema } from './projectInput';
import { registerProject } from './registerProject';
import { renderProject } from './renderProject';

const ACTION = 'kargo:project:create';

/**
 * `kargo:project:create` makes a new service's Kargo project (Project, ProjectConfig, Warehouses, PromotionTasks,
 * Stages), validated with the backend's own manifest schemas: registered with the Kargo backend on behalf of the
 * user running the template, and/or written into the workspace to publish.
 *
 * @public
 */
export function createKargoProjectAction(options: {
  auth: AuthService;
  discovery: DiscoveryService;
  config: Config;
}) {
  const appBaseUrl = options.config
    .getOptionalString('app.baseUrl')
    ?.replace(/\/+$/, '');
  return createTemplateAction({
    id: ACTION,
    description:
      'Creates a Kargo project (Project, ProjectConfig, Warehouses, PromotionTasks, Stages with their promotion steps), registered with the Kargo backend on behalf of the user running the template (kargo.project.create) and/or written into the workspace. A re-run updates the project this template created; any other project of that name is a conflict.',
    examples,
    supportsDryRun: true,
    schema: {
      input: () => projectInputSchema,
      output: {
        project: () => z.string().describe('Name of the Kargo project'),
        result: () =>
          z
            .enum(['created', 'updated', 'dry-run', 'written'])
            .describe('What happened to the project in the Kargo backend'),
        path: () =>
          z
            .string()
            .optional()
            .describe('Workspace path of the manifests, when written'),
        manifests: () =>
          z.string().describe('The manifests, as multi-document YAML'),
        url: () =>
          z
            .string()
            .optional()
            .describe(
              "The project's page in the portal: the Kargo tab of the entity given as entityRef",
            ),
      },
    },
    async handler(ctx) {
      const input = parseActionInput(ACTION, projectInputSchema, ctx.input);
      const register = input.register ?? true;
      if (!register && input.targetPath === undefined) {
        throw new InputError(
          'register: false needs a targetPath, or the project goes nowhere',
        );
      }
      const template = ctx.templateInfo?.entityRef;
      if (register && !template) {
        throw new InputError(
          'register: the task runs no catalog template (no template entity ref), so the project could not be told apart from projects made otherwise on a re-run',
        );
      }
      const manifests = renderProject(input, template);
      const text = manifests.map(m => yaml.stringify(m)).join('---\n');
      try {
        // The backend's own schemas: what they refuse, the API would refuse too.
        parseManifests({ source: 'manifests', text });
      } catch (error) {
        if (error instanceof ManifestError) {
          throw new InputError(
            `${ACTION}: the manifests made from the input are not valid: ${error.message}`,
          );
        }
        throw error;
      }
      ctx.output('project', input.project);
      ctx.output('manifests', text);
      if (input.entityRef !== undefined) {
        const url = entityPageUrl(appBaseUrl, input.entityRef);
        if (url) ctx.output('url', url);
      }

      let file: string | undefined;
      if (input.targetPath !== undefined) {
        file = resolveSafeChildPath(ctx.workspacePath, input.targetPath);
        ctx.output('path', input.targetPath);
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would ${register ? 'register' : 'write'} Kargo project ${
            input.project
          } (${input.stages.map(s => s.name).join(', ')})`,
        );
        ctx.output('result', 'dry-run');
        return;
      }
      if (file) {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, text, 'utf8');
        ctx.logger.info(
          `Wrote Kargo project ${input.project} to ${input.targetPath}`,
        );
      }
      if (!register || !template) {
        ctx.output('result', 'written');
        return;
      }
      const { result } = await registerProject({
        auth: options.auth,
        discovery: options.discovery,
        credentials: await ctx.getInitiatorCredentials(),
        project: input.project,
        manifests: text,
        template,
      });
      ctx.logger.info(
        `${result === 'created' ? 'Created' : 'Updated'} Kargo project ${
          input.project
        } in the Kargo backend`,
      );
      ctx.output('result', result);
    },
  });
}

/** The entity's Kargo tab, `<app.baseUrl>/catalog/<namespace>/<kind>/<name>/kargo`. */
function entityPageUrl(
  appBaseUrl: string | undefined,
  entityRef: string,
): string | undefined {
  let ref;
  try {
    ref = parseEntityRef(entityRef, { defaultKind: 'component' });
  } catch (error) {
    throw new InputError(
      `entityRef: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!appBaseUrl) return undefined;
  return `${appBaseUrl}/catalog/${encodeURIComponent(
    ref.namespace,
  )}/${encodeURIComponent(
    ref.kind.toLocaleLowerCase('en-US'),
  )}/${encodeURIComponent(ref.name)}/kargo`;
}
