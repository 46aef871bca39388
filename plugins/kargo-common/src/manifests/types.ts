/**
 * The Kargo manifest model (apiVersion `kargo.akuity.io/v1alpha1`) as far as the portal reads it.
 *
 * @packageDocumentation
 */

/** The API version of every Kargo manifest the portal accepts. @public */
export const KARGO_API_VERSION = 'kargo.akuity.io/v1alpha1';

/** Kinds of Kargo manifest the portal understands. @public */
export type KargoKind =
  | 'Project'
  | 'ProjectConfig'
  | 'Warehouse'
  | 'Stage'
  | 'PromotionTask'
  | 'ClusterPromotionTask';

/** Object metadata, as in Kubernetes. @public */
export interface KargoObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Where freight comes from: a warehouse. @public */
export interface FreightOrigin {
  kind: 'Warehouse';
  name: string;
}

/** One entry of a stage's `requestedFreight`. @public */
export interface FreightRequest {
  origin: FreightOrigin;
  sources: {
    /** The stage takes freight straight from the warehouse. */
    direct?: boolean;
    /** The stage takes freight verified in these upstream stages. */
    stages?: string[];
  };
}

/** A Kargo Stage: an environment that freight is promoted into. @public */
export interface StageManifest {
  apiVersion: typeof KARGO_API_VERSION;
  kind: 'Stage';
  metadata: KargoObjectMeta;
  spec: {
    requestedFreight: FreightRequest[];
    [field: string]: unknown;
  };
}

/** A Kargo Warehouse: a source of freight. @public */
export interface WarehouseManifest {
  apiVersion: typeof KARGO_API_VERSION;
  kind: 'Warehouse';
  metadata: KargoObjectMeta;
  spec: {
    subscriptions: Array<Record<string, unknown>>;
    [field: string]: unknown;
  };
}

/** A Kargo Project. @public */
export interface ProjectManifest {
  apiVersion: typeof KARGO_API_VERSION;
  kind: 'Project';
  metadata: KargoObjectMeta;
  spec?: Record<string, unknown>;
}

/** Any other Kargo manifest the portal keeps but does not yet interpret. @public */
export interface OtherKargoManifest {
  apiVersion: typeof KARGO_API_VERSION;
  kind: 'ProjectConfig' | 'PromotionTask' | 'ClusterPromotionTask';
  metadata: KargoObjectMeta;
  spec?: Record<string, unknown>;
}

/** A parsed, validated Kargo manifest. @public */
export type KargoManifest =
  | ProjectManifest
  | WarehouseManifest
  | StageManifest
  | OtherKargoManifest;
