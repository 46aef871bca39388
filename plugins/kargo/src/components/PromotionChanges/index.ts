export { PromotionChanges } from './PromotionChanges';
export type { PromotionChangesProps } from './PromotionChanges';
