import { Fragment } from 'react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { InfoCard, Link } from '@backstage/core-components';
import { PipelineStage } from '@kargo-portal/plugin-kargo-common';
import { shortRevision, shownHealth } from '../../lib/stages';
import { PhaseStatus } from '../PhaseStatus';
import { RelativeTime } from '../RelativeTime';

/** Props of {@link StageHealthCard}. */
export interface StageHealthCardProps {
  /** The stages shown, in pipeline order; those without health (or without apps) are left out. */
  stages: PipelineStage[];
}

/**
 * The Kargo tab's health table: per stage its health (icon and text, with the reason), and per Argo CD
 * application its cluster and namespace, what it contributes to the stage's health, Argo CD's own health, its
 * sync status and revision, and its link. Renders nothing when no stage has an application to report on.
 */
export function StageHealthCard(props: StageHealthCardProps) {
  const stages = props.stages.flatMap(stage => {
    const health = shownHealth(stage);
    return health ? [{ name: stage.name, health }] : [];
  });
  if (stages.length === 0) return null;
  return (
    <InfoCard
      title="Stage health"
      subheader="From the Argo CD applications of each stage's last promotion"
    >
      <Table
        size="small"
        aria-label="Health of the stages and their Argo CD applications"
      >
        <TableHead>
          <TableRow>
            <TableCell>Stage</TableCell>
            <TableCell>Application</TableCell>
            <TableCell>Health</TableCell>
            <TableCell>Sync</TableCell>
            <TableCell>Revision</TableCell>
            <TableCell>Link</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {stages.map(({ name, health }) => (
            <Fragment key={name}>
              <TableRow aria-label={`Health of ${name}`}>
                <TableCell component="th" scope="row">
                  <Typography variant="subtitle2" component="span">
                    {name}
                  </Typography>
                </TableCell>
                <TableCell colSpan={5}>
                  <PhaseStatus
                    phase={health.status}
                    label={`health ${health.status}`}
                  />
                  {health.message && (
                    <Typography variant="body2" color="textSecondary">
                      {health.message}
                    </Typography>
                  )}
                  {health.updatedAt && (
                    <Typography variant="caption" color="textSecondary">
                      {health.status} since{' '}
                      <RelativeTime value={health.updatedAt} />
                    </Typography>
                  )}
                </TableCell>
              </TableRow>
              {health.applications.map(app => (
                <TableRow
                  key={`${app.cluster}/${app.namespace}/${app.name}`}
                  aria-label={`Argo CD application ${app.name} of ${name}`}
                >
                  <TableCell />
                  <TableCell>
                    <Typography variant="body2">{app.name}</Typography>
                    <Typography variant="caption" color="textSecondary">
                      {app.cluster} · {app.namespace}
                    </Typography>
                  </TableCell>
                  <TableCell title={app.message}>
                    <PhaseStatus size="small" phase={app.status} />
                    {app.healthStatus && app.healthStatus !== app.status && (
                      <Typography
                        variant="caption"
                        color="textSecondary"
                        display="block"
                      >
                        Argo CD: {app.healthStatus}
                      </Typography>
                    )}
                    {app.message && (
                      <Typography
                        variant="caption"
                        color="textSecondary"
                        display="block"
                      >
                        {app.message}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>{app.syncStatus ?? '—'}</TableCell>
                  <TableCell>
                    {app.revision ? (
                      <span title={app.revision}>
                        {shortRevision(app.revision)}
                      </span>
                    ) : (
                      '—'
                    )}
                  </TableCell>
                  <TableCell>
                    {app.link ? (
                      <Link
                        to={app.link.url}
                        aria-label={`Open ${app.name} in ${app.link.title}`}
                      >
                        {app.link.title}
                      </Link>
                    ) : (
                      '—'
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </Fragment>
          ))}
        </TableBody>
      </Table>
    </InfoCard>
  );
}
