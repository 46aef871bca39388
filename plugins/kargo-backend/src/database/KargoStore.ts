import {
  ArtifactReference,
  DefinitionSourceStatus,
  FreightChart,
  FreightCommit,
  FreightImage,
  FreightOrigin,
  FreightRecord,
  FreightView,
  Page,
  Promotion,
  StageHistoryEntry,
  WarehouseStatus,
  DiscoveredArtifacts,
} from '@kargo-portal/plugin-kargo-common';

/** The current good version of a manifest source. */
export interface StoredDefinition {
  sourceKey: string;
  kind: DefinitionSourceStatus['kind'];
  target: string;
  version: number;
  content: string;
}

/** What a stage looks like now, for the pipeline view. */
export interface StageSummary {
  stage: string;
  currentFreight?: FreightRecord;
  /** Since when the stage has run its current freight. */
  currentSince?: string;
  lastPromotion?: Promotion;
}

/** One stage's record of a freight, as eligibility needs it. */
export interface FreightStageState {
  stage: string;
  currentSince?: Date;
  verifiedAt?: Date;
  longestSoakMs?: number;
  approvedAt?: Date;
}

/**
 * Which freight a stage may receive, as conditions the database evaluates: freight of a direct origin, freight
 * of an origin verified in one of some stages, freight approved for a stage, or freight listed by id (decided
 * by the eligibility rules in code). A freight matching any of them is in.
 */
export interface FreightMatch {
  origins: string[];
  verifiedIn?: Array<{ origin: string; stages: string[] }>;
  approvedFor?: { origins: string[]; stage: string };
  ids?: string[];
}

/** Freight to store; the id is computed by the caller from the artifacts. */
export interface NewFreight {
  project: string;
  id: string;
  origin: FreightOrigin;
  commits: FreightCommit[];
  images: FreightImage[];
  charts: FreightChart[];
  /** Artifacts of subscription types that backend modules register, when there are any. */
  artifacts?: ArtifactReference[];
  createdAt: Date;
}

/** What carries metadata, as in Kargo: Stages and Freight (their `status.metadata`). */
export type MetadataKind = 'Stage' | 'Freight';

/** Metadata of Stages or Freight by name: for each, its keys and their values. */
export type MetadataByName = Record<string, Record<string, unknown>>;

/** The runtime state of Kargo Portal: the database is its source of truth. */
export interface KargoStore {
  // manifest sources
  getDefinitionRevision(): Promise<number>;
  loadDefinitions(): Promise<StoredDefinition[]>;
  saveDefinitionVersion(options: {
    sourceKey: string;
    kind: StoredDefinition['kind'];
    target: string;
    content: string;
    projects: string[];
    actor?: string;
  }): Promise<{ version: number; changed: boolean }>;
  recordDefinitionError(options: {
    sourceKey: string;
    kind: StoredDefinition['kind'];
    target: string;
    error: string;
  }): Promise<void>;
  removeDefinitionSource(sourceKey: string): Promise<boolean>;
  listDefinitionSources(): Promise<DefinitionSourceStatus[]>;

  // freight
  insertFreight(
    freight: NewFreight,
    options: {
      generateAlias: (
        isTaken: (alias: string) => Promise<boolean>,
      ) => Promise<string>;
    },
  ): Promise<{ freight: FreightRecord; created: boolean }>;
  getFreight(
    project: string,
    idOrAlias: string,
  ): Promise<FreightView | undefined>;
  /**
   * Freight newest first. `origins` narrows to those warehouses; `match`, when given, keeps only freight whose
   * origin is one of `match.origins` or whose id is one of `match.ids`.
   */
  listFreight(options: {
    project: string;
    origins?: string[];
    match?: FreightMatch;
    /** Only these ids (AND). */
    ids?: string[];
    limit: number;
    cursor?: string;
  }): Promise<Page<FreightView>>;
  /** Counts matching freight; with `max`, stops counting past it (the result is then at most `max + 1`). */
  countFreight(options: {
    project: string;
    match: FreightMatch;
    max?: number;
  }): Promise<number>;
  /** Freight that is verified in one of `verifiedIn` or approved for `approvedFor`, with its status. */
  listFreightCandidates(options: {
    project: string;
    origins: string[];
    verifiedIn: string[];
    approvedFor: string;
  }): Promise<Array<{ freight: FreightRecord; stages: FreightStageState[] }>>;
  approveFreight(options: {
    project: string;
    freightId: string;
    stage: string;
    actor: string;
    at: Date;
  }): Promise<void>;
  markVerified(options: {
    project: string;
    freightId: string;
    stage: string;
    at: Date;
  }): Promise<void>;

  // stages
  setCurrentFreight(options: {
    project: string;
    stage: string;
    freightId: string;
    promotionId?: string;
    at: Date;
  }): Promise<void>;
  /** Current freight and newest promotion of the given stages (stages with neither are left out). */
  getStageSummaries(project: string, stages: string[]): Promise<StageSummary[]>;
  getStageHistory(options: {
    project: string;
    stage: string;
    limit: number;
  }): Promise<StageHistoryEntry[]>;

  // metadata
  /**
   * Sets each key of `values` on the metadata of a Stage or Freight (other keys stay), as Kargo's `set-metadata`
   * step does; setting a key again replaces its value, so repeating an upsert is harmless. A Freight is named by
   * its id or its alias (resolved to the id, which is returned). An unknown Freight, or a Stage not in `stages`
   * when that is given, is a `NotFoundError` naming it.
   */
  upsertMetadata(options: {
    project: string;
    kind: MetadataKind;
    name: string;
    values: Record<string, unknown>;
    /** The stages the project defines: a Stage not among them is refused. */
    stages?: string[];
  }): Promise<{ name: string }>;
  /**
   * Metadata of the project's Stages or Freight, by name: of `names` only when given (a Freight may be named by
   * id or alias; the result is keyed by the names as given), else of all. Names without metadata are left out.
   */
  getMetadata(options: {
    project: string;
    kind: MetadataKind;
    names?: string[];
  }): Promise<MetadataByName>;

  // promotions
  createPromotion(options: {
    project: string;
    stage: string;
    freightId: string;
    actor?: string;
    at: Date;
  }): Promise<Promotion>;
  getPromotion(project: string, id: string): Promise<Promotion | undefined>;
  listPromotions(options: {
    project: string;
    stage?: string;
    limit: number;
    cursor?: string;
  }): Promise<Page<Promotion>>;
  requestAbort(options: {
    project: string;
    id: string;
    actor: string;
    at: Date;
  }): Promise<Promotion>;

  // warehouses
  requestRefresh(options: {
    project: string;
    warehouse: string;
    actor: string;
    at: Date;
  }): Promise<WarehouseStatus>;
  recordDiscovery(options: {
    project: string;
    warehouse: string;
    at: Date;
    result: { discovered?: DiscoveredArtifacts; error?: string };
  }): Promise<WarehouseStatus>;
  getWarehouse(
    project: string,
    warehouse: string,
  ): Promise<WarehouseStatus | undefined>;
  listWarehouses(project: string): Promise<WarehouseStatus[]>;
}
