export type { AutoPromotionStore, StageHold } from './AutoPromotionStore';
export type { DefinitionStore, StoredDefinition } from './DefinitionStore';
export type {
  FreightMatch,
  FreightStageState,
  FreightStore,
  NewFreight,
} from './FreightStore';
export type { KargoStores } from './KargoStores';
export {
  LeaseLostError,
  type ClaimedPromotion,
  type EffectsToApply,
  type FinishedPhase,
  type PromotionEnding,
  type PromotionStore,
} from './PromotionStore';
export type {
  MetadataByName,
  MetadataKind,
  StageStore,
  StageSummary,
} from './StageStore';
export type { StoreTransaction, TransactionRunner } from './StoreTransaction';
export type { WarehouseStore } from './WarehouseStore';
export {
  VerificationLeaseLostError,
  type AnalysisArg,
  type FinishedVerificationPhase,
  type Measurement,
  type Verification,
  type VerificationAnalysis,
  type VerificationPhase,
  type VerificationStore,
} from './VerificationStore';
