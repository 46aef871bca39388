export { PromotionDialogActions } from './PromotionDialogActions';
export type { PromotionDialogActionsProps } from './PromotionDialogActions';
