export { PromotionWindowNotice } from './PromotionWindowNotice';
