import { makeStyles } from '@material-ui/core/styles';
import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';

const components: Record<string, typeof StatusOK> = {
  Succeeded: StatusOK,
  Successful: StatusOK,
  Verified: StatusOK,
  Healthy: StatusOK,
  Failed: StatusError,
  Errored: StatusError,
  Error: StatusError,
  Degraded: StatusError,
  Unhealthy: StatusError,
  Aborted: StatusAborted,
  Skipped: StatusAborted,
  NotApplicable: StatusAborted,
  Suspended: StatusAborted,
  Missing: StatusError,
  Pending: StatusPending,
  Running: StatusRunning,
  Progressing: StatusRunning,
};

const useStyles = makeStyles(theme => ({
  root: {
    display: 'inline-flex',
  },
  small: {
    fontSize: theme.typography.caption.fontSize,
    // The status components render their own body1 Typography.
    '& > span': {
      fontSize: 'inherit',
      lineHeight: 'inherit',
    },
  },
}));

/**
 * A phase or status (promotion, step, verification, health) with the portal's status icon: green for success,
 * red for failures, grey for aborted or skipped, and the running and pending icons; unknown values warn. The
 * portal's status components hide themselves from assistive technology; the label is given back here.
 */
export function PhaseStatus(props: {
  phase: string;
  label?: string;
  size?: 'small';
}) {
  const classes = useStyles();
  const Status = components[props.phase] ?? StatusWarning;
  const label = props.label ?? props.phase;
  return (
    <span
      role="img"
      aria-label={label}
      className={
        props.size === 'small'
          ? `${classes.root} ${classes.small}`
          : classes.root
      }
    >
      <Status>{label}</Status>
    </span>
  );
}
