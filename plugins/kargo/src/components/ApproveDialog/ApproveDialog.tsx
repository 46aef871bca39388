import { useCallback, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Typography from '@material-ui/core/Typography';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  FreightRecord,
  FreightView,
  kargoFreightApprovePermission,
  stageResourceRef,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useAction } from '../../hooks/useAction';
import { useNotify } from '../../hooks/useNotify';
import { useCursorPages } from '../../hooks/useCursorPages';
import { FreightLabel } from '../FreightLabel';
import { InlineError } from '../InlineError';
import { PermissionedButton } from '../PermissionedButton';
import { FreightChoiceList } from '../FreightChoiceList';

const PAGE = 20;

/** Props of {@link ApproveDialog}. */
export interface ApproveDialogProps {
  open: boolean;
  onClose: () => void;
  onApproved: (freight: FreightView) => void;
  project: string;
  stage: string;
  /** Warehouses the stage takes freight from: only their freight can be approved for it. */
  origins: string[];
  /** Approve this freight instead of choosing one. */
  freight?: FreightRecord;
}

function statusNote(freight: FreightView, stage: string): string | undefined {
  if (freight.status.approvedFor[stage]) return 'already approved';
  if (freight.status.currentlyIn.includes(stage)) return 'current';
  if (freight.status.verifiedIn[stage]) return `verified in ${stage}`;
  return undefined;
}

function ApprovableFreight(props: {
  project: string;
  stage: string;
  origins: string[];
  chosenId?: string;
  onChoose: (freight: FreightView) => void;
}) {
  const { project, stage, origins, chosenId, onChoose } = props;
  const api = useApi(kargoApiRef);
  const load = useCallback(
    (cursor?: string) =>
      api.listFreight(project, {
        origins: origins.length > 0 ? origins : undefined,
        limit: PAGE,
        cursor,
      }),
    [api, project, origins],
  );
  const pages = useCursorPages(load, `${project}/${origins.join()}`);
  if (pages.initialLoading) return <Progress />;
  if (pages.error && pages.items.length === 0) {
    return (
      <InlineError error={pages.error} prefix="Could not load the freight" />
    );
  }
  if (pages.items.length === 0) {
    return (
      <Typography variant="body2" role="status">
        There is no freight yet: the project's warehouses have not discovered
        any artifacts.
      </Typography>
    );
  }
  return (
    <FreightChoiceList
      label={`Freight to approve for ${stage}`}
      choices={pages.items.map(freight => ({
        freight,
        note: statusNote(freight, stage),
        disabled: Boolean(freight.status.approvedFor[stage]),
      }))}
      value={chosenId}
      onChange={id => {
        const freight = pages.items.find(f => f.id === id);
        if (freight) onChoose(freight);
      }}
      hasMore={pages.hasMore}
      loadingMore={pages.loading}
      onLoadMore={pages.loadMore}
    />
  );
}

/**
 * Approve a freight for a stage, making it eligible there whatever its upstream verification (Kargo's manual
 * approval). Gated by `kargo.freight.approve` on the stage; the backend's refusal is shown inline.
 */
export function ApproveDialog(props: ApproveDialogProps) {
  const { open, onClose, onApproved, project, stage, origins } = props;
  const api = useApi(kargoApiRef);
  const notify = useNotify();
  const [chosen, setChosen] = useState<FreightRecord | undefined>(
    props.freight,
  );
  const approve = useCallback(
    (freight: FreightRecord) => api.approveFreight(project, stage, freight.id),
    [api, project, stage],
  );
  const action = useAction(approve);

  const submit = async () => {
    if (!chosen) return;
    const result = await action.run(chosen);
    if (result) {
      notify(`${chosen.alias} approved for ${stage}`, 'success');
      onApproved(result.value);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      maxWidth="md"
      fullWidth
      aria-labelledby="kargo-approve-title"
    >
      <DialogTitle id="kargo-approve-title">Approve for {stage}</DialogTitle>
      <DialogContent>
        <DialogContentText variant="body2">
          Approved freight may be promoted to {stage} without being verified
          upstream first.
        </DialogContentText>
        {props.freight ? (
          <Typography variant="body2">
            Freight: <FreightLabel freight={props.freight} />
          </Typography>
        ) : (
          <ApprovableFreight
            project={project}
            stage={stage}
            origins={origins}
            chosenId={chosen?.id}
            onChoose={setChosen}
          />
        )}
        {action.error !== undefined && (
          <Box mt={2}>
            <InlineError error={action.error} prefix="Approval refused" />
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <PermissionedButton
          permission={kargoFreightApprovePermission}
          resourceRef={stageResourceRef(project, stage)}
          actionText={`approve freight for stage ${stage}`}
          unavailableReason={
            (!chosen && 'Choose a freight to approve.') ||
            (action.busy && 'Approving…') ||
            undefined
          }
          color="primary"
          variant="contained"
          onClick={submit}
        >
          Approve
        </PermissionedButton>
      </DialogActions>
    </Dialog>
  );
}
