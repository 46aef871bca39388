import Alert from '@material-ui/lab/Alert';
import { errorMessage, errorStatus } from '../../lib/errors';

const titles: Record<number, string> = {
  400: 'The request was refused',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
};

/**
 * A failed action's error, inline where the user acted (dialog, row), with the backend's own message: a 403
 * names the permission, a 409 why the change conflicts.
 */
export function InlineError(props: { error: unknown; prefix?: string }) {
  const status = errorStatus(props.error);
  const title = status !== undefined ? titles[status] : undefined;
  return (
    <Alert severity="error" role="alert">
      {props.prefix ? `${props.prefix}: ` : ''}
      {title ? `${title} (${status}): ` : ''}
      {errorMessage(props.error)}
    </Alert>
  );
}
