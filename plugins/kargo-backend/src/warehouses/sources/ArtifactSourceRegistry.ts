import {
  FreightArtifacts,
  WarehouseManifest,
  WarehouseSubscription,
  subscriptionTypeOf,
} from '@kargo-portal/plugin-kargo-common';
import {
  ArtifactSource,
  ArtifactSourceWebhookEvent,
  FreightArtifact,
  InvalidSubscriptionError,
} from '@kargo-portal/plugin-kargo-node';

/** A subscription of a warehouse with the source that serves its type and its spec as that source parsed it. */
export interface ResolvedSubscription {
  source: ArtifactSource;
  subscription: unknown;
  name?: string;
  /** Where the subscription is in its warehouse, for messages: `subscriptions[0]`. */
  field: string;
}

/**
 * The artifact sources warehouses can subscribe to, by type: the built-in `image`, `git` and `chart`, and those
 * backend modules add through `kargoArtifactSourcesExtensionPoint`. A type can be registered once; a second
 * registration is an error, so that a module cannot silently replace a built-in type.
 */
export class ArtifactSourceRegistry {
  private readonly sources = new Map<string, ArtifactSource>();

  static create(
    ...groups: Array<Iterable<ArtifactSource>>
  ): ArtifactSourceRegistry {
    const registry = new ArtifactSourceRegistry();
    for (const group of groups) {
      for (const source of group) registry.register(source);
    }
    return registry;
  }

  register(source: ArtifactSource): void {
    if (
      typeof source.type !== 'string' ||
      !/^[A-Za-z][A-Za-z0-9_-]*$/.test(source.type) ||
      source.type === 'name'
    ) {
      throw new Error(
        `An artifact source needs a type that can be a subscription field (letters, digits, "_" and "-", starting with a letter; not "name"), got ${JSON.stringify(
          source.type,
        )}`,
      );
    }
    if (this.sources.has(source.type)) {
      throw new Error(
        `The artifact source type "${source.type}" is registered twice; source types must be unique`,
      );
    }
    this.sources.set(source.type, source);
  }

  get(type: string): ArtifactSource | undefined {
    return this.sources.get(type);
  }

  types(): string[] {
    return [...this.sources.keys()].sort();
  }

  /**
   * The source and parsed spec of one subscription. Throws when no source serves its type, or when the spec is
   * invalid (naming the field: `subscriptions[1].weather.config.city: is required`).
   */
  resolve(
    subscription: WarehouseSubscription,
    index: number,
  ): ResolvedSubscription {
    const field = `subscriptions[${index}]`;
    const type = subscriptionTypeOf(subscription);
    const source = type === undefined ? undefined : this.sources.get(type);
    if (!source) {
      throw new Error(
        `${field}${
          subscription.name ? ` ("${subscription.name}")` : ''
        }: no artifact source of type "${type ?? ''}" is installed`,
      );
    }
    // WarehouseSubscription names only the built-in types: read the type's field generically.
    const fields: Array<[string, unknown]> = Object.entries(subscription);
    const spec = fields.find(([key]) => key === type)?.[1];
    try {
      return {
        source,
        subscription: source.parseSubscription(spec),
        name: subscription.name,
        field,
      };
    } catch (error) {
      if (error instanceof InvalidSubscriptionError) {
        throw new Error(
          `${field}.${type}${error.field ? `.${error.field}` : ''}: ${
            error.problem
          }`,
        );
      }
      throw error;
    }
  }

  /** Whether a webhook event refreshes a warehouse: one of its subscriptions matches it. */
  matchesWebhook(
    warehouse: WarehouseManifest,
    event: ArtifactSourceWebhookEvent,
  ): boolean {
    return warehouse.spec.subscriptions.some((subscription, index) => {
      let resolved: ResolvedSubscription;
      try {
        resolved = this.resolve(subscription, index);
      } catch {
        // Discovery reports such a subscription; nothing a webhook says can refresh it.
        return false;
      }
      return (
        resolved.source.matchesWebhook?.(resolved.subscription, event) ?? false
      );
    });
  }
}

/** Freight artifacts gathered into Freight's fields. */
export function collectArtifacts(
  list: FreightArtifact[],
): Required<FreightArtifacts> {
  const artifacts: Required<FreightArtifacts> = {
    commits: [],
    images: [],
    charts: [],
    artifacts: [],
  };
  for (const item of list) {
    switch (item.kind) {
      case 'commit':
        artifacts.commits.push(item.commit);
        break;
      case 'image':
        artifacts.images.push(item.image);
        break;
      case 'chart':
        artifacts.charts.push(item.chart);
        break;
      default:
        artifacts.artifacts.push(item.artifact);
    }
  }
  return artifacts;
}
