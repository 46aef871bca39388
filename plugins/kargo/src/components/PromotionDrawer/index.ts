export { PromotionDrawer } from './PromotionDrawer';
export type { PromotionDrawerProps } from './PromotionDrawer';
