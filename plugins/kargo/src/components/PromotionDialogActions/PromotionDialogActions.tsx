import { ReactNode } from 'react';
import Button from '@material-ui/core/Button';
import DialogActions from '@material-ui/core/DialogActions';
import {
  FreightRecord,
  PipelineStage,
  kargoStagePromotePermission,
  stageResourceRef,
} from '@kargo-portal/plugin-kargo-common';
import { PermissionedButton } from '../PermissionedButton';

/** Props of {@link PromotionDialogActions}. */
export interface PromotionDialogActionsProps {
  project: string;
  stage: PipelineStage;
  chosen?: FreightRecord;
  busy: boolean;
  /** Why the button is disabled while no freight is chosen. */
  chooseReason: string;
  onClose: () => void;
  onSubmit: () => void;
  children: ReactNode;
}

/**
 * The actions of the dialogs that promote a chosen freight into a stage (Promote, Rollback): Cancel, and the
 * permission-gated button that promotes the chosen freight.
 */
export function PromotionDialogActions(props: PromotionDialogActionsProps) {
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
