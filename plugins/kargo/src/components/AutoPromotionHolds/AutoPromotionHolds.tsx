import { useCallback } from 'react';
import Typography from '@material-ui/core/Typography';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  PipelineStage,
  kargoStagePromotePermission,
  stageResourceRef,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useAction } from '../../hooks/useAction';
import { InlineError } from '../InlineError';
import { PermissionedButton } from '../PermissionedButton';

/**
 * The auto-promotion holds of a stage, one line per origin (who set it and how), with a Resume action that
 * releases them, gated by the promote permission on the stage. Renders nothing without holds.
 */
export function AutoPromotionHolds(props: {
  project: string;
  stage: PipelineStage;
  onResumed: () => void;
}) {
  const { project, stage, onResumed } = props;
  const api = useApi(kargoApiRef);
  const resume = useCallback(
    () => api.resumeAutoPromotion(project, stage.name),
    [api, project, stage.name],
  );
  const action = useAction(resume);
  const holds = stage.autoPromotion?.holds ?? [];
  if (holds.length === 0) return null;
  return (
    <div>
      {holds.map(hold => (
        <Typography
          key={hold.origin}
          variant="caption"
          color="textSecondary"
          display="block"
          title={`Held since ${hold.since} by promotion ${hold.promotion}: auto-promotion of ${hold.origin} resumes when its newest freight is promoted, or on Resume`}
        >
          auto-promotion of {hold.origin} held: {hold.actor}{' '}
          {hold.rollback ? 'rolled back' : 'promoted other freight'}
        </Typography>
      ))}
      <PermissionedButton
        size="small"
        color="primary"
        permission={kargoStagePromotePermission}
        resourceRef={stageResourceRef(project, stage.name)}
        actionText={`resume auto-promotion of stage ${stage.name}`}
        unavailableReason={action.busy ? 'Resuming…' : undefined}
        aria-label={`Resume auto-promotion of ${stage.name}`}
        onClick={async () => {
          if (await action.run()) onResumed();
        }}
      >
        Resume
      </PermissionedButton>
      {action.error !== undefined && (
        <InlineError error={action.error} prefix="Resume refused" />
      )}
    </div>
  );
}
