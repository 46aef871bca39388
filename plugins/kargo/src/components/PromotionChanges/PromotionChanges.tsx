import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import {
  FreightRecord,
  PipelineStage,
} from '@kargo-portal/plugin-kargo-common';
import { ArtifactChanges } from '../ArtifactChanges';
import { InlineError } from '../InlineError';

/** Props of {@link PromotionChanges}. */
export interface PromotionChangesProps {
  stage: PipelineStage;
  chosen?: FreightRecord;
  error: unknown;
  /** Starts the refusal message, e.g. "Promotion refused". */
  refusal: string;
}

/**
 * The lower part of the dialogs that promote a chosen freight into a stage (Promote, Rollback): what the
 * promotion changes, and the backend's refusal when there is one.
 */
export function PromotionChanges(props: PromotionChangesProps) {
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
