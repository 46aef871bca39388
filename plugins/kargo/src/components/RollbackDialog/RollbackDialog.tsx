import { useCallback, useState } from 'react';
import Dialog from '@material-ui/core/Dialog';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Typography from '@material-ui/core/Typography';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  FREIGHT_HISTORY_LIMIT,
  FreightView,
  PipelineStage,
  Promotion,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useAction } from '../../hooks/useAction';
import { useLoader } from '../../hooks/useLoader';
import { useNotify } from '../../hooks/useNotify';
import { InlineError } from '../InlineError';
import { RelativeTime } from '../RelativeTime';
import { FreightChoiceList } from '../FreightChoiceList';
import { PromotionChanges } from '../PromotionChanges';
import { PromotionDialogActions } from '../PromotionDialogActions';

/** How far back a rollback offers freight: the stage's last history entries (the API serves ten), distinct freight only. */
const HISTORY_LIMIT = FREIGHT_HISTORY_LIMIT;
const MAX_CHOICES = 10;

/** Props of {@link RollbackDialog}. */
export interface RollbackDialogProps {
  open: boolean;
  onClose: () => void;
  onPromoted: (promotion: Promotion) => void;
  project: string;
  stage: PipelineStage;
}

interface EarlierFreight {
  freight: FreightView;
  promotedAt: string;
}

/**
 * Rollback: promote freight the stage ran before (from its history, newest first), with the changes against
 * what it runs now. It is a promotion marked as a rollback: the backend checks that the freight is still eligible.
 */
export function RollbackDialog(props: RollbackDialogProps) {
  const { open, onClose, onPromoted, project, stage } = props;
  const api = useApi(kargoApiRef);
  const notify = useNotify();
  const [chosenId, setChosenId] = useState<string>();

  const currentId = stage.currentFreight?.id;
  const loadHistory = useCallback(async (): Promise<EarlierFreight[]> => {
    const { items } = await api.getStageHistory(project, stage.name, {
      limit: HISTORY_LIMIT,
    });
    // Freight the stage runs now, one per origin, is not a rollback.
    const seen = new Set([
      currentId,
      ...(items[0]?.collection?.items.map(item => item.name) ?? []),
    ]);
    const earlier = [];
    for (const entry of items) {
      if (seen.has(entry.freight)) continue;
      seen.add(entry.freight);
      earlier.push(entry);
      if (earlier.length === MAX_CHOICES) break;
    }
    return Promise.all(
      earlier.map(async entry => ({
        freight: await api.getFreight(project, entry.freight),
        promotedAt: entry.promotedAt,
      })),
    );
  }, [api, project, stage.name, currentId]);
  const history = useLoader(
    loadHistory,
    `${project}/${stage.name}/${currentId ?? ''}`,
  );

  const promote = useCallback(
    (freight: FreightView) => api.rollback(project, stage.name, freight.id),
    [api, project, stage.name],
  );
  const action = useAction(promote);
  const choices = history.value ?? [];
  const chosen = choices.find(c => c.freight.id === chosenId)?.freight;

  const submit = async () => {
    if (!chosen) return;
    const result = await action.run(chosen);
    if (result) {
      notify(
        `Rollback of ${stage.name} to ${chosen.alias} requested`,
        'success',
      );
      onPromoted(result.value);
    }
  };

  let content;
  if (history.loading) {
    content = <Progress />;
  } else if (history.error) {
    content = (
      <InlineError
        error={history.error}
        prefix="Could not load the stage's history"
      />
    );
  } else if (choices.length === 0) {
    content = (
      <Typography variant="body2" role="status">
        {stage.name} has run no other freight yet: there is nothing to roll back
        to.
      </Typography>
    );
  } else {
    content = (
      <FreightChoiceList
        label={`Freight ${stage.name} ran before`}
        choices={choices.map(c => ({
          freight: c.freight,
          note: (
            <>
              promoted here <RelativeTime value={c.promotedAt} />
            </>
          ),
        }))}
        value={chosenId}
        onChange={setChosenId}
      />
    );
  }

  return (
    <Dialog
      open={open}
      onClose={onClose}
      maxWidth="md"
      fullWidth
      aria-labelledby="kargo-rollback-title"
    >
      <DialogTitle id="kargo-rollback-title">
        Roll back {stage.name}
      </DialogTitle>
      <DialogContent>
        {content}
        <PromotionChanges
          stage={stage}
          chosen={chosen}
          error={action.error}
          refusal="Rollback refused"
        />
      </DialogContent>
      <PromotionDialogActions
        project={project}
        stage={stage}
        chosen={chosen}
        busy={action.busy}
        chooseReason="Choose the freight to roll back to."
        onClose={onClose}
        onSubmit={submit}
      >
        Roll back
      </PromotionDialogActions>
    </Dialog>
  );
}
