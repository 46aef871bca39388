export { createPromotionWorker } from './PromotionWorker';
export type {
  PromotionWorker,
  PromotionWorkerDefinitions,
  PromotionWorkerOptions,
  PromotionWorkerStores,
} from './PromotionWorker';
export {
  DEFAULT_PROMOTION_WORKER_SETTINGS,
  readPromotionWorkerSettings,
} from './config';
export type { PromotionWorkerSettings } from './config';
