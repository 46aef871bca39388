import { EmptyState, WarningPanel } from '@backstage/core-components';
import { KARGO_PROJECT_ANNOTATION } from '@kargo-portal/plugin-kargo-common';
import { classifyError, errorMessage } from '../../lib/errors';
import { DefinitionSources } from '../DefinitionSources';

/** Props of {@link ProjectLoadError}. */
export interface ProjectLoadErrorProps {
  project: string;
  error: Error;
}

/**
 * What to show when the project's data cannot be loaded: an unknown project (and where projects are defined), a
 * backend that cannot be reached (and what to check), a denied read, or the error itself.
 */
export function ProjectLoadError(props: ProjectLoadErrorProps) {
  const { project, error } = props;
  switch (classifyError(error)) {
    case 'not-found':
      return (
        <EmptyState
          missing="data"
          title={`Kargo project "${project}" not found`}
          description={`Check the ${KARGO_PROJECT_ANNOTATION} annotation of this entity, or define the project: its manifests (kind: Project, Warehouse, Stage) are loaded from the locations under kargo.definitions in app-config.yaml, or created through POST /api/kargo/projects.`}
          action={<DefinitionSources project={project} />}
        />
      );
    case 'unreachable':
      return (
        <WarningPanel
          severity="error"
          title="Kargo backend unreachable"
          message={`The portal could not reach the Kargo backend (/api/kargo): ${errorMessage(
            error,
          )}. Check that the backend is running and has the plugin installed: backend.add(import('@kargo-portal/plugin-kargo-backend')) in packages/backend/src/index.ts.`}
        />
      );
    case 'forbidden':
      return (
        <WarningPanel
          severity="warning"
          title={`You may not see Kargo project "${project}"`}
          message={`${errorMessage(
            error,
          )}. Reading a project needs the permission kargo.project.read; ask the portal's administrators.`}
        />
      );
    default:
      return (
        <WarningPanel
          severity="error"
          title={`Could not load Kargo project "${project}"`}
          message={errorMessage(error)}
        />
      );
  }
}
