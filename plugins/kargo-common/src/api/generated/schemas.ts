// ******************************************************************
// * THIS IS A GENERATED FILE. DO NOT EDIT IT: edit plugins/kargo-backend/src/schema/openapi.yaml and run
// * `yarn generate:openapi` in plugins/kargo-backend.
// ******************************************************************
// Types of the Kargo Portal API's schemas (components.schemas of the OpenAPI spec).

export type Error = {
  error: {
    name: string;
    message: string;
  };
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
};

export type ManifestsInput = {
  /** Multi-document YAML of Kargo manifests */
  manifests: string;
};

export type FreightInput = {
  /** Id or alias of the freight */
  freight: string;
};

export type RollbackInput = {
  /** Id or alias of freight the stage ran before; without it, the newest freight of the stage's history that it no longer runs. */
  freight?: string;
};

export type ProjectSummary = {
  name: string;
  stageCount: number;
  warehouseCount: number;
  /** Where the project's manifests come from: a configured file or URL (kargo.definitions), or the API (then it can be replaced and deleted through the API). */
  source: 'file' | 'url' | 'api';
  /** The Project manifest's annotations, e.g. the scaffolder template that created the project (kargo-portal.io/scaffolder-template). */
  annotations: {
    [key: string]: string;
  };
};

export type ProjectList = {
  items: Array<ProjectSummary>;
};

export type Origin = {
  kind: 'Warehouse';
  name: string;
};

export type Freight = {
  id: string;
  alias: string;
  project: string;
  origin: Origin;
  commits: Array<{
    repoURL: string;
    id: string;
    branch?: string;
    tag?: string;
    message?: string;
    author?: string;
    committer?: string;
  }>;
  images: Array<{
    repoURL: string;
    tag: string;
    digest: string;
    annotations?: {
      [key: string]: string;
    };
  }>;
  charts: Array<{
    repoURL: string;
    name: string;
    version: string;
  }>;
  /** Artifacts of subscription types that backend modules register. */
  artifacts?: Array<ArtifactReference>;
  createdAt: string;
};

export type ArtifactReference = {
  artifactType: string;
  subscriptionName: string;
  version: string;
  metadata?: {
    [key: string]: unknown;
  };
};

/** A Freight with its status in the stages and its metadata. */
export type FreightView = {
  id: string;
  alias: string;
  project: string;
  origin: Origin;
  commits: Array<{
    repoURL: string;
    id: string;
    branch?: string;
    tag?: string;
    message?: string;
    author?: string;
    committer?: string;
  }>;
  images: Array<{
    repoURL: string;
    tag: string;
    digest: string;
    annotations?: {
      [key: string]: string;
    };
  }>;
  charts: Array<{
    repoURL: string;
    name: string;
    version: string;
  }>;
  /** Artifacts of subscription types that backend modules register. */
  artifacts?: Array<ArtifactReference>;
  createdAt: string;
  status: {
    currentlyIn: Array<string>;
    verifiedIn: {
      [key: string]: {
        verifiedAt?: string;
        longestSoakMs?: number;
      };
    };
    approvedFor: {
      [key: string]: {
        approvedAt: string;
        approvedBy?: string;
      };
    };
    /** Every stage the freight has been in, current ones included. */
    previouslyIn?: Array<string>;
  };
  /** What set-metadata steps set on the freight, key by key; absent when nothing. */
  metadata?: {
    [key: string]: unknown;
  };
};

export type FreightPage = {
  items: Array<FreightView>;
  nextCursor?: string;
};

export type PromotionStep = {
  alias: string;
  uses?: string;
  status:
    | 'Pending'
    | 'Running'
    | 'Succeeded'
    | 'Skipped'
    | 'Failed'
    | 'Errored'
    | 'Aborted';
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  /** A failure of this step leaves the promotion's phase alone. */
  continueOnError?: boolean;
  /** How many times the step was started, retries and runs after a crash included. */
  attempts?: number;
  /** Consecutive retryable errors so far, counted against retry.errorThreshold. */
  errorCount?: number;
  /** When a waiting or retrying step runs next. */
  nextAttemptAt?: string;
  /** The step's output, with known secrets redacted. */
  output?: {
    [key: string]: unknown;
  };
  /** The step's log, with known secrets redacted; long logs keep their first and last lines. */
  log?: Array<{
    time: string;
    level: 'info' | 'warn' | 'error';
    message: string;
  }>;
};

export type Promotion = {
  /** The promotion's name, as Kargo names it: <stage>.<ulid>.<first 7 of the freight>, lowercased (ctx.promotion in expressions; git-push's generated branch is kargo/promotion/<name>). */
  id: string;
  project: string;
  stage: string;
  freight: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Errored' | 'Aborted';
  message?: string;
  steps: Array<PromotionStep>;
  createdBy?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Who asked to abort the promotion. */
  abortRequestedBy?: string;
  /** Present (true) when the promotion is a rollback: it moves freight from the stage's history that the stage no longer runs (ctx.meta.promotion.rollback in steps). */
  rollback?: boolean;
};

export type PromotionPage = {
  items: Array<Promotion>;
  nextCursor?: string;
};

export type PipelineStage = {
  name: string;
  color?: string;
  upstream: Array<string>;
  warehouses: Array<string>;
  depth: number;
  /** The freight most recently moved into the stage; a stage fed by several warehouses runs one freight of each, which the first entry of freightHistory names. */
  currentFreight?: Freight;
  /** The stage's last freight collections (at most 10, as Kargo keeps), newest (current) first. */
  freightHistory?: Array<StageHistoryEntry>;
  lastPromotion?: Promotion;
  /** How many freight the stage may receive now, counted up to 1000. */
  eligibleFreightCount: number;
  /** True when more freight than eligibleFreightCount are eligible. */
  eligibleFreightCountCapped?: boolean;
  /** The warehouses the stage requests freight from. */
  origins?: Array<string>;
  /** Soak of the current freight: since when the stage has run it, and the longest requiredSoakTime a downstream stage asks of freight from this stage. */
  soak?: {
    since: string;
    requiredMs: number;
  };
  /** What set-metadata steps set on the stage, key by key; absent when nothing. */
  metadata?: {
    [key: string]: unknown;
  };
  health?: StageHealth;
  verification?: StageVerification;
  autoPromotion: StageAutoPromotion;
  /** Present while the project's promotion windows keep the stage closed: why (the window responsible), and when promotions next open (absent when no opening is known within a year). Promotions are refused and auto-promotion waits until then. */
  promotionWindow?: {
    reason: string;
    nextOpen?: string;
  };
  /** The caller's permissions on the stage's actions when the pipeline was read, by permission name (kargo.stage.promote, kargo.freight.approve, kargo.promotion.abort), so that a client shows the actions without asking the permission backend again. The backend decides again on each action. */
  permissions?: {
    [key: string]: boolean;
  };
};

/** Auto-promotion of the stage: whether the project's promotion policies enable it, and the holds, per origin, that a user's promotion of other freight (or a rollback, a policy's automatic rollback included) put on it, each stopping auto-promotion of that origin until the user promotes the freight auto-promotion would, or auto-promotion is switched off. */
export type StageAutoPromotion = {
  enabled: boolean;
  holds?: Array<{
    /** The warehouse whose freight is no longer auto-promoted. */
    origin: string;
    /** The freight the user promoted. */
    freight: string;
    promotion: string;
    /** Who promoted it; system:kargo/auto-rollback for an automatic rollback. */
    actor: string;
    rollback: boolean;
    since: string;
  }>;
};

/** The stage's newest verification (of its current freight collection, unless the stage moved on since): the metrics of its AnalysisTemplates, run with Argo Rollouts' semantics. Successful marks the freight verified in the stage. */
export type StageVerification = {
  id: string;
  phase:
    | 'Pending'
    | 'Running'
    | 'Successful'
    | 'Failed'
    | 'Error'
    | 'Aborted'
    | 'Inconclusive';
  /** Kargo's id of the freight collection verified. */
  collection: string;
  /** The freight of the collection. */
  freight: Array<string>;
  /** 1 for the collection's first verification, one more for each re-verification. */
  attempt: number;
  /** Who asked for a re-verification; absent when the stage started it. */
  actor?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  abortedBy?: string;
  /** The templates run, as <kind>/<name>. */
  templates: Array<string>;
  /** The stage's verification.analysisRunMetadata, kept with the verification (Kargo's AnalysisRun metadata). */
  runMetadata?: {
    labels?: {
      [key: string]: string;
    };
    annotations?: {
      [key: string]: string;
    };
  };
  measurements: Array<VerificationMeasurement>;
};

export type VerificationMeasurement = {
  metric: string;
  phase: 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
  /** The measured result */
  value?: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
};

/** Health of the stage as Kargo evaluates it from the health checks of its last successful promotion (the worst application wins), kept current from a watch of the Argo CD Applications. */
export type StageHealth = {
  status: 'Healthy' | 'Progressing' | 'Unknown' | 'Unhealthy' | 'NotApplicable';
  message?: string;
  /** When the health was first evaluated as it is (it is rewritten only when it changes). */
  updatedAt?: string;
  /** The promotion whose health checks were evaluated. */
  promotion?: string;
  applications: Array<ApplicationHealth>;
};

/** One Argo CD Application a health check watches. */
export type ApplicationHealth = {
  /** The configured cluster's name. */
  cluster: string;
  namespace: string;
  name: string;
  /** What this application contributes to the stage's health. */
  status: 'Healthy' | 'Progressing' | 'Unknown' | 'Unhealthy' | 'NotApplicable';
  message?: string;
  /** The Application's sync status (Synced, OutOfSync, Unknown), absent when the app is missing. */
  syncStatus?: string;
  /** The revision the Application is synced to (the first source's for multi-source apps). */
  revision?: string;
  revisions?: Array<string>;
  /** The revisions the promotion asked for, one per source ('' when it asked for none). */
  desiredRevisions?: Array<string>;
  /** Argo CD's own health (Healthy, Progressing, Degraded, Suspended, Missing, Unknown). */
  healthStatus?: string;
  /** The app in the Argo CD UI, when a UI URL is configured or the stage's argocd-context gives one. */
  link?: {
    url: string;
    /** What to call the UI (kargo.argocd.title), such as "Argo CD" or "simulated Argo CD". */
    title: string;
  };
};

export type Pipeline = {
  project: string;
  warehouses: Array<string>;
  stages: Array<PipelineStage>;
};

export type StageHistory = {
  items: Array<StageHistoryEntry>;
};

/** The freight a promotion moved into the stage, and the freight collection the stage ran from then on. */
export type StageHistoryEntry = {
  /** The freight the promotion moved in. */
  freight: string;
  promotion?: string;
  promotedAt: string;
  collection: FreightCollection;
};

/** What a stage runs, as Kargo's FreightCollection: one freight per origin. Promoting freight of one warehouse replaces only that warehouse's freight. */
export type FreightCollection = {
  /** Kargo's collection id, the SHA-1 (hex) of the sorted freight names joined with commas. */
  id: string;
  /** One freight per origin, ordered by origin. */
  items: Array<{
    origin: {
      kind: 'Warehouse';
      name: string;
    };
    /** The freight's id. */
    name: string;
  }>;
};

export type Warehouse = {
  project: string;
  name: string;
  freightCreationPolicy?: 'Automatic' | 'Manual';
  interval?: string;
  refreshRequestedAt?: string;
  refreshRequestedBy?: string;
  /** When discovery last ran, successful or not. */
  lastAttemptAt?: string;
  /** When discovery last succeeded. */
  lastDiscoveryAt?: string;
  /** Why the last discovery failed; cleared by the next successful one. */
  lastError?: string;
  discovered?: DiscoveredArtifacts;
  /** Alias of the warehouse's newest freight. */
  latestFreight?: string;
};

/** What each subscription found, newest first. */
export type DiscoveredArtifacts = {
  discoveredAt: string;
  images?: Array<{
    repoURL: string;
    platform?: string;
    references: Array<{
      tag: string;
      digest: string;
      annotations?: {
        [key: string]: string;
      };
      createdAt?: string;
    }>;
  }>;
  commits?: Array<{
    repoURL: string;
    commits: Array<{
      id: string;
      branch?: string;
      tag?: string;
      subject?: string;
      author?: string;
      committer?: string;
      creatorDate?: string;
    }>;
  }>;
  charts?: Array<{
    repoURL: string;
    name: string;
    semverConstraint?: string;
    versions: Array<string>;
  }>;
  /** What subscriptions of types that backend modules register found. */
  results?: Array<{
    type: string;
    /** How the UI names the subscription's type. */
    label: string;
    subscriptionName: string;
    artifactReferences: Array<ArtifactReference>;
  }>;
};

/** One artifact per subscription, chosen among those the warehouse discovered. */
export type FreightSelection = {
  images?: Array<{
    repoURL: string;
    tag: string;
  }>;
  commits?: Array<{
    repoURL: string;
    id: string;
  }>;
  charts?: Array<{
    repoURL: string;
    name?: string;
    version: string;
  }>;
  artifacts?: Array<{
    subscriptionName: string;
    version: string;
  }>;
};

export type WebhookReceiver = {
  project: string;
  name: string;
  provider: string;
  /** Path under /api/kargo to configure at the provider; derived from the secret. */
  path?: string;
  problem?: string;
};

export type WebhookReceiverList = {
  items: Array<WebhookReceiver>;
};

export type WarehouseList = {
  items: Array<Warehouse>;
};

export type DefinitionSource = {
  key: string;
  kind: 'file' | 'url' | 'api';
  target: string;
  version?: number;
  projects: Array<string>;
  lastError?: string;
  lastErrorAt?: string;
  checkedAt: string;
  /** What became of the documents of the current version that are not plain Kargo manifests, and warnings: AnalysisTemplates kept for verification, other kinds skipped, Kargo credential Secrets refused (never stored), deprecated fields read as their replacements, repeated keys (the last one wins). */
  notes?: Array<DefinitionNote>;
};

export type DefinitionNote = {
  /** 1-based index of the YAML document */
  document: number;
  level: 'kept' | 'skipped' | 'refused' | 'deprecated' | 'warning';
  apiVersion?: string;
  kind?: string;
  name?: string;
  /** Dotted path of the field, empty for the whole document */
  path: string;
  message: string;
};

export type DefinitionSourceList = {
  items: Array<DefinitionSource>;
};
