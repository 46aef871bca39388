import Typography from '@material-ui/core/Typography';
import { FreightRecord } from '@kargo-portal/plugin-kargo-common';
import { artifactSummary } from '../../lib/artifacts';

/** A freight as people name it: its alias and the versions it carries. */
export function FreightLabel(props: {
  freight: FreightRecord;
  variant?: 'body2' | 'caption';
}) {
  const versions = artifactSummary(props.freight);
  return (
    <Typography
      variant={props.variant ?? 'body2'}
      component="span"
      title={props.freight.id}
    >
      <strong>{props.freight.alias}</strong>
      {versions ? ` (${versions})` : ''}
    </Typography>
  );
}
