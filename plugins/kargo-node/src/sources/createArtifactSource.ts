import type {
  ArtifactReference,
  DiscoveredArtifacts,
} from '@kargo-portal/plugin-kargo-common';
import {
  ArtifactDiscoveryContext,
  ArtifactSource,
  ArtifactSourceWebhookEvent,
  FreightArtifact,
  InvalidSubscriptionError,
} from './types';

/**
 * A subscription of a module's type, as a Warehouse writes it (Kargo's generic subscription): the type's own
 * `config`, checked by the type, and how many revisions to keep.
 *
 * @public
 */
export interface GenericArtifactSubscription<TConfig> {
  config: TConfig;
  discoveryLimit: number;
}

/**
 * One revision a module's type discovered; it becomes a Freight `artifacts` entry (Kargo's `ArtifactReference`),
 * whose id part is `<artifactType>:<subscription name>:<version>`.
 *
 * @public
 */
export interface DiscoveredArtifactRevision {
  /** Identifies the revision; part of the Freight id. */
  version: string;
  /** Attributes steps and expressions may read (`artifactFrom("name").Metadata`); not part of the Freight id. */
  metadata?: Record<string, unknown>;
}

/** What a module's type keeps of one discovery: Kargo's `DiscoveryResult`. */
interface GenericDiscovery {
  subscriptionName: string;
  artifactReferences: ArtifactReference[];
}

/**
 * Options of {@link createArtifactSource}.
 *
 * @public
 */
export interface CreateArtifactSourceOptions<TConfig> {
  /** The subscription field that names the type; not `image`, `git` or `chart`. */
  type: string;
  /** How the UI names the type. */
  label: string;
  /** `artifactType` of the artifacts (often a media type); the type's name when unset. */
  artifactType?: string;
  /**
   * Checks and converts the subscription's `config` (an empty object when the manifest has none). Throw
   * {@link InvalidSubscriptionError} with the field's path inside `config`.
   */
  parseConfig(config: Record<string, unknown>): TConfig;
  /** What a subscription follows, in messages; its name when unset. */
  subject?(config: TConfig): string;
  /** The newest revisions, newest first; the list is cut to the subscription's `discoveryLimit`. */
  discover(
    subscription: GenericArtifactSubscription<TConfig>,
    context: ArtifactDiscoveryContext,
  ): Promise<DiscoveredArtifactRevision[]>;
  /** Whether a webhook delivery refreshes warehouses with this subscription. */
  matchesWebhook?(
    subscription: GenericArtifactSubscription<TConfig>,
    event: ArtifactSourceWebhookEvent,
  ): boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireName(subscriptionName: string | undefined): string {
  // The manifest schema requires a name for these types; this guards callers that bypass it.
  if (!subscriptionName) {
    throw new InvalidSubscriptionError('name', 'is required');
  }
  return subscriptionName;
}

/**
 * An {@link ArtifactSource} for a module's own type of subscription, written in a Warehouse as
 * `{ name: <name>, <type>: { config: {...}, discoveryLimit: 20 } }`. Its revisions become Freight `artifacts`
 * (Kargo's generic artifact references, read in expressions with `artifactFrom("<name>")`), its discovery results
 * are served as the warehouse's `discovered.results`, and users choose among them by subscription name and
 * version for manual freight.
 *
 * @public
 */
export function createArtifactSource<TConfig>(
  options: CreateArtifactSourceOptions<TConfig>,
): ArtifactSource<GenericArtifactSubscription<TConfig>, GenericDiscovery> {
  const { type, label } = options;
  const artifactType = options.artifactType ?? type;
  const resultOf = (discovered: DiscoveredArtifacts, name: string) =>
    discovered.results?.find(
      r => r.type === type && r.subscriptionName === name,
    );
  return {
    type,
    label,
    parseSubscription(spec) {
      if (!isRecord(spec)) {
        throw new InvalidSubscriptionError('', 'must be an object');
      }
      const { config = {}, discoveryLimit = 20 } = spec;
      if (!isRecord(config)) {
        throw new InvalidSubscriptionError('config', 'must be an object');
      }
      if (
        typeof discoveryLimit !== 'number' ||
        !Number.isInteger(discoveryLimit) ||
        discoveryLimit < 1 ||
        discoveryLimit > 100
      ) {
        throw new InvalidSubscriptionError(
          'discoveryLimit',
          'must be an integer from 1 to 100',
        );
      }
      try {
        return { config: options.parseConfig(config), discoveryLimit };
      } catch (error) {
        if (error instanceof InvalidSubscriptionError) {
          throw new InvalidSubscriptionError(
            error.field ? `config.${error.field}` : 'config',
            error.problem,
          );
        }
        throw error;
      }
    },
    subject(subscription, subscriptionName) {
      return (
        options.subject?.(subscription.config) ??
        `${type} subscription "${subscriptionName ?? ''}"`
      );
    },
    async discover(subscription, context) {
      const subscriptionName = requireName(context.subscriptionName);
      const revisions = await options.discover(subscription, context);
      return {
        subscriptionName,
        artifactReferences: revisions
          .slice(0, subscription.discoveryLimit)
          .map(revision => ({
            artifactType,
            subscriptionName,
            version: revision.version,
            ...(revision.metadata ? { metadata: revision.metadata } : {}),
          })),
      };
    },
    record(discovered, discovery) {
      (discovered.results ??= []).push({ type, label, ...discovery });
    },
    revisions(discovered, _subscription, subscriptionName) {
      const result = resultOf(discovered, requireName(subscriptionName));
      return (result?.artifactReferences ?? []).map(
        (artifact): FreightArtifact => ({ kind: 'artifact', artifact }),
      );
    },
    choose({ selection, subscriptionName, revisions, warehouse }) {
      const name = requireName(subscriptionName);
      const index = selection.artifacts.findIndex(
        a => a.subscriptionName === name,
      );
      if (index < 0) throw new Error(`no version of "${name}" chosen`);
      const [pick] = selection.artifacts.splice(index, 1);
      const found = revisions.find(
        r => r.kind === 'artifact' && r.artifact.version === pick.version,
      );
      if (!found) {
        throw new Error(
          `artifacts: version "${pick.version}" is not among the versions warehouse "${warehouse}" discovered for subscription "${name}"`,
        );
      }
      return found;
    },
    ...(options.matchesWebhook
      ? { matchesWebhook: options.matchesWebhook }
      : {}),
  };
}
