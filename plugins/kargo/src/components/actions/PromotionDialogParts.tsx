import { ReactNode } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import DialogActions from '@material-ui/core/DialogActions';
import Typography from '@material-ui/core/Typography';
import {
  FreightRecord,
  PipelineStage,
  kargoStagePromotePermission,
  stageResourceRef,
} from '@kargo-portal/plugin-kargo-common';
import { ArtifactChanges } from '../common/ArtifactChanges';
import { InlineError } from '../common/InlineError';
import { PermissionedButton } from '../common/PermissionedButton';

/**
 * The lower part of the dialogs that promote a chosen freight into a stage (Promote, Rollback): what the
 * promotion changes, and the backend's refusal when there is one.
 */
export function PromotionChanges(props: {
  stage: PipelineStage;
  chosen?: FreightRecord;
  error: unknown;
  /** Starts the refusal message, e.g. "Promotion refused". */
  refusal: string;
}) {
  const { stage, chosen, error, refusal } = props;
  return (
    <>
      {chosen && (
        <Box mt={2}>
          <Typography variant="subtitle2" gutterBottom>
            What changes in {stage.name}
          </Typography>
          <ArtifactChanges current={stage.currentFreight} chosen={chosen} />
        </Box>
      )}
      {error !== undefined && (
        <Box mt={2}>
          <InlineError error={error} prefix={refusal} />
        </Box>
      )}
    </>
  );
}

/** Cancel, and the permission-gated button that promotes the chosen freight into the stage. */
export function PromotionDialogActions(props: {
  project: string;
  stage: PipelineStage;
  chosen?: FreightRecord;
  busy: boolean;
  /** Why the button is disabled while no freight is chosen. */
  chooseReason: string;
  onClose: () => void;
  onSubmit: () => void;
  children: ReactNode;
}) {
  const { project, stage, chosen, busy } = props;
  return (
    <DialogActions>
      <Button onClick={props.onClose}>Cancel</Button>
      <PermissionedButton
        permission={kargoStagePromotePermission}
        resourceRef={stageResourceRef(project, stage.name)}
        actionText={`promote to stage ${stage.name}`}
        unavailableReason={
          (!chosen && props.chooseReason) ||
          (busy && 'Requesting the promotion…') ||
          undefined
        }
        color="primary"
        variant="contained"
        onClick={props.onSubmit}
      >
        {props.children}
      </PermissionedButton>
    </DialogActions>
  );
}
