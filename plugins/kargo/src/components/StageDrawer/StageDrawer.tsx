import Box from '@material-ui/core/Box';
import Divider from '@material-ui/core/Divider';
import Drawer from '@material-ui/core/Drawer';
import IconButton from '@material-ui/core/IconButton';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CloseIcon from '@material-ui/icons/Close';
import { PipelineStage } from '@kargo-portal/plugin-kargo-common';
import {
  isEarlierVerification,
  shownHealth,
  stageVerification,
} from '../../lib/stages';
import { AutoPromotionHolds } from '../AutoPromotionHolds';
import { FreightLabel } from '../FreightLabel';
import { PhaseStatus } from '../PhaseStatus';
import { PromotionWindowNotice } from '../PromotionWindowNotice';
import { RelativeTime } from '../RelativeTime';
import { StageHealthSummary } from '../StageHealthSummary';
import { StageVerificationDetails } from '../StageVerificationDetails';

const useStyles = makeStyles(theme => ({
  paper: {
    width: 640,
    maxWidth: '100vw',
    padding: theme.spacing(3),
  },
  section: {
    marginTop: theme.spacing(2),
  },
}));

/** Props of {@link StageDrawer}. */
export interface StageDrawerProps {
  project: string;
  /** The stage as the pipeline serves it: the drawer follows the pipeline's reloads (and its signals). */
  stage: PipelineStage;
  onClose: () => void;
  /** Called after an action changed the stage: the pipeline reloads. */
  onChanged: () => void;
}

/**
 * A stage's details, next to the card: its current freight, whether promotion windows keep it closed (and
 * until when), its auto-promotion and holds (with Resume), and its newest verification with every measurement,
 * Re-verify and Abort verification.
 */
export function StageDrawer(props: StageDrawerProps) {
  const { project, stage, onClose, onChanged } = props;
  const classes = useStyles();
  const health = shownHealth(stage);
  const verified = stageVerification(stage);
  return (
    <Drawer
      anchor="right"
      open
      onClose={onClose}
      classes={{ paper: classes.paper }}
    >
      <div role="dialog" aria-label={`Stage ${stage.name}`}>
        <Box display="flex" alignItems="center" justifyContent="space-between">
          <Typography variant="h5" component="h2">
            Stage {stage.name}
          </Typography>
          <IconButton aria-label="Close" onClick={onClose}>
            <CloseIcon />
          </IconButton>
        </Box>
        <Typography variant="caption" color="textSecondary" gutterBottom>
          Project {project}
          {stage.upstream.length > 0
            ? ` · from ${stage.upstream.join(', ')}`
            : ` · from ${stage.warehouses.join(', ') || 'no warehouse'}`}
        </Typography>
        <Box my={1}>
          {stage.currentFreight ? (
            <FreightLabel freight={stage.currentFreight} />
          ) : (
            <Typography variant="body2" color="textSecondary">
              no freight yet
            </Typography>
          )}
        </Box>
        {health && <StageHealthSummary stage={stage.name} health={health} />}
        {stage.promotionWindow && (
          <div className={classes.section}>
            <PromotionWindowNotice
              stage={stage.name}
              window={stage.promotionWindow}
            />
          </div>
        )}
        <section
          className={classes.section}
          aria-label={`Auto-promotion of ${stage.name}`}
        >
          <Typography variant="h6" component="h3">
            Auto-promotion
          </Typography>
          <Typography variant="body2" color="textSecondary">
            {stage.autoPromotion.enabled
              ? "The project's promotion policy auto-promotes this stage."
              : 'Off: freight moves in only when someone promotes it.'}
          </Typography>
          <AutoPromotionHolds
            project={project}
            stage={stage}
            onResumed={onChanged}
          />
        </section>
        <Box className={classes.section}>
          <Divider />
        </Box>
        <div className={classes.section}>
          {stage.verification ? (
            <StageVerificationDetails
              project={project}
              stage={stage.name}
              verification={stage.verification}
              earlierFreight={
                isEarlierVerification(stage)
                  ? stage.verification.freight.map(id => id.slice(0, 7))
                  : undefined
              }
              onChanged={onChanged}
            />
          ) : (
            <section aria-label={`Verification of ${stage.name}`}>
              <Typography variant="h6" component="h3">
                Verification
              </Typography>
              {verified ? (
                <Typography variant="body2" component="div">
                  <PhaseStatus
                    phase={verified.phase}
                    label={`verification ${verified.phase}`}
                  />{' '}
                  {verified.at && (
                    <Typography variant="caption" color="textSecondary">
                      <RelativeTime value={verified.at} />
                    </Typography>
                  )}
                  <Typography variant="body2" color="textSecondary">
                    The stage has no analysis to run: its freight is verified as
                    soon as it is promoted.
                  </Typography>
                </Typography>
              ) : (
                <Typography variant="body2" color="textSecondary">
                  Not verified yet: verification starts once freight is promoted
                  and the stage is healthy.
                </Typography>
              )}
            </section>
          )}
        </div>
      </div>
    </Drawer>
  );
}
