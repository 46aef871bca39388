import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import ButtonBase from '@material-ui/core/ButtonBase';
import MuiLink from '@material-ui/core/Link';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import FiberManualRecordIcon from '@material-ui/icons/FiberManualRecord';
import HistoryIcon from '@material-ui/icons/History';
import ThumbUpIcon from '@material-ui/icons/ThumbUp';
import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import {
  FreightView,
  PipelineStage,
  kargoFreightApprovePermission,
  kargoStagePromotePermission,
  stageResourceRef,
} from '@kargo-portal/plugin-kargo-common';
import { CursorPages } from '../../hooks/useCursorPages';
import { ApproveDialog } from '../ApproveDialog';
import { PromoteDialog } from '../PromoteDialog';
import { FreightLabel } from '../FreightLabel';
import { InlineError } from '../InlineError';
import { PermissionedButton } from '../PermissionedButton';
import { RelativeTime } from '../RelativeTime';
import { StageDrawer } from '../StageDrawer';
import { stageColor } from '../../lib/colors';
import { CellMarks, cellMarks, describeMarks } from '../../lib/timeline';

const useStyles = makeStyles(theme => ({
  freightCell: {
    position: 'sticky',
    left: 0,
    background: theme.palette.background.paper,
    zIndex: 1,
    minWidth: 220,
  },
  stageHead: {
    whiteSpace: 'nowrap',
    borderTopWidth: 4,
    borderTopStyle: 'solid',
  },
  cell: {
    padding: theme.spacing(0.5),
    textAlign: 'center',
  },
  cellButton: {
    width: '100%',
    minHeight: 32,
    borderRadius: theme.shape.borderRadius,
    gap: theme.spacing(0.5),
  },
  selected: {
    outline: `2px solid ${theme.palette.primary.main}`,
  },
  legend: {
    display: 'flex',
    gap: theme.spacing(2),
    flexWrap: 'wrap',
    alignItems: 'center',
    marginBottom: theme.spacing(1),
  },
  mark: {
    fontSize: 18,
    verticalAlign: 'middle',
  },
}));

function Marks(props: { marks: CellMarks; color?: string }) {
  const classes = useStyles();
  const { marks } = props;
  return (
    <>
      {marks.current && (
        <FiberManualRecordIcon
          className={classes.mark}
          style={{ color: props.color }}
          color={props.color ? undefined : 'primary'}
          titleAccess="current"
        />
      )}
      {marks.wasIn && (
        <HistoryIcon
          className={classes.mark}
          color="action"
          titleAccess="was here"
        />
      )}
      {marks.verified && (
        <CheckCircleIcon
          className={classes.mark}
          style={{ color: '#2e7d32' }}
          titleAccess="verified"
        />
      )}
      {marks.approved && (
        <ThumbUpIcon
          className={classes.mark}
          color="action"
          titleAccess="approved"
        />
      )}
    </>
  );
}

/** Props of {@link FreightTimeline}. */
export interface FreightTimelineProps {
  project: string;
  /** The stages shown, in pipeline order. */
  stages: PipelineStage[];
  /** Warehouses each stage takes freight from. */
  origins: Map<string, Set<string>>;
  /** Freight pages, loaded by the caller (shared with the promotion history). */
  freight: CursorPages<FreightView>;
  onChanged: () => void;
}

/**
 * Freight (newest first, paged) by stage: each cell marks where a freight is now, was before, is verified and
 * is approved. Selecting a cell offers the actions on that freight and stage.
 */
export function FreightTimeline(props: FreightTimelineProps) {
  const { project, stages, origins, freight, onChanged } = props;
  const classes = useStyles();
  // Ids, not objects: after a refresh the selection shows the freight's new status.
  const [selection, setSelection] = useState<{
    freight: string;
    stage: string;
  }>();
  const [dialog, setDialog] = useState<'promote' | 'approve'>();
  // By name, so that the drawer shows the stage as the pipeline reloads it.
  const [details, setDetails] = useState<string>();
  const detailsStage = stages.find(s => s.name === details);

  const rows = freight.items;
  const selectedFreight = rows.find(f => f.id === selection?.freight);
  const selectedStage = stages.find(s => s.name === selection?.stage);
  const selected =
    selectedFreight && selectedStage
      ? { freight: selectedFreight, stage: selectedStage }
      : undefined;
  const selectedMarks =
    selected && cellMarks(selected.freight, selected.stage.name);

  let body;
  if (freight.initialLoading) {
    body = <Progress />;
  } else if (freight.error && rows.length === 0) {
    body = (
      <InlineError error={freight.error} prefix="Could not load freight" />
    );
  } else if (rows.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No freight yet"
        description="Freight appears when a warehouse discovers new artifact versions (images, commits, charts). Check the warehouses' discovery status below; Refresh starts a discovery now."
      />
    );
  } else {
    body = (
      <>
        <div className={classes.legend} aria-hidden>
          <Typography variant="caption">
            <FiberManualRecordIcon className={classes.mark} color="primary" />{' '}
            current
          </Typography>
          <Typography variant="caption">
            <HistoryIcon className={classes.mark} color="action" /> was here
          </Typography>
          <Typography variant="caption">
            <CheckCircleIcon
              className={classes.mark}
              style={{ color: '#2e7d32' }}
            />{' '}
            verified
          </Typography>
          <Typography variant="caption">
            <ThumbUpIcon className={classes.mark} color="action" /> approved
          </Typography>
          <Typography variant="caption" color="textSecondary">
            Select a cell to promote or approve that freight for that stage.
          </Typography>
        </div>
        <TableContainer>
          <Table size="small" aria-label="Freight timeline">
            <TableHead>
              <TableRow>
                <TableCell className={classes.freightCell}>Freight</TableCell>
                {stages.map(stage => (
                  <TableCell
                    key={stage.name}
                    className={classes.stageHead}
                    style={{
                      borderTopColor: stageColor(stage.color) ?? 'transparent',
                    }}
                    align="center"
                  >
                    <MuiLink
                      component="button"
                      color="inherit"
                      variant="inherit"
                      title={`Details of ${stage.name}: verification, holds, promotion windows`}
                      aria-label={`Details of ${stage.name}`}
                      onClick={() => setDetails(stage.name)}
                    >
                      {stage.name}
                    </MuiLink>
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map(f => (
                <TableRow key={f.id}>
                  <TableCell className={classes.freightCell} component="th">
                    <FreightLabel freight={f} />
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      display="block"
                    >
                      {f.origin.name} · <RelativeTime value={f.createdAt} />
                    </Typography>
                  </TableCell>
                  {stages.map(stage => {
                    const marks = cellMarks(f, stage.name);
                    const isSelected =
                      selected?.freight.id === f.id &&
                      selected.stage.name === stage.name;
                    return (
                      <TableCell key={stage.name} className={classes.cell}>
                        <ButtonBase
                          className={`${classes.cellButton} ${
                            isSelected ? classes.selected : ''
                          }`}
                          aria-label={`${f.alias} in ${
                            stage.name
                          }: ${describeMarks(marks)}`}
                          aria-pressed={isSelected}
                          onClick={() =>
                            setSelection({ freight: f.id, stage: stage.name })
                          }
                        >
                          <Marks
                            marks={marks}
                            color={stageColor(stage.color)}
                          />
                        </ButtonBase>
                      </TableCell>
                    );
                  })}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
        <Box display="flex" alignItems="center" mt={1} style={{ gap: 8 }}>
          <Typography variant="caption" color="textSecondary">
            {rows.length} freight shown
          </Typography>
          {freight.hasMore && (
            <Button
              size="small"
              onClick={freight.loadMore}
              disabled={freight.loading}
            >
              Load more
            </Button>
          )}
        </Box>
        {freight.error && (
          <InlineError error={freight.error} prefix="Could not load more" />
        )}
      </>
    );
  }

  return (
    <InfoCard title="Freight timeline" subheader="Newest freight first">
      {selected && selectedMarks && (
        <Box
          mb={2}
          display="flex"
          alignItems="center"
          flexWrap="wrap"
          style={{ gap: 8 }}
          role="region"
          aria-label="Selected freight"
        >
          <Typography variant="body2">
            <FreightLabel freight={selected.freight} /> in{' '}
            <strong>{selected.stage.name}</strong>:{' '}
            {describeMarks(selectedMarks)}
          </Typography>
          <PermissionedButton
            size="small"
            variant="outlined"
            color="primary"
            permission={kargoStagePromotePermission}
            resourceRef={stageResourceRef(project, selected.stage.name)}
            actionText={`promote to stage ${selected.stage.name}`}
            unavailableReason={
              selectedMarks.current
                ? `${selected.freight.alias} is already in ${selected.stage.name}.`
                : undefined
            }
            onClick={() => setDialog('promote')}
          >
            Promote to {selected.stage.name}
          </PermissionedButton>
          <PermissionedButton
            size="small"
            variant="outlined"
            permission={kargoFreightApprovePermission}
            resourceRef={stageResourceRef(project, selected.stage.name)}
            actionText={`approve freight for stage ${selected.stage.name}`}
            unavailableReason={
              selectedMarks.approved
                ? `${selected.freight.alias} is already approved for ${selected.stage.name}.`
                : undefined
            }
            onClick={() => setDialog('approve')}
          >
            Approve for {selected.stage.name}
          </PermissionedButton>
          <Button size="small" onClick={() => setSelection(undefined)}>
            Clear selection
          </Button>
        </Box>
      )}
      {body}
      {selected && dialog === 'promote' && (
        <PromoteDialog
          open
          onClose={() => setDialog(undefined)}
          onPromoted={() => {
            setDialog(undefined);
            onChanged();
          }}
          project={project}
          stage={selected.stage}
          freight={selected.freight}
        />
      )}
      {detailsStage && (
        <StageDrawer
          project={project}
          stage={detailsStage}
          onClose={() => setDetails(undefined)}
          onChanged={onChanged}
        />
      )}
      {selected && dialog === 'approve' && (
        <ApproveDialog
          open
          onClose={() => setDialog(undefined)}
          onApproved={() => {
            setDialog(undefined);
            onChanged();
          }}
          project={project}
          stage={selected.stage.name}
          origins={[...(origins.get(selected.stage.name) ?? [])]}
          freight={selected.freight}
        />
      )}
    </InfoCard>
  );
}
