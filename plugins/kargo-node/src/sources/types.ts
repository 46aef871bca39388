import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  ArtifactReference,
  Chart,
  DiscoveredArtifacts,
  FreightSelection,
  GitCommit,
  Image,
} from '@kargo-portal/plugin-kargo-common';

/**
 * One artifact of a Freight, tagged with the Freight field it goes into. The fields, and the part each artifact
 * adds to the Freight id, are Kargo's (`commits`, `images`, `charts`, and `artifacts` for other types), so a
 * Freight made in the portal has the id Kargo gives the same artifacts.
 *
 * @public
 */
export type FreightArtifact =
  | { kind: 'commit'; commit: GitCommit }
  | { kind: 'image'; image: Image }
  | { kind: 'chart'; chart: Chart }
  | { kind: 'artifact'; artifact: ArtifactReference };

/**
 * What a webhook delivery says changed: the repositories a provider reported a push to.
 *
 * @public
 */
export interface ArtifactSourceWebhookEvent {
  /** Git repository URLs (any of the forms a provider gives: clone, HTML, SSH). */
  gitRepoURLs: string[];
  /** Image or OCI repositories (`host/path`), for registry events. */
  imageRepoURLs: string[];
  /** Branch of a Git push, when the push was to a branch. */
  branch?: string;
}

/**
 * Where a discovery runs: the warehouse and subscription it is for, and a logger.
 *
 * @public
 */
export interface ArtifactDiscoveryContext {
  project: string;
  warehouse: string;
  /** The subscription's `name`, when it has one (always for types other than image, git and chart). */
  subscriptionName?: string;
  logger: LoggerService;
}

/**
 * An invalid subscription: `field` is the path of the offending field inside the subscription's spec
 * (`repoURL`, `config.city`), empty for the whole spec.
 *
 * @public
 */
export class InvalidSubscriptionError extends Error {
  override name = 'InvalidSubscriptionError';
  constructor(readonly field: string, readonly problem: string) {
    super(field ? `${field}: ${problem}` : problem);
  }
}

/**
 * A type of warehouse subscription (Kargo's subscribers): the field that names it in a subscription, how its spec
 * is validated, how it discovers revisions, how a revision becomes a Freight artifact, which webhook events refresh
 * it and how the UI names it. The backend keeps one per type; image, git and chart are registrations like any
 * other. Modules add types through `kargoArtifactSourcesExtensionPoint`, most simply with
 * {@link createArtifactSource}.
 *
 * @public
 */
export interface ArtifactSource<TSubscription = unknown, TDiscovery = unknown> {
  /** The subscription field that names the type (`image`, `git`, `chart`, `weather`). */
  readonly type: string;
  /** How the UI names the type (`Container image`), served with what the type discovers. */
  readonly label: string;
  /**
   * Checks and converts the spec under the type's field (for other types than image, git and chart: Kargo's
   * generic subscription, `{ config, discoveryLimit }`). Throw {@link InvalidSubscriptionError} naming the field.
   */
  parseSubscription(spec: unknown): TSubscription;
  /** What the subscription follows, in messages (a repository URL; credentials are redacted by the caller). */
  subject(subscription: TSubscription, subscriptionName?: string): string;
  /** Finds the newest revisions (newest or best first, at most the subscription's discovery limit). */
  discover(
    subscription: TSubscription,
    context: ArtifactDiscoveryContext,
  ): Promise<TDiscovery>;
  /**
   * Adds a discovery result to what the warehouse keeps and the API serves. Called in the order of the
   * warehouse's subscriptions.
   */
  record(
    discovered: DiscoveredArtifacts,
    discovery: TDiscovery,
    subscriptionName?: string,
  ): void;
  /** The subscription's revisions in what the warehouse keeps, newest first, as Freight artifacts. */
  revisions(
    discovered: DiscoveredArtifacts,
    subscription: TSubscription,
    subscriptionName?: string,
  ): FreightArtifact[];
  /** Why no freight can be made when {@link ArtifactSource.revisions} is empty; a generic message when unset. */
  nothingDiscovered?(
    subscription: TSubscription,
    subscriptionName?: string,
  ): string;
  /**
   * The revision a user chose for the subscription (manual freight): takes its entry out of `selection` and
   * returns it among `revisions`. Throws an error naming the field of the selection when none was chosen or the
   * choice is not among the discovered revisions.
   */
  choose(options: {
    selection: Required<FreightSelection>;
    subscription: TSubscription;
    subscriptionName?: string;
    revisions: FreightArtifact[];
    warehouse: string;
    /** Where the subscription is in its warehouse (`subscriptions[0]`), for messages. */
    field: string;
  }): FreightArtifact;
  /** Whether a webhook delivery refreshes warehouses with this subscription. None do when unset. */
  matchesWebhook?(
    subscription: TSubscription,
    event: ArtifactSourceWebhookEvent,
  ): boolean;
}
