import { ReactNode } from 'react';
import Button, { ButtonProps } from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  kargoProjectUpdatePermission,
  kargoStagePromotePermission,
  kargoStageVerifyPermission,
  kargoWarehouseRefreshPermission,
} from '@kargo-portal/plugin-kargo-common';

/** The Kargo permissions on a resource: a stage (`kargo-stage`) or a project (`kargo-project`). */
export type KargoResourcePermission =
  | typeof kargoStagePromotePermission
  | typeof kargoStageVerifyPermission
  | typeof kargoProjectUpdatePermission
  | typeof kargoWarehouseRefreshPermission;

/** Props of {@link PermissionedButton}. */
export interface PermissionedButtonProps
  extends Omit<ButtonProps, 'disabled' | 'title' | 'action'> {
  permission: KargoResourcePermission;
  /** The stage (`<project>/<stage>`) or project the action is on. */
  resourceRef: string;
  /** What the user may not do, for the tooltip: "promote to stage prod". */
  actionText: string;
  /** Set when the action is unavailable for another reason than permissions; shown as the tooltip. */
  unavailableReason?: string;
  /**
   * The user's permission as the backend already decided it for this resource (a pipeline stage's
   * `permissions`): when given, the permission backend is not asked.
   */
  decided?: boolean;
  children: ReactNode;
}

/**
 * A button for an action the backend authorizes: disabled, with the reason in a tooltip, while the user's
 * permission is being checked, when it is denied, or when the action is unavailable. The backend decides
 * anyway; this only mirrors its decision.
 */
export function PermissionedButton(props: PermissionedButtonProps) {
  const { decided, ...rest } = props;
  return decided === undefined ? (
    <CheckedButton {...rest} />
  ) : (
    <ButtonFor {...rest} allowed={decided} loading={false} />
  );
}

/** Asks the permission backend, then shows the button. */
function CheckedButton(props: Omit<PermissionedButtonProps, 'decided'>) {
  const { allowed, loading, error } = usePermission({
    permission: props.permission,
    resourceRef: props.resourceRef,
  });
  return (
    <ButtonFor {...props} allowed={allowed} loading={loading} error={error} />
  );
}

function ButtonFor(
  props: Omit<PermissionedButtonProps, 'decided'> & {
    allowed: boolean;
    loading: boolean;
    error?: Error;
  },
) {
  const {
    permission,
    resourceRef,
    actionText,
    unavailableReason,
    children,
    allowed,
    loading,
    error,
    ...buttonProps
  } = props;
  let reason: string | undefined;
  if (loading) {
    reason = 'Checking your permissions…';
  } else if (error) {
    reason = `Could not check whether you may ${actionText}: ${error.message}`;
  } else if (!allowed) {
    reason = `You are not allowed to ${actionText} (permission ${permission.name} on ${resourceRef}).`;
  } else {
    reason = unavailableReason;
  }
  // A disabled button fires no mouse events: the tooltip listens on a wrapper. The wrapper is always there, so
  // that the button keeps its identity (and focus) when its state changes.
  return (
    <Tooltip title={reason ?? ''}>
      <span>
        <Button {...buttonProps} disabled={reason !== undefined}>
          {children}
        </Button>
      </span>
    </Tooltip>
  );
}
