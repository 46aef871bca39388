import { useCallback } from 'react';
import Box from '@material-ui/core/Box';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type { ManifestNote } from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useLoader } from '../../hooks/useLoader';

/** Notes a user should act on: refused documents, deprecated fields, warnings. */
const ACTIONABLE: ReadonlyArray<ManifestNote['level']> = [
  'refused',
  'deprecated',
  'warning',
];

function describeNote(note: ManifestNote): string {
  const what = [note.kind, note.name].filter(Boolean).join(' ');
  const where = `document ${note.document}${what ? ` (${what})` : ''}`;
  return `${note.level}: ${where}${note.path ? `: ${note.path}` : ''}: ${
    note.message
  }`;
}

/** The notes of a source: actionable ones in full, kept and skipped documents counted. */
function SourceNotes(props: { notes?: ManifestNote[] }) {
  const notes = props.notes ?? [];
  if (notes.length === 0) return null;
  const actionable = notes.filter(n => ACTIONABLE.includes(n.level));
  const kept = notes.filter(n => n.level === 'kept').length;
  const skipped = notes.filter(n => n.level === 'skipped').length;
  return (
    <>
      {actionable.map(note => (
        <Typography
          key={`${note.document}:${note.path}:${note.level}`}
          variant="body2"
          color={note.level === 'refused' ? 'error' : 'textSecondary'}
          component="span"
          display="block"
        >
          {describeNote(note)}
        </Typography>
      ))}
      {kept + skipped > 0 && (
        <Typography variant="caption" component="span" display="block">
          {[
            kept > 0 ? `${kept} AnalysisTemplate(s) kept for verification` : '',
            skipped > 0 ? `${skipped} document(s) of other kinds skipped` : '',
          ]
            .filter(Boolean)
            .join('; ')}
        </Typography>
      )}
    </>
  );
}

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
                <>
                  {source.lastError
                    ? `Last error: ${source.lastError}`
                    : `Projects: ${source.projects.join(', ') || 'none'}`}
                  <SourceNotes notes={source.notes} />
                </>
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
