import { useCallback, useEffect, useState } from 'react';
import Dialog from '@material-ui/core/Dialog';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Typography from '@material-ui/core/Typography';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  FreightRecord,
  PipelineStage,
  Promotion,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useAction } from '../../hooks/useAction';
import { useNotify } from '../../hooks/useNotify';
import { useCursorPages } from '../../hooks/useCursorPages';
import { FreightLabel } from '../FreightLabel';
import { InlineError } from '../InlineError';
import { FreightChoiceList } from '../FreightChoiceList';
import { PromotionChanges } from '../PromotionChanges';
import { PromotionDialogActions } from '../PromotionDialogActions';

const PAGE = 20;

/** Props of {@link PromoteDialog}. */
export interface PromoteDialogProps {
  open: boolean;
  onClose: () => void;
  /** Called with the created promotion; the caller refreshes its data. */
  onPromoted: (promotion: Promotion) => void;
  project: string;
  stage: PipelineStage;
  /** Promote this freight (chosen elsewhere, e.g. in the timeline) instead of choosing from the eligible list. */
  freight?: FreightRecord;
}

function EligibleFreight(props: {
  project: string;
  stage: PipelineStage;
  chosen?: FreightRecord;
  onChoose: (freight: FreightRecord) => void;
}) {
  const { project, stage, chosen, onChoose } = props;
  const api = useApi(kargoApiRef);
  const load = useCallback(
    (cursor?: string) =>
      api.listFreight(project, { stage: stage.name, limit: PAGE, cursor }),
    [api, project, stage.name],
  );
  const pages = useCursorPages(load, `${project}/${stage.name}`);

  // Preselect the newest eligible freight the stage does not run yet.
  const firstNew = pages.items.find(f => f.id !== stage.currentFreight?.id);
  useEffect(() => {
    if (!chosen && firstNew) onChoose(firstNew);
  }, [chosen, firstNew, onChoose]);

  if (pages.initialLoading) return <Progress />;
  if (pages.error && pages.items.length === 0) {
    return (
      <InlineError
        error={pages.error}
        prefix="Could not load the eligible freight"
      />
    );
  }
  if (pages.items.length === 0) {
    const from =
      stage.upstream.length > 0
        ? `verified in ${stage.upstream.join(' or ')}`
        : `discovered by ${stage.warehouses.join(', ') || 'its warehouses'}`;
    return (
      <Typography variant="body2" role="status">
        No freight is eligible for {stage.name} yet. The stage takes freight{' '}
        {from}, or freight approved for it.
      </Typography>
    );
  }
  return (
    <>
      <FreightChoiceList
        label={`Eligible freight for ${stage.name}`}
        choices={pages.items.map(freight => ({
          freight,
          note: freight.id === stage.currentFreight?.id ? 'current' : undefined,
        }))}
        value={chosen?.id}
        onChange={id => {
          const freight = pages.items.find(f => f.id === id);
          if (freight) onChoose(freight);
        }}
        hasMore={pages.hasMore}
        loadingMore={pages.loading}
        onLoadMore={pages.loadMore}
      />
      {pages.error && (
        <InlineError error={pages.error} prefix="Could not load more" />
      )}
    </>
  );
}

/**
 * Promote: choose one of the stage's eligible freight (or confirm a given one), see which artifact versions
 * change, and request the promotion. Denied users see the button disabled with the reason; a refusal of the
 * backend (403, 409 not eligible...) is shown in the dialog.
 */
export function PromoteDialog(props: PromoteDialogProps) {
  const { open, onClose, onPromoted, project, stage } = props;
  const api = useApi(kargoApiRef);
  const notify = useNotify();
  const [chosen, setChosen] = useState<FreightRecord | undefined>(
    props.freight,
  );
  const promote = useCallback(
    (freight: FreightRecord) => api.promote(project, stage.name, freight.id),
    [api, project, stage.name],
  );
  const action = useAction(promote);

  const submit = async () => {
    if (!chosen) return;
    const result = await action.run(chosen);
    if (result) {
      notify(
        `Promotion of ${chosen.alias} to ${stage.name} requested`,
        'success',
      );
      onPromoted(result.value);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      maxWidth="md"
      fullWidth
      aria-labelledby="kargo-promote-title"
    >
      <DialogTitle id="kargo-promote-title">
        Promote to {stage.name}
      </DialogTitle>
      <DialogContent>
        {props.freight ? (
          <Typography variant="body2">
            Freight: <FreightLabel freight={props.freight} />
          </Typography>
        ) : (
          <EligibleFreight
            project={project}
            stage={stage}
            chosen={chosen}
            onChoose={setChosen}
          />
        )}
        <PromotionChanges
          stage={stage}
          chosen={chosen}
          error={action.error}
          refusal="Promotion refused"
        />
      </DialogContent>
      <PromotionDialogActions
        project={project}
        stage={stage}
        chosen={chosen}
        busy={action.busy}
        chooseReason="Choose a freight to promote."
        onClose={onClose}
        onSubmit={submit}
      >
        Promote
      </PromotionDialogActions>
    </Dialog>
  );
}
