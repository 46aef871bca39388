import { useCallback } from 'react';
import Box from '@material-ui/core/Box';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { kargoApiRef } from '../../api';
import { useLoader } from '../../hooks/useLoader';

/**
 * Where projects come from, for an unknown project: the manifest sources of `kargo.definitions` and their last
 * errors (a project whose manifests fail to validate is not loaded). Shows nothing when they cannot be loaded:
 * it only helps to explain another error.
 */
export function DefinitionSources(props: { project: string }) {
  const api = useApi(kargoApiRef);
  const load = useCallback(() => api.listDefinitionSources(), [api]);
  const { value, loading, error } = useLoader(load, 'definition-sources');
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
