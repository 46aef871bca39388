import { Fragment, useCallback, useMemo } from 'react';
import Box from '@material-ui/core/Box';
import IconButton from '@material-ui/core/IconButton';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ArrowForwardIcon from '@material-ui/icons/ArrowForward';
import RefreshIcon from '@material-ui/icons/Refresh';
import Alert from '@material-ui/lab/Alert';
import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  PipelineStage,
  WarehouseStatus,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useKargoEntity } from '../../hooks/useKargoEntity';
import { useLoader } from '../../hooks/useLoader';
import { usePipeline } from '../../hooks/usePipeline';
import { errorMessage } from '../../lib/errors';
import { narrowStages, stageOrigins } from '../../lib/stages';
import { MissingProjectAnnotation } from '../MissingProjectAnnotation';
import { NoStages } from '../NoStages';
import { ProjectLoadError } from '../ProjectLoadError';
import { StageNode } from '../StageNode';

const useStyles = makeStyles(theme => ({
  pipeline: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    overflowX: 'auto',
    paddingBottom: theme.spacing(1),
  },
  column: {
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  },
  arrow: {
    alignSelf: 'center',
    flexShrink: 0,
  },
}));

/** Stages grouped by depth: the columns of the DAG, each in pipeline order. */
function columnsByDepth(stages: PipelineStage[]): PipelineStage[][] {
  const columns: PipelineStage[][] = [];
  for (const stage of stages) {
    (columns[stage.depth] ??= []).push(stage);
  }
  return columns.filter(c => c !== undefined);
}

/** The first line of an error, shortened: the card has little room; the Kargo tab shows it whole. */
function firstLine(text: string, max = 160): string {
  const line = text.split('\n')[0].trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function DiscoveryProblems(props: { warehouses: WarehouseStatus[] }) {
  const failing = props.warehouses.flatMap(w =>
    w.lastError ? [{ name: w.name, error: w.lastError }] : [],
  );
  if (failing.length === 0) return null;
  return (
    <Box mb={2}>
      {failing.map(w => (
        <Alert key={w.name} severity="warning" title={w.error}>
          Discovery failed for warehouse {w.name}: {firstLine(w.error)}
          <br />
          Check the subscriptions of the Warehouse manifest (repository URLs,
          credentials in the portal's integrations), then refresh it from the
          Kargo tab.
        </Alert>
      ))}
    </Box>
  );
}

function NoFreightYet(props: { warehouses: string[] }) {
  return (
    <Box mb={2}>
      <Alert severity="info">
        No freight yet: warehouse{props.warehouses.length === 1 ? '' : 's'}{' '}
        {props.warehouses.join(', ') || '(none)'} found no artifacts to promote
        so far. Discovery runs on a schedule; the Kargo tab shows its status and
        can start it now.
      </Alert>
    </Box>
  );
}

/**
 * The stage pipeline of the Kargo project named by the entity's `kargo/project` annotation (narrowed by
 * `kargo/warehouses`), as a DAG in columns by depth, with permission-gated actions on each stage. While a
 * promotion runs, the pipeline is polled with backoff.
 *
 * @public
 */
export function KargoPipelineCard() {
  const { project, warehouses: narrowTo } = useKargoEntity();
  const api = useApi(kargoApiRef);
  const classes = useStyles();
  const pipeline = usePipeline(project);
  const loadWarehouses = useCallback(
    async () => (project ? (await api.listWarehouses(project)).items : []),
    [api, project],
  );
  // Discovery problems are shown but not polled: they change on the warehouses' schedule, not the user's.
  const warehouses = useLoader(loadWarehouses, project ?? '');

  const value = pipeline.value;
  const stages = useMemo(
    () => narrowStages(value?.stages ?? [], narrowTo),
    [value, narrowTo],
  );
  const origins = useMemo(() => stageOrigins(value?.stages ?? []), [value]);

  let content;
  if (!project) {
    content = <MissingProjectAnnotation />;
  } else if (!value && pipeline.loading) {
    content = <Progress />;
  } else if (!value) {
    content = (
      <ProjectLoadError
        project={project}
        error={pipeline.error ?? new Error('No pipeline')}
      />
    );
  } else if (stages.length === 0) {
    content = (
      <NoStages
        project={project}
        narrowTo={narrowTo}
        warehouses={value.warehouses}
      />
    );
  } else {
    const shownWarehouses = narrowTo ?? value.warehouses;
    const noFreight = value.stages.every(
      s => !s.currentFreight && s.eligibleFreightCount === 0,
    );
    content = (
      <>
        {pipeline.error && (
          <Box mb={2}>
            <Alert severity="warning">
              Could not refresh the pipeline: {errorMessage(pipeline.error)}
            </Alert>
          </Box>
        )}
        <DiscoveryProblems
          warehouses={(warehouses.value ?? []).filter(w =>
            shownWarehouses.includes(w.name),
          )}
        />
        {noFreight && <NoFreightYet warehouses={shownWarehouses} />}
        <div
          className={classes.pipeline}
          role="list"
          aria-label="Kargo stages in pipeline order"
        >
          {columnsByDepth(stages).map((column, i) => (
            <Fragment key={column[0].name}>
              {i > 0 && (
                <ArrowForwardIcon
                  className={classes.arrow}
                  color="disabled"
                  aria-hidden
                />
              )}
              <div className={classes.column}>
                {column.map(stage => (
                  <StageNode
                    key={stage.name}
                    project={project}
                    stage={stage}
                    origins={[...(origins.get(stage.name) ?? [])]}
                    onChanged={pipeline.reload}
                  />
                ))}
              </div>
            </Fragment>
          ))}
        </div>
      </>
    );
  }

  const subheader = project && (
    <Typography variant="body2" color="textSecondary" component="span">
      Project {project}
      {value &&
        ` · ${
          stages.length === value.stages.length
            ? `${stages.length} stage${stages.length === 1 ? '' : 's'}`
            : `${stages.length} of ${
                value.stages.length
              } stages (${narrowTo?.join(', ')})`
        }`}
    </Typography>
  );

  return (
    <InfoCard
      title="Kargo pipeline"
      subheader={subheader}
      action={
        project && (
          <Tooltip title="Reload">
            <IconButton
              aria-label="Reload the pipeline"
              onClick={() => {
                pipeline.reload();
                warehouses.reload();
              }}
            >
              <RefreshIcon />
            </IconButton>
          </Tooltip>
        )
      }
    >
      {content}
    </InfoCard>
  );
}
