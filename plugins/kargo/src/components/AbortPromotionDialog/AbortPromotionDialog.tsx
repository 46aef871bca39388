import { useCallback } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Promotion,
  kargoPromotionAbortPermission,
  stageResourceRef,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useAction } from '../../hooks/useAction';
import { useNotify } from '../../hooks/useNotify';
import { InlineError } from '../InlineError';
import { PermissionedButton } from '../PermissionedButton';

/** Props of {@link AbortPromotionDialog}. */
export interface AbortPromotionDialogProps {
  open: boolean;
  onClose: () => void;
  onAborted: (promotion: Promotion) => void;
  promotion: Promotion;
  /** How people name the freight being promoted (its alias), when known. */
  freightName?: string;
}

/**
 * Confirms and requests the abort of a Pending or Running promotion (`kargo.promotion.abort` on its stage). A
 * promotion that ended meanwhile makes the backend answer 409, shown in the dialog.
 */
export function AbortPromotionDialog(props: AbortPromotionDialogProps) {
  const { open, onClose, onAborted, promotion } = props;
  const api = useApi(kargoApiRef);
  const notify = useNotify();
  const abort = useCallback(
    () => api.abortPromotion(promotion.project, promotion.id),
    [api, promotion.project, promotion.id],
  );
  const action = useAction(abort);
  const submit = async () => {
    const result = await action.run();
    if (result) {
      notify(`Abort of the promotion to ${promotion.stage} requested`, 'info');
      onAborted(result.value);
    }
  };
  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="kargo-abort-title">
      <DialogTitle id="kargo-abort-title">
        Abort the promotion to {promotion.stage}?
      </DialogTitle>
      <DialogContent>
        <DialogContentText variant="body2">
          The promotion of {props.freightName ?? promotion.freight.slice(0, 7)}{' '}
          ({promotion.phase}) stops after its current step; steps already done
          are not undone.
        </DialogContentText>
        {action.error !== undefined && (
          <Box mt={2}>
            <InlineError error={action.error} prefix="Abort refused" />
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Keep running</Button>
        <PermissionedButton
          permission={kargoPromotionAbortPermission}
          resourceRef={stageResourceRef(promotion.project, promotion.stage)}
          actionText={`abort promotions of stage ${promotion.stage}`}
          unavailableReason={action.busy ? 'Aborting…' : undefined}
          color="secondary"
          variant="contained"
          onClick={submit}
        >
          Abort promotion
        </PermissionedButton>
      </DialogActions>
    </Dialog>
  );
}
