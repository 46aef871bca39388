/**
 * The Kargo manifest model (apiVersion `kargo.akuity.io/v1alpha1`). The types are derived from the zod schemas
 * that validate manifests, so they describe exactly what {@link parseManifests} returns: defaults applied, unknown
 * fields rejected.
 *
 * @packageDocumentation
 */

import type { z } from 'zod';
import type { metadata, labelSelector, stageSelector } from './common';
import type {
  clusterConfigManifestSchema,
  clusterPromotionTaskManifestSchema,
  projectConfigManifestSchema,
  projectManifestSchema,
  promotionStepSchema,
  promotionTaskManifestSchema,
  stageManifestSchema,
  warehouseSpecSchema,
} from './schema';
import type {
  promotionPolicySchema,
  webhookReceiverSchema,
} from './projectConfigSchema';
import type { KARGO_API_VERSION } from './constants';

export type {
  ChartSubscription,
  GenericSubscription,
  GitSubscription,
  ImageSubscription,
  WarehouseSubscription,
} from './subscriptions';

/** Kinds of Kargo manifest the portal understands. @public */
export type KargoKind =
  | 'Project'
  | 'ProjectConfig'
  | 'Warehouse'
  | 'Stage'
  | 'PromotionTask'
  | 'ClusterPromotionTask'
  | 'ClusterConfig';

/** Object metadata, as in Kubernetes: name, namespace, labels and annotations. @public */
export type KargoObjectMeta = z.output<typeof metadata>;

/** A Kubernetes label selector (`matchLabels`, `matchExpressions`). @public */
export type LabelSelector = z.output<typeof labelSelector>;

/**
 * Selects stages by `name` (exact, `regex:`, `regexp:` or `glob:`) and/or labels; see
 * {@link matchesStageSelector}. @public
 */
export type StageSelector = z.output<typeof stageSelector>;

// --- Stage -------------------------------------------------------------------------------------------------------

/** A Kargo Stage: an environment that freight is promoted into. @public */
export type StageManifest = z.output<typeof stageManifestSchema>;

/** The spec of a Stage. @public */
export type StageSpec = StageManifest['spec'];

/** One entry of a stage's `requestedFreight`: an origin and where freight from it may come from. @public */
export type FreightRequest = StageSpec['requestedFreight'][number];

/** Where freight comes from: a warehouse. @public */
export type FreightOrigin = FreightRequest['origin'];

/**
 * Where a stage may take freight from: straight from the warehouse (`direct`) and/or once verified (and soaked for
 * `requiredSoakTime`) in upstream `stages`; `availabilityStrategy` `All` requires every upstream stage, `OneOf`
 * or empty any one. @public
 */
export type FreightSources = FreightRequest['sources'];

/** A stage's promotion template: variables and steps. @public */
export type PromotionTemplate = NonNullable<StageSpec['promotionTemplate']>;

/** How a stage's current freight is verified (Argo Rollouts analysis). @public */
export type Verification = NonNullable<StageSpec['verification']>;

/**
 * One promotion step: it runs a registered step (`uses` with a free-form `config`) or, in a stage's template only,
 * inflates a (Cluster)PromotionTask (`task`). @public
 */
export type PromotionStepSpec = z.output<typeof promotionStepSchema>;

/** A reference from a step to a PromotionTask or ClusterPromotionTask. @public */
export type PromotionTaskReference = NonNullable<PromotionStepSpec['task']>;

/** A step's retry policy. @public */
export type PromotionStepRetry = NonNullable<PromotionStepSpec['retry']>;

/** A variable that expressions can reference as `vars.<name>`. @public */
export type ExpressionVariable = NonNullable<PromotionStepSpec['vars']>[number];

// --- Warehouse ---------------------------------------------------------------------------------------------------

type ParsedWarehouseSpec = z.output<typeof warehouseSpecSchema>;

/**
 * The spec of a Warehouse. {@link parseManifests} always sets `interval` (default `5m0s`) and
 * `freightCreationPolicy` (default `Automatic`); they are optional in this type, as in a manifest, so that code
 * can build a Warehouse to be written out without spelling out Kargo's defaults. @public
 */
export type WarehouseSpec = Omit<
  ParsedWarehouseSpec,
  'interval' | 'freightCreationPolicy'
> &
  Partial<Pick<ParsedWarehouseSpec, 'interval' | 'freightCreationPolicy'>>;

/** A Kargo Warehouse: a source of freight. @public */
export interface WarehouseManifest {
  apiVersion: typeof KARGO_API_VERSION;
  kind: 'Warehouse';
  metadata: KargoObjectMeta;
  spec: WarehouseSpec;
}

// --- Project, ProjectConfig ----------------------------------------------------------------------------------------

/** A Kargo Project; `spec.promotionPolicies` is the legacy (Kargo < 1.5) place of promotion policies. @public */
export type ProjectManifest = z.output<typeof projectManifestSchema>;

/** A promotion policy of a legacy Project spec: an exact stage name. @public */
export type LegacyPromotionPolicy = NonNullable<
  NonNullable<ProjectManifest['spec']>['promotionPolicies']
>[number];

/** A Kargo ProjectConfig: promotion policies, webhook receivers, links and promotion windows of a project. @public */
export type ProjectConfigManifest = z.output<
  typeof projectConfigManifestSchema
>;

/** The spec of a ProjectConfig. @public */
export type ProjectConfigSpec = NonNullable<ProjectConfigManifest['spec']>;

/** Whether stages matching a selector (or the legacy exact `stage`) auto-promote. @public */
export type PromotionPolicy = z.output<typeof promotionPolicySchema>;

/** A project webhook receiver: a name and exactly one platform configuration. @public */
export type WebhookReceiverConfig = z.output<typeof webhookReceiverSchema>;

// --- PromotionTask, ClusterPromotionTask -------------------------------------------------------------------------

/** A Kargo PromotionTask: reusable steps with default variables, in a project. @public */
export type PromotionTaskManifest = z.output<
  typeof promotionTaskManifestSchema
>;

/** A Kargo ClusterPromotionTask: a PromotionTask available to every project. @public */
export type ClusterPromotionTaskManifest = z.output<
  typeof clusterPromotionTaskManifestSchema
>;

/** The spec of a (Cluster)PromotionTask. @public */
export type PromotionTaskSpec = PromotionTaskManifest['spec'];

/**
 * Kargo's ClusterConfig (named "cluster"): webhook receivers shared by all projects. Their secrets stand in for
 * the Secrets of Kargo's system resources namespace (backend config `kargo.systemSecrets`). @public
 */
export type ClusterConfigManifest = z.output<
  typeof clusterConfigManifestSchema
>;

/** A parsed, validated Kargo manifest. @public */
export type KargoManifest =
  | ProjectManifest
  | ProjectConfigManifest
  | WarehouseManifest
  | StageManifest
  | PromotionTaskManifest
  | ClusterPromotionTaskManifest
  | ClusterConfigManifest;
