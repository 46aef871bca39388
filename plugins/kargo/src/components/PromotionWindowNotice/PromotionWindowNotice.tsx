import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { StagePromotionWindow } from '@kargo-portal/plugin-kargo-common';
import { RelativeTime } from '../RelativeTime';

/**
 * A stage closed by the project's promotion windows: the window responsible and when promotions next open.
 * `compact` is the card's one line (the reason in its tooltip); otherwise an alert, as in the stage drawer.
 */
export function PromotionWindowNotice(props: {
  stage: string;
  window: StagePromotionWindow;
  compact?: boolean;
}) {
  const { stage, window: closed, compact } = props;
  const next = closed.nextOpen ? (
    <>
      opens <RelativeTime value={closed.nextOpen} />
    </>
  ) : (
    <>no opening within a year</>
  );
  if (compact) {
    return (
      <Typography
        variant="caption"
        color="textSecondary"
        display="block"
        title={`Promotions to ${stage} are closed: ${closed.reason}`}
      >
        promotions closed · {next}
      </Typography>
    );
  }
  return (
    <Alert severity="info" aria-label={`Promotion window of ${stage}`}>
      Promotions to {stage} are closed: {closed.reason}.{' '}
      {closed.nextOpen ? (
        <>
          They open <RelativeTime value={closed.nextOpen} /> (
          {new Date(closed.nextOpen).toLocaleString()}).
        </>
      ) : (
        'No opening is known within a year.'
      )}{' '}
      Auto-promotion waits until then.
    </Alert>
  );
}
