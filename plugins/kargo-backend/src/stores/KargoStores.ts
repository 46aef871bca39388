import { AutoPromotionStore } from './AutoPromotionStore';
import { DefinitionStore } from './DefinitionStore';
import { FreightStore } from './FreightStore';
import { PromotionStore } from './PromotionStore';
import { StageStore } from './StageStore';
import { TransactionRunner } from './StoreTransaction';
import { VerificationStore } from './VerificationStore';
import { WarehouseStore } from './WarehouseStore';

/**
 * The runtime state of Kargo Portal, one store per aggregate; the database is its source of truth.
 * `transaction` gives a unit of work to hand to the operations of several stores that must commit together.
 */
export interface KargoStores extends TransactionRunner {
  definitions: DefinitionStore;
  freight: FreightStore;
  stages: StageStore;
  promotions: PromotionStore;
  warehouses: WarehouseStore;
  verifications: VerificationStore;
  autoPromotions: AutoPromotionStore;
}
