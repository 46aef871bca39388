import { useCallback, useState } from 'react';
import Box from '@material-ui/core/Box';
import Divider from '@material-ui/core/Divider';
import Drawer from '@material-ui/core/Drawer';
import IconButton from '@material-ui/core/IconButton';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CloseIcon from '@material-ui/icons/Close';
import Alert from '@material-ui/lab/Alert';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  PromotionStepState,
  kargoPromotionAbortPermission,
  stageResourceRef,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useLoader } from '../../hooks/useLoader';
import { usePolling } from '../../hooks/usePolling';
import { errorMessage } from '../../lib/errors';
import { stringField } from '../../lib/read';
import { isActivePhase } from '../../lib/stages';
import { stepLogText, stepOutput } from '../../lib/steps';
import { AbortPromotionDialog } from '../AbortPromotionDialog';
import { InlineError } from '../InlineError';
import { PermissionedButton } from '../PermissionedButton';
import { PhaseStatus } from '../PhaseStatus';
import { RelativeTime } from '../RelativeTime';

const useStyles = makeStyles(theme => ({
  paper: {
    width: 640,
    maxWidth: '100vw',
    padding: theme.spacing(3),
  },
  pre: {
    margin: 0,
    padding: theme.spacing(1),
    background: theme.palette.background.default,
    borderRadius: theme.shape.borderRadius,
    fontSize: 12,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    maxHeight: 320,
    overflow: 'auto',
  },
  step: {
    marginTop: theme.spacing(2),
  },
}));

function Step(props: { step: PromotionStepState; index: number }) {
  const { step, index } = props;
  const classes = useStyles();
  const output = stepOutput(step);
  const log = stepLogText(step);
  return (
    <section
      className={classes.step}
      aria-label={`Step ${index + 1}: ${step.alias}`}
    >
      <Box display="flex" alignItems="baseline" style={{ gap: 8 }}>
        <Typography variant="subtitle2" component="h4">
          {index + 1}. {step.alias}
        </Typography>
        {step.uses && (
          <Typography variant="caption" color="textSecondary">
            uses {step.uses}
          </Typography>
        )}
        {step.continueOnError && (
          <Typography variant="caption" color="textSecondary">
            (continues on error)
          </Typography>
        )}
      </Box>
      <Typography variant="body2" component="div">
        <PhaseStatus phase={step.status} />
        {step.attempts !== undefined && step.attempts > 1 && (
          <Typography variant="caption" color="textSecondary">
            {' '}
            after {step.attempts} attempts
          </Typography>
        )}
        {step.errorCount !== undefined && step.errorCount > 0 && (
          <Typography variant="caption" color="textSecondary">
            {' '}
            · {step.errorCount} error{step.errorCount === 1 ? '' : 's'} in a row
          </Typography>
        )}
        {step.startedAt && (
          <Typography variant="caption" color="textSecondary">
            {' '}
            · started <RelativeTime value={step.startedAt} />
          </Typography>
        )}
        {step.finishedAt && (
          <Typography variant="caption" color="textSecondary">
            {' '}
            · finished <RelativeTime value={step.finishedAt} />
          </Typography>
        )}
        {step.nextAttemptAt && !step.finishedAt && (
          <Typography variant="caption" color="textSecondary">
            {' '}
            · next attempt <RelativeTime value={step.nextAttemptAt} />
          </Typography>
        )}
      </Typography>
      {step.message && (
        <Typography
          variant="body2"
          color={
            step.status === 'Failed' || step.status === 'Errored'
              ? 'error'
              : 'textPrimary'
          }
        >
          {step.message}
        </Typography>
      )}
      {output && (
        <>
          <Typography variant="caption">Output</Typography>
          <pre className={classes.pre} aria-label={`Output of ${step.alias}`}>
            {JSON.stringify(output, null, 2)}
          </pre>
        </>
      )}
      {log && (
        <>
          <Typography variant="caption">Log</Typography>
          <pre className={classes.pre} aria-label={`Log of ${step.alias}`}>
            {log}
          </pre>
        </>
      )}
    </section>
  );
}

/** Props of {@link PromotionDrawer}. */
export interface PromotionDrawerProps {
  project: string;
  promotionId: string;
  /** How people name freight (alias by id), for the freight the promotion moves. */
  freightNames: Map<string, string>;
  onClose: () => void;
  onChanged: () => void;
}

/**
 * One promotion: its phase and every step with status, message, output and log. Polled with backoff while it
 * is Pending or Running; Abort is offered then.
 */
export function PromotionDrawer(props: PromotionDrawerProps) {
  const { project, promotionId, freightNames, onClose, onChanged } = props;
  const classes = useStyles();
  const api = useApi(kargoApiRef);
  const [aborting, setAborting] = useState(false);
  const load = useCallback(
    () => api.getPromotion(project, promotionId),
    [api, project, promotionId],
  );
  const promotion = useLoader(load, `${project}/${promotionId}`);
  const value = promotion.value;
  const active = Boolean(value && isActivePhase(value.phase));
  usePolling({
    active,
    loading: promotion.loading,
    loadCount: promotion.loadCount,
    refresh: promotion.reload,
    progressKey: value
      ? `${value.phase}:${value.steps.map(s => s.status).join()}`
      : '',
  });

  let content;
  if (!value && promotion.loading) {
    content = <Progress />;
  } else if (!value) {
    content = (
      <InlineError
        error={promotion.error}
        prefix="Could not load the promotion"
      />
    );
  } else {
    const abortRequestedBy = stringField(value, 'abortRequestedBy');
    content = (
      <>
        <Typography variant="body2">
          <PhaseStatus phase={value.phase} />
        </Typography>
        {value.message && (
          <Typography variant="body2" gutterBottom>
            {value.message}
          </Typography>
        )}
        {abortRequestedBy && active && (
          <Alert severity="info">Abort requested by {abortRequestedBy}.</Alert>
        )}
        <Typography variant="body2" color="textSecondary">
          {value.rollback ? 'Rollback to freight' : 'Freight'}{' '}
          {freightNames.get(value.freight) ?? value.freight} · requested by{' '}
          {value.createdBy ?? 'the system'}{' '}
          <RelativeTime value={value.createdAt} />
          {value.startedAt && (
            <>
              {' '}
              · started <RelativeTime value={value.startedAt} />
            </>
          )}
          {value.finishedAt && (
            <>
              {' '}
              · finished <RelativeTime value={value.finishedAt} />
            </>
          )}
        </Typography>
        {promotion.error && (
          <Alert severity="warning">
            Could not refresh: {errorMessage(promotion.error)}
          </Alert>
        )}
        {active && (
          <Box mt={1}>
            <PermissionedButton
              size="small"
              variant="outlined"
              color="secondary"
              permission={kargoPromotionAbortPermission}
              resourceRef={stageResourceRef(project, value.stage)}
              actionText={`abort promotions of stage ${value.stage}`}
              onClick={() => setAborting(true)}
            >
              Abort
            </PermissionedButton>
          </Box>
        )}
        <Box mt={2}>
          <Divider />
        </Box>
        {value.steps.length === 0 ? (
          <Typography variant="body2" color="textSecondary">
            No steps have run yet.
          </Typography>
        ) : (
          value.steps.map((step, i) => (
            <Step key={step.alias} step={step} index={i} />
          ))
        )}
        {aborting && (
          <AbortPromotionDialog
            open
            onClose={() => setAborting(false)}
            onAborted={() => {
              setAborting(false);
              promotion.reload();
              onChanged();
            }}
            promotion={value}
            freightName={freightNames.get(value.freight)}
          />
        )}
      </>
    );
  }

  return (
    <Drawer
      anchor="right"
      open
      onClose={onClose}
      classes={{ paper: classes.paper }}
    >
      <div role="dialog" aria-label={`Promotion ${promotionId}`}>
        <Box display="flex" alignItems="center" justifyContent="space-between">
          <Typography variant="h5" component="h2">
            Promotion to {value?.stage ?? '…'}
          </Typography>
          <IconButton aria-label="Close" onClick={onClose}>
            <CloseIcon />
          </IconButton>
        </Box>
        <Typography variant="caption" color="textSecondary" gutterBottom>
          {promotionId}
        </Typography>
        {content}
      </div>
    </Drawer>
  );
}
