import Tooltip from '@material-ui/core/Tooltip';
import { absoluteTime, relativeTime } from '../../lib/time';

/** "5 minutes ago", with the exact time in a tooltip. */
export function RelativeTime(props: { value: string }) {
  return (
    <Tooltip title={absoluteTime(props.value)}>
      <time dateTime={props.value}>{relativeTime(props.value)}</time>
    </Tooltip>
  );
}
