import { NotFoundError } from '@backstage/errors';
import { StageManifest } from '@kargo-portal/plugin-kargo-common';
import {
  DefinitionCatalog,
  ProjectDefinition,
} from '../definitions/DefinitionCatalog';
import { DefinitionService } from '../definitions/DefinitionService';

/** What the services read of the loaded definitions. */
export type DefinitionsReader = Pick<DefinitionService, 'getCatalog'>;

export function requireProject(
  catalog: DefinitionCatalog,
  name: string,
): ProjectDefinition {
  const project = catalog.getProject(name);
  if (!project) throw new NotFoundError(`Kargo project "${name}" not found`);
  return project;
}

export function requireStage(
  project: ProjectDefinition,
  name: string,
): StageManifest {
  const stage = project.stages.find(s => s.metadata.name === name);
  if (!stage) {
    throw new NotFoundError(
      `Stage "${name}" not found in Kargo project "${project.name}"`,
    );
  }
  return stage;
}

/** The project as the definitions hold it now; a `NotFoundError` when there is none. */
export async function loadProject(
  definitions: DefinitionsReader,
  name: string,
): Promise<ProjectDefinition> {
  return requireProject(await definitions.getCatalog(), name);
}
