import { z } from 'zod';
import { createPermissionRule } from '@backstage/plugin-permission-node';
import { matchesFilter } from './filter';
import { kargoProjectResourceRef, kargoStageResourceRef } from './resources';

const projectsParams = z.object({
  projects: z.array(z.string()).describe('Names of Kargo projects'),
});
const claimsParams = z.object({
  claims: z
    .array(z.string())
    .describe('Entity refs of the user and their groups'),
});
const IS_IN_PROJECT = {
  name: 'IS_IN_PROJECT',
  description: 'Allow the Kargo projects named here, or their stages',
};
const IS_PROJECT_OWNER = {
  name: 'IS_PROJECT_OWNER',
  description:
    'Allow when one of the claims (the user or one of their groups) owns a catalog entity annotated with the Kargo project',
};

/** Rules of the `kargo-project` resource type. @public */
export const kargoProjectRules = {
  isInProject: createPermissionRule({
    ...IS_IN_PROJECT,
    resourceRef: kargoProjectResourceRef,
    paramsSchema: projectsParams,
    apply: (resource, { projects }) =>
      matchesFilter({ key: 'project', values: projects }, resource),
    toQuery: ({ projects }) => ({ key: 'project', values: projects }),
  }),
  isProjectOwner: createPermissionRule({
    ...IS_PROJECT_OWNER,
    resourceRef: kargoProjectResourceRef,
    paramsSchema: claimsParams,
    apply: (resource, { claims }) =>
      matchesFilter({ key: 'owner', values: claims }, resource),
    toQuery: ({ claims }) => ({ key: 'owner', values: claims }),
  }),
};

/** Rules of the `kargo-stage` resource type. @public */
export const kargoStageRules = {
  isInProject: createPermissionRule({
    ...IS_IN_PROJECT,
    resourceRef: kargoStageResourceRef,
    paramsSchema: projectsParams,
    apply: (resource, { projects }) =>
      matchesFilter({ key: 'project', values: projects }, resource),
    toQuery: ({ projects }) => ({ key: 'project', values: projects }),
  }),
  isProjectOwner: createPermissionRule({
    ...IS_PROJECT_OWNER,
    resourceRef: kargoStageResourceRef,
    paramsSchema: claimsParams,
    apply: (resource, { claims }) =>
      matchesFilter({ key: 'owner', values: claims }, resource),
    toQuery: ({ claims }) => ({ key: 'owner', values: claims }),
  }),
  isStage: createPermissionRule({
    name: 'IS_STAGE',
    description:
      'Allow stages whose name is one of these; "*" and "?" make a value a glob (e.g. "prod*")',
    resourceRef: kargoStageResourceRef,
    paramsSchema: z.object({
      stages: z.array(z.string()).describe('Stage names or globs'),
    }),
    apply: (resource, { stages }) =>
      matchesFilter({ key: 'stage', values: stages }, resource),
    toQuery: ({ stages }) => ({ key: 'stage', values: stages }),
  }),
};
