import { useState } from 'react';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import MuiLink from '@material-ui/core/Link';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import {
  PipelineStage,
  Promotion,
  kargoFreightApprovePermission,
  kargoPromotionAbortPermission,
  kargoStagePromotePermission,
  stageResourceRef,
} from '@kargo-portal/plugin-kargo-common';
import {
  isActivePhase,
  shownHealth,
  stageSoak,
  stageVerification,
} from '../../lib/stages';
import { formatDuration } from '../../lib/time';
import { AbortPromotionDialog } from '../AbortPromotionDialog';
import { AutoPromotionHolds } from '../AutoPromotionHolds';
import { ApproveDialog } from '../ApproveDialog';
import { PromoteDialog } from '../PromoteDialog';
import { RollbackDialog } from '../RollbackDialog';
import { FreightLabel } from '../FreightLabel';
import { PermissionedButton } from '../PermissionedButton';
import { PhaseStatus } from '../PhaseStatus';
import { PromotionWindowNotice } from '../PromotionWindowNotice';
import { RelativeTime } from '../RelativeTime';
import { StageDrawer } from '../StageDrawer';
import { StageHealthSummary } from '../StageHealthSummary';
import { stageColor } from '../../lib/colors';

const useStyles = makeStyles(theme => ({
  stage: {
    width: 210,
    padding: theme.spacing(1.5),
    borderRadius: theme.shape.borderRadius,
    border: `1px solid ${theme.palette.divider}`,
    borderLeftWidth: 6,
    background: theme.palette.background.paper,
  },
  header: {
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'baseline',
    gap: theme.spacing(1),
  },
  line: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    flexWrap: 'wrap',
  },
  auto: {
    padding: theme.spacing(0, 0.75),
    borderRadius: theme.shape.borderRadius,
    border: `1px solid ${theme.palette.primary.main}`,
    color: theme.palette.primary.main,
  },
  actions: {
    display: 'flex',
    flexWrap: 'wrap',
    marginTop: theme.spacing(1),
    marginLeft: theme.spacing(-0.75),
    '& button': {
      minWidth: 0,
      padding: theme.spacing(0.25, 0.75),
    },
  },
}));

type DialogName = 'promote' | 'approve' | 'rollback' | 'abort' | 'details';

/** Props of {@link StageNode}. */
export interface StageNodeProps {
  project: string;
  stage: PipelineStage;
  /** Warehouses the stage takes freight from (for approvals). */
  origins: string[];
  /** Called after an action changed the stage: the card reloads. */
  onChanged: () => void;
}

function Soak(props: { since: string; requiredMs: number }) {
  const elapsed = Date.now() - Date.parse(props.since);
  const done = elapsed >= props.requiredMs;
  const label = done
    ? `soaked ${formatDuration(props.requiredMs)}`
    : `soaking ${formatDuration(elapsed)} of ${formatDuration(
        props.requiredMs,
      )}`;
  return (
    <Box>
      <Typography variant="caption" display="block">
        {label}
      </Typography>
      <LinearProgress
        variant="determinate"
        value={Math.min(100, (100 * Math.max(0, elapsed)) / props.requiredMs)}
        aria-label={label}
      />
    </Box>
  );
}

/**
 * One stage of the card: its color, current freight and versions, health, verification, soak, last promotion,
 * and the actions on it (each gated by the user's permission on the stage).
 */
export function StageNode(props: StageNodeProps) {
  const { project, stage, origins, onChanged } = props;
  const classes = useStyles();
  const [dialog, setDialog] = useState<DialogName>();
  // The promotion being aborted, kept while its dialog is open even if polling shows it ended meanwhile.
  const [abortTarget, setAbortTarget] = useState<Promotion>();
  const close = () => setDialog(undefined);
  const done = () => {
    setDialog(undefined);
    onChanged();
  };
  const { currentFreight, lastPromotion } = stage;
  const health = shownHealth(stage);
  const verification = stageVerification(stage);
  const soak = stageSoak(stage);
  const running =
    lastPromotion && isActivePhase(lastPromotion.phase)
      ? lastPromotion
      : undefined;
  const resourceRef = stageResourceRef(project, stage.name);
  const from =
    stage.upstream.length > 0
      ? `from ${stage.upstream.join(', ')}`
      : `from ${stage.warehouses.join(', ') || 'no warehouse'}`;
  const eligible = `${stage.eligibleFreightCount}${
    stage.eligibleFreightCountCapped ? '+' : ''
  }`;

  return (
    <div
      role="listitem"
      aria-label={stage.name}
      data-testid={`kargo-stage-${stage.name}`}
    >
      <Box
        className={classes.stage}
        style={{ borderLeftColor: stageColor(stage.color) }}
      >
        <div className={classes.header}>
          <Typography variant="subtitle1" component="h3">
            <MuiLink
              component="button"
              color="inherit"
              variant="inherit"
              title={`Details of ${stage.name}: verification, holds, promotion windows`}
              aria-label={`Details of ${stage.name}`}
              onClick={() => setDialog('details')}
            >
              {stage.name}
            </MuiLink>
          </Typography>
          {stage.autoPromotion?.enabled && (
            <Typography
              variant="caption"
              className={classes.auto}
              title="The project's promotion policy auto-promotes this stage"
            >
              auto
            </Typography>
          )}
        </div>
        <Typography variant="caption" color="textSecondary" display="block">
          {from}
        </Typography>
        <Box my={0.5}>
          {currentFreight ? (
            <FreightLabel freight={currentFreight} />
          ) : (
            <Typography variant="body2" color="textSecondary">
              no freight yet
            </Typography>
          )}
        </Box>
        <AutoPromotionHolds
          project={project}
          stage={stage}
          onResumed={onChanged}
        />
        {health && <StageHealthSummary stage={stage.name} health={health} />}
        {stage.promotionWindow && (
          <PromotionWindowNotice
            compact
            stage={stage.name}
            window={stage.promotionWindow}
          />
        )}
        {verification && (
          <div className={classes.line} title={verification.message}>
            <MuiLink
              component="button"
              color="inherit"
              underline="none"
              aria-label={`Verification of ${stage.name}: ${verification.phase}, details`}
              onClick={() => setDialog('details')}
            >
              <PhaseStatus
                size="small"
                phase={verification.phase}
                label={`verification ${verification.phase}`}
              />
            </MuiLink>
            {verification.earlier && (
              <Typography
                variant="caption"
                color="textSecondary"
                title="The stage no longer runs the freight this verification is of"
              >
                of earlier freight
              </Typography>
            )}
            {verification.at && (
              <Typography variant="caption" color="textSecondary">
                <RelativeTime value={verification.at} />
              </Typography>
            )}
          </div>
        )}
        {soak && <Soak since={soak.since} requiredMs={soak.requiredMs} />}
        {lastPromotion && (
          <div className={classes.line} title={lastPromotion.message}>
            <PhaseStatus
              size="small"
              phase={lastPromotion.phase}
              label={`promotion ${lastPromotion.phase}`}
            />
            {lastPromotion.rollback && (
              <Typography
                variant="caption"
                color="textSecondary"
                title="This promotion moved earlier freight back in"
              >
                rollback
              </Typography>
            )}
            <Typography variant="caption" color="textSecondary">
              <RelativeTime
                value={
                  lastPromotion.finishedAt ??
                  lastPromotion.startedAt ??
                  lastPromotion.createdAt
                }
              />
            </Typography>
          </div>
        )}
        <Typography variant="caption" color="textSecondary" display="block">
          {eligible} freight eligible
        </Typography>
        <div className={classes.actions}>
          <PermissionedButton
            size="small"
            color="primary"
            permission={kargoStagePromotePermission}
            resourceRef={resourceRef}
            decided={stage.permissions?.[kargoStagePromotePermission.name]}
            actionText={`promote to stage ${stage.name}`}
            unavailableReason={
              stage.eligibleFreightCount === 0
                ? `No freight is eligible for ${stage.name} yet.`
                : undefined
            }
            aria-label={`Promote to ${stage.name}`}
            onClick={() => setDialog('promote')}
          >
            Promote
          </PermissionedButton>
          <PermissionedButton
            size="small"
            permission={kargoFreightApprovePermission}
            resourceRef={resourceRef}
            decided={stage.permissions?.[kargoFreightApprovePermission.name]}
            actionText={`approve freight for stage ${stage.name}`}
            aria-label={`Approve freight for ${stage.name}`}
            onClick={() => setDialog('approve')}
          >
            Approve
          </PermissionedButton>
          <PermissionedButton
            size="small"
            permission={kargoStagePromotePermission}
            resourceRef={resourceRef}
            decided={stage.permissions?.[kargoStagePromotePermission.name]}
            actionText={`promote to stage ${stage.name}`}
            unavailableReason={
              currentFreight
                ? undefined
                : `${stage.name} has no freight to roll back from.`
            }
            aria-label={`Roll back ${stage.name}`}
            onClick={() => setDialog('rollback')}
          >
            Roll back
          </PermissionedButton>
          {running && (
            <PermissionedButton
              size="small"
              color="secondary"
              permission={kargoPromotionAbortPermission}
              resourceRef={resourceRef}
              decided={stage.permissions?.[kargoPromotionAbortPermission.name]}
              actionText={`abort promotions of stage ${stage.name}`}
              aria-label={`Abort the promotion to ${stage.name}`}
              onClick={() => {
                setAbortTarget(running);
                setDialog('abort');
              }}
            >
              Abort
            </PermissionedButton>
          )}
        </div>
      </Box>
      {dialog === 'details' && (
        <StageDrawer
          project={project}
          stage={stage}
          onClose={close}
          onChanged={onChanged}
        />
      )}
      {dialog === 'promote' && (
        <PromoteDialog
          open
          onClose={close}
          onPromoted={done}
          project={project}
          stage={stage}
        />
      )}
      {dialog === 'approve' && (
        <ApproveDialog
          open
          onClose={close}
          onApproved={done}
          project={project}
          stage={stage.name}
          origins={origins}
        />
      )}
      {dialog === 'rollback' && (
        <RollbackDialog
          open
          onClose={close}
          onPromoted={done}
          project={project}
          stage={stage}
        />
      )}
      {dialog === 'abort' && abortTarget && (
        <AbortPromotionDialog
          open
          onClose={close}
          onAborted={done}
          promotion={abortTarget}
          freightName={
            abortTarget.freight === currentFreight?.id
              ? currentFreight.alias
              : undefined
          }
        />
      )}
    </div>
  );
}
