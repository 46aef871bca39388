import { useCallback } from 'react';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  StageVerification,
  kargoStageVerifyPermission,
  stageResourceRef,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useAction } from '../../hooks/useAction';
import { useNotify } from '../../hooks/useNotify';
import { isVerificationActive } from '../../lib/stages';
import { InlineError } from '../InlineError';
import { PermissionedButton } from '../PermissionedButton';
import { PhaseStatus } from '../PhaseStatus';
import { RelativeTime } from '../RelativeTime';

/** The stage's `analysisRunMetadata` kept with the verification, as `key=value` pairs; '' when none. */
function metadataText(metadata: StageVerification['runMetadata']): string {
  const pairs = (kind: string, values: Record<string, string> | undefined) =>
    Object.entries(values ?? {}).map(([k, v]) => `${kind} ${k}=${v}`);
  return [
    ...pairs('label', metadata?.labels),
    ...pairs('annotation', metadata?.annotations),
  ].join(', ');
}

/** Props of {@link StageVerificationDetails}. */
export interface StageVerificationDetailsProps {
  project: string;
  stage: string;
  verification: StageVerification;
  /**
   * Set when the verification is of a freight collection the stage no longer runs: its freight, by id, as
   * people name it (alias when known).
   */
  earlierFreight?: string[];
  /** Called after a re-verification or an abort was accepted: the pipeline reloads. */
  onChanged: () => void;
}

/**
 * A stage's newest verification: its phase, attempt, who asked for it, when it ran, its message, and every
 * measurement of its metrics (phase, value, time, message). Re-verify is offered once it finished, Abort
 * verification while it is Pending or Running; both need `kargo.stage.verify` on the stage, and a refusal of
 * the backend is shown next to them.
 */
export function StageVerificationDetails(props: StageVerificationDetailsProps) {
  const { project, stage, verification, earlierFreight, onChanged } = props;
  const api = useApi(kargoApiRef);
  const notify = useNotify();
  const reverify = useAction(
    useCallback(() => api.reverifyStage(project, stage), [api, project, stage]),
  );
  const abort = useAction(
    useCallback(
      () => api.abortStageVerification(project, stage),
      [api, project, stage],
    ),
  );
  const active = isVerificationActive(verification.phase);
  const busy = reverify.busy || abort.busy;
  const resourceRef = stageResourceRef(project, stage);
  const error = reverify.error ?? abort.error;

  return (
    <section aria-label={`Verification of ${stage}`}>
      <Typography variant="h6" component="h3">
        Verification
      </Typography>
      <Typography variant="body2" component="div">
        <PhaseStatus
          phase={verification.phase}
          label={`verification ${verification.phase}`}
        />
      </Typography>
      <Typography variant="body2" color="textSecondary">
        Attempt {verification.attempt}
        {verification.actor
          ? ` · re-verified by ${verification.actor}`
          : ' · started by the stage'}
        {verification.startedAt && (
          <>
            {' '}
            · started <RelativeTime value={verification.startedAt} />
          </>
        )}
        {verification.finishedAt && (
          <>
            {' '}
            · finished <RelativeTime value={verification.finishedAt} />
          </>
        )}
        {verification.abortedBy && <> · aborted by {verification.abortedBy}</>}
      </Typography>
      {earlierFreight && (
        <Typography variant="body2" color="textSecondary">
          Of freight {earlierFreight.join(', ')}, which the stage no longer
          runs.
        </Typography>
      )}
      {verification.templates.length > 0 && (
        <Typography variant="caption" color="textSecondary" display="block">
          Analysis: {verification.templates.join(', ')}
        </Typography>
      )}
      {metadataText(verification.runMetadata) && (
        <Typography variant="caption" color="textSecondary" display="block">
          Run metadata: {metadataText(verification.runMetadata)}
        </Typography>
      )}
      {verification.message && (
        <Typography
          variant="body2"
          color={
            ['Failed', 'Error'].includes(verification.phase)
              ? 'error'
              : 'textPrimary'
          }
        >
          {verification.message}
        </Typography>
      )}
      <Box mt={1} display="flex" style={{ gap: 8 }}>
        {active ? (
          <PermissionedButton
            size="small"
            variant="outlined"
            color="secondary"
            permission={kargoStageVerifyPermission}
            resourceRef={resourceRef}
            actionText={`abort the verification of stage ${stage}`}
            unavailableReason={busy ? 'Aborting…' : undefined}
            onClick={async () => {
              reverify.clearError();
              if (await abort.run()) {
                notify(`Verification of ${stage} aborted`, 'success');
                onChanged();
              }
            }}
          >
            Abort verification
          </PermissionedButton>
        ) : (
          <PermissionedButton
            size="small"
            variant="outlined"
            color="primary"
            permission={kargoStageVerifyPermission}
            resourceRef={resourceRef}
            actionText={`re-verify stage ${stage}`}
            unavailableReason={busy ? 'Starting…' : undefined}
            onClick={async () => {
              abort.clearError();
              if (await reverify.run()) {
                notify(`Re-verification of ${stage} started`, 'success');
                onChanged();
              }
            }}
          >
            Re-verify
          </PermissionedButton>
        )}
      </Box>
      {error !== undefined && (
        <Box mt={1}>
          <InlineError
            error={error}
            prefix={
              reverify.error !== undefined
                ? 'Re-verify refused'
                : 'Abort refused'
            }
          />
        </Box>
      )}
      {verification.measurements.length === 0 ? (
        <Typography variant="body2" color="textSecondary">
          No measurements yet.
        </Typography>
      ) : (
        <Table
          size="small"
          aria-label={`Measurements of the verification of ${stage}`}
        >
          <TableHead>
            <TableRow>
              <TableCell>Metric</TableCell>
              <TableCell>Phase</TableCell>
              <TableCell>Value</TableCell>
              <TableCell>Measured</TableCell>
              <TableCell>Message</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {verification.measurements.map((m, i) => (
              <TableRow
                // Measurements have no id: a metric's are in order of time.
                key={`${m.metric}:${m.startedAt}:${i}`}
                aria-label={`Measurement of ${m.metric} at ${m.finishedAt}`}
              >
                <TableCell>{m.metric}</TableCell>
                <TableCell>
                  <PhaseStatus size="small" phase={m.phase} />
                </TableCell>
                <TableCell>
                  <code>{m.value ?? '—'}</code>
                </TableCell>
                <TableCell>
                  <RelativeTime value={m.finishedAt} />
                </TableCell>
                <TableCell>{m.message ?? ''}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
