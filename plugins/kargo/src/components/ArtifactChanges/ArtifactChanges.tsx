import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { FreightRecord } from '@kargo-portal/plugin-kargo-common';
import { artifactChanges } from '../../lib/artifacts';

/** What promoting `chosen` changes in a stage running `current`: each artifact's version before and after. */
export function ArtifactChanges(props: {
  current?: FreightRecord;
  chosen: FreightRecord;
}) {
  const rows = artifactChanges(props.current, props.chosen);
  if (props.current?.id === props.chosen.id) {
    return (
      <Typography variant="body2" color="textSecondary">
        The stage already runs {props.chosen.alias}: promoting it again changes
        no version.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="What changes">
      <TableHead>
        <TableRow>
          <TableCell>Artifact</TableCell>
          <TableCell>Current ({props.current?.alias ?? 'none'})</TableCell>
          <TableCell>Chosen ({props.chosen.alias})</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map(row => (
          <TableRow key={row.key} data-changed={row.changed}>
            <TableCell>
              <Typography variant="caption" color="textSecondary">
                {row.kind}
              </Typography>{' '}
              {row.source}
            </TableCell>
            <TableCell>{row.current ?? '—'}</TableCell>
            <TableCell>
              {row.changed ? <strong>{row.chosen ?? '—'}</strong> : row.chosen}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
