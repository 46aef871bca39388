import Box from '@material-ui/core/Box';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import {
  CodeSnippet,
  EmptyState,
  Progress,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import {
  KARGO_PROJECT_ANNOTATION,
  KARGO_WAREHOUSES_ANNOTATION,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { classifyError, errorMessage } from '../../lib/errors';

/** The entity names no Kargo project: how to name one. */
export function MissingProjectAnnotation() {
  return (
    <EmptyState
      missing="field"
      title="No Kargo project"
      description={`Add the ${KARGO_PROJECT_ANNOTATION} annotation to this entity's catalog-info.yaml to see its promotion pipeline.`}
      action={
        <CodeSnippet
          language="yaml"
          text={`metadata:
  annotations:
    ${KARGO_PROJECT_ANNOTATION}: my-project
    # optional: only the stages fed by these warehouses
    # ${KARGO_WAREHOUSES_ANNOTATION}: my-warehouse`}
        />
      }
    />
  );
}

/** The project has no stage to show: none at all, or none fed by the warehouses the entity names. */
export function NoStages(props: {
  project: string;
  narrowTo?: string[];
  warehouses: string[];
}) {
  const { project, narrowTo, warehouses } = props;
  return (
    <EmptyState
      missing="data"
      title="No stages"
      description={
        narrowTo
          ? `No stage of Kargo project "${project}" takes freight from ${narrowTo.join(
              ', ',
            )}: check the ${KARGO_WAREHOUSES_ANNOTATION} annotation against the project's warehouses (${
              warehouses.join(', ') || 'none'
            }).`
          : `Kargo project "${project}" has no stages yet: add Stage manifests to it.`
      }
    />
  );
}

/**
 * Where projects come from, for an unknown project: the manifest sources of `kargo.definitions` and their last
 * errors (a project whose manifests fail to validate is not loaded).
 */
function DefinitionSources(props: { project: string }) {
  const api = useApi(kargoApiRef);
  const { value, loading, error } = useAsync(
    () => api.listDefinitionSources(),
    [api],
  );
  if (loading) return <Progress />;
  if (error || !value) return null;
  const failing = value.items.filter(s => s.lastError);
  return (
    <Box mt={2} textAlign="left">
      <Typography variant="subtitle2">
        Manifest sources ({value.items.length})
      </Typography>
      <List dense aria-label="Kargo manifest sources">
        {value.items.map(source => (
          <ListItem key={source.key} disableGutters>
            <ListItemText
              primary={`${source.kind}: ${source.target}`}
              secondary={
                source.lastError
                  ? `Last error: ${source.lastError}`
                  : `Projects: ${source.projects.join(', ') || 'none'}`
              }
              secondaryTypographyProps={
                source.lastError ? { color: 'error' } : undefined
              }
            />
          </ListItem>
        ))}
      </List>
      {failing.length > 0 && (
        <Typography variant="body2">
          A source that fails to validate keeps its last good version; fix the
          error above if it should define "{props.project}".
        </Typography>
      )}
    </Box>
  );
}

/**
 * What to show when the project's data cannot be loaded: an unknown project (and where projects are defined), a
 * backend that cannot be reached (and what to check), a denied read, or the error itself.
 */
export function ProjectLoadError(props: { project: string; error: Error }) {
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
