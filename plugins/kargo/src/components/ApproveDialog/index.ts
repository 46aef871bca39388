export { ApproveDialog } from './ApproveDialog';
export type { ApproveDialogProps } from './ApproveDialog';
