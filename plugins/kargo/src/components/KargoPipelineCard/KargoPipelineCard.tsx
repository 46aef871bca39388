import { Fragment } from 'react';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ArrowForwardIcon from '@material-ui/icons/ArrowForward';
import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { ResponseError } from '@backstage/errors';
import {
  FreightRecord,
  KARGO_PROJECT_ANNOTATION,
  PipelineStage,
} from '@kargo-portal/plugin-kargo-common';
import { usePipeline } from './usePipeline';
import { stageColor } from './stageColor';

const useStyles = makeStyles(theme => ({
  pipeline: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
  stage: {
    minWidth: 140,
    padding: theme.spacing(1.5),
    borderRadius: theme.shape.borderRadius,
    border: `1px solid ${theme.palette.divider}`,
    borderLeftWidth: 6,
  },
}));

/** The versions a freight carries, shortest form first: image tags, short commits, chart versions. */
function artifactSummary(freight: FreightRecord): string {
  return [
    ...freight.images.map(i => i.tag || i.digest.slice(0, 19)),
    ...freight.commits.map(c => c.tag || c.id.slice(0, 7)),
    ...freight.charts.map(c => `${c.name}@${c.version}`),
  ].join(', ');
}

function StageBox({ stage }: { stage: PipelineStage }) {
  const classes = useStyles();
  const from =
    stage.upstream.length > 0
      ? `from ${stage.upstream.join(', ')}`
      : `from ${stage.warehouses.join(', ')}`;
  const { currentFreight, lastPromotion } = stage;
  return (
    <Box
      className={classes.stage}
      style={{ borderLeftColor: stageColor(stage.color) }}
      data-testid={`kargo-stage-${stage.name}`}
    >
      <Typography variant="subtitle1" component="h3">
        {stage.name}
      </Typography>
      <Typography variant="caption" color="textSecondary" display="block">
        {from}
      </Typography>
      <Typography variant="body2" display="block">
        {currentFreight
          ? `${currentFreight.alias} (${artifactSummary(currentFreight)})`
          : 'no freight yet'}
      </Typography>
      {lastPromotion && (
        <Typography variant="caption" display="block">
          last promotion {lastPromotion.phase}
        </Typography>
      )}
      <Typography variant="caption" color="textSecondary" display="block">
        {stage.eligibleFreightCount} freight eligible
      </Typography>
    </Box>
  );
}

/**
 * The stage pipeline of the Kargo project named by the entity's `kargo/project` annotation.
 *
 * @public
 */
export function KargoPipelineCard() {
  const { entity } = useEntity();
  const project = entity.metadata.annotations?.[KARGO_PROJECT_ANNOTATION];
  const { value, loading, error } = usePipeline(project);

  let content;
  if (!project) {
    content = (
      <EmptyState
        missing="field"
        title="No Kargo project"
        description={`Add the ${KARGO_PROJECT_ANNOTATION} annotation to this entity to see its promotion pipeline.`}
      />
    );
  } else if (loading) {
    content = <Progress />;
  } else if (error) {
    content =
      error instanceof ResponseError && error.statusCode === 404 ? (
        <EmptyState
          missing="data"
          title={`Kargo project "${project}" not found`}
          description={`Check the ${KARGO_PROJECT_ANNOTATION} annotation, or load the project's manifests into the portal.`}
        />
      ) : (
        <ResponseErrorPanel error={error} />
      );
  } else if (!value || value.stages.length === 0) {
    content = (
      <EmptyState
        missing="data"
        title="No stages"
        description={`Kargo project "${project}" has no stages yet.`}
      />
    );
  } else {
    content = <Pipeline stages={value.stages} />;
  }

  return (
    <InfoCard
      title="Kargo pipeline"
      subheader={project ? `Project ${project}` : undefined}
    >
      {content}
    </InfoCard>
  );
}

function Pipeline({ stages }: { stages: PipelineStage[] }) {
  const classes = useStyles();
  return (
    <div
      className={classes.pipeline}
      role="list"
      aria-label="Kargo stages in pipeline order"
    >
      {stages.map((stage, i) => (
        <Fragment key={stage.name}>
          {i > 0 && <ArrowForwardIcon color="disabled" aria-hidden />}
          <div role="listitem">
            <StageBox stage={stage} />
          </div>
        </Fragment>
      ))}
      {stages.length > 0 && (
        <Chip
          size="small"
          variant="outlined"
          label={`${stages.length} stage${stages.length === 1 ? '' : 's'}`}
        />
      )}
    </div>
  );
}
