export { PermissionedButton } from './PermissionedButton';
export type {
  KargoResourcePermission,
  PermissionedButtonProps,
} from './PermissionedButton';
