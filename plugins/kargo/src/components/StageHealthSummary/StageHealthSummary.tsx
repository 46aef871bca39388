import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { Link } from '@backstage/core-components';
import {
  ApplicationHealth,
  StageHealth,
} from '@kargo-portal/plugin-kargo-common';
import { shortRevision } from '../../lib/stages';
import { PhaseStatus } from '../PhaseStatus';

const useStyles = makeStyles(theme => ({
  apps: {
    listStyle: 'none',
    margin: 0,
    padding: 0,
  },
  app: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    columnGap: theme.spacing(0.5),
    paddingLeft: theme.spacing(1),
    borderLeft: `2px solid ${theme.palette.divider}`,
    marginTop: theme.spacing(0.25),
  },
  name: {
    overflowWrap: 'anywhere',
  },
}));

/** Props of {@link StageHealthSummary}. */
export interface StageHealthSummaryProps {
  stage: string;
  health: StageHealth;
}

/** "Synced at abc1234", "OutOfSync", or nothing when Argo CD reports neither (a missing app). */
function syncText(app: ApplicationHealth): string | undefined {
  const revision = app.revision && shortRevision(app.revision);
  if (app.syncStatus && revision) return `${app.syncStatus} at ${revision}`;
  return app.syncStatus ?? (revision && `at ${revision}`);
}

/** One app of the stage, compact: its health, sync status and revision, and its link. */
function ApplicationLine(props: { app: ApplicationHealth }) {
  const { app } = props;
  const classes = useStyles();
  const sync = syncText(app);
  return (
    <li
      className={classes.app}
      aria-label={`Argo CD application ${app.name}`}
      title={app.message}
    >
      <Typography variant="caption" className={classes.name}>
        {app.name}
      </Typography>
      <PhaseStatus size="small" phase={app.status} />
      {sync && (
        <Typography variant="caption" color="textSecondary">
          {sync}
        </Typography>
      )}
      {app.link && (
        <Typography variant="caption">
          <Link
            to={app.link.url}
            aria-label={`Open ${app.name} in ${app.link.title}`}
          >
            {app.link.title}
          </Link>
        </Typography>
      )}
    </li>
  );
}

/**
 * A stage's health in the card: the status as icon and text ("health Progressing"), with its reason when it is
 * Unhealthy or Unknown (else only as a tooltip: the apps below say it), then each Argo CD application with its own health, sync status, short revision and link.
 */
export function StageHealthSummary(props: StageHealthSummaryProps) {
  const { stage, health } = props;
  const classes = useStyles();
  return (
    <div role="group" aria-label={`Health of ${stage}`}>
      <span title={health.message}>
        <PhaseStatus
          size="small"
          phase={health.status}
          label={`health ${health.status}`}
        />
      </span>
      {health.message &&
        (health.status === 'Unhealthy' || health.status === 'Unknown') && (
          <Typography variant="caption" color="textSecondary" display="block">
            {health.message}
          </Typography>
        )}
      {health.applications.length > 0 && (
        <ul
          className={classes.apps}
          aria-label={`Argo CD applications of ${stage}`}
        >
          {health.applications.map(app => (
            <ApplicationLine
              key={`${app.cluster}/${app.namespace}/${app.name}`}
              app={app}
            />
          ))}
        </ul>
      )}
    </div>
  );
}
