export { PromotionHistory } from './PromotionHistory';
export type { PromotionHistoryProps } from './PromotionHistory';
