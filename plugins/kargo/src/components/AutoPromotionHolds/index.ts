export { AutoPromotionHolds } from './AutoPromotionHolds';
