export { AbortPromotionDialog } from './AbortPromotionDialog';
export type { AbortPromotionDialogProps } from './AbortPromotionDialog';
