import { AuditorService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { WarehouseStatus } from '@kargo-portal/plugin-kargo-common';
import { KargoStores } from '../stores/KargoStores';
import {
  WebhookOutcome,
  WebhookReceiverInfo,
  WebhookReceivers,
} from '../webhooks/WebhookReceivers';
import { WebhookRequest } from '../webhooks/providers';
import { DefinitionsReader, loadProject } from './lookups';
import { ChangeOrigin, auditedChange } from './types';

/** A warehouse as the API shows it: its manifest's policy and interval, discovery state and newest freight. */
export interface WarehouseView extends Partial<WarehouseStatus> {
  project: string;
  name: string;
  freightCreationPolicy: 'Automatic' | 'Manual';
  interval: string;
  /** Alias of the warehouse's newest freight. */
  latestFreight?: string;
}

/** What {@link WarehouseViewService} reads and writes of the store. */
export type WarehouseViewStore = Pick<KargoStores, 'warehouses' | 'freight'>;

/** Options of {@link WarehouseViewService.create}. */
export interface WarehouseViewServiceOptions {
  stores: WarehouseViewStore;
  definitions: DefinitionsReader;
  /** Webhook receivers declared in ProjectConfigs. */
  webhooks: Pick<WebhookReceivers, 'list' | 'deliver'>;
  auditor: AuditorService;
  /** Asks for discovery to run soon (the scheduled poll), after a refresh request. */
  triggerPoll?: () => Promise<void>;
  /** Tells this replica's promotion worker that a webhook woke waiting promotions, so it looks without waiting. */
  onPromotionsWoken?: () => void;
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
}

/**
 * Warehouses as users see and steer them: their state, refresh requests (from users and from webhook deliveries)
 * and webhook receivers. Discovery itself is the warehouses' own {@link WarehouseService}. Permissions are
 * checked by {@link AuthorizedWarehouseViewService}.
 */
export class WarehouseViewService {
  private readonly now: () => Date;

  static create(options: WarehouseViewServiceOptions): WarehouseViewService {
    return new WarehouseViewService(options);
  }

  private constructor(private readonly options: WarehouseViewServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The project's warehouses in manifest order. */
  async listWarehouses(name: string): Promise<WarehouseView[]> {
    const project = await loadProject(this.options.definitions, name);
    const { stores } = this.options;
    const states = new Map(
      (await stores.warehouses.listWarehouses(project.name)).map(w => [
        w.name,
        w,
      ]),
    );
    // The newest freight of each warehouse: one indexed lookup each, run together rather than in turn.
    const newest = await Promise.all(
      project.warehouses.map(w =>
        stores.freight.listFreight({
          project: project.name,
          origins: [w.metadata.name],
          limit: 1,
        }),
      ),
    );
    return project.warehouses.map((w, i) => ({
      project: project.name,
      name: w.metadata.name,
      ...states.get(w.metadata.name),
      freightCreationPolicy: w.spec.freightCreationPolicy ?? 'Automatic',
      interval: w.spec.interval ?? '5m0s',
      ...(newest[i].items[0]
        ? { latestFreight: newest[i].items[0].alias }
        : {}),
    }));
  }

  /** Asks for a discovery of the warehouse now; the scheduled poll is triggered. */
  async refresh(request: {
    project: string;
    warehouse: string;
    origin: ChangeOrigin;
  }): Promise<WarehouseStatus> {
    const { warehouse, origin } = request;
    const project = await loadProject(
      this.options.definitions,
      request.project,
    );
    if (!project.warehouses.some(w => w.metadata.name === warehouse)) {
      throw new NotFoundError(
        `Warehouse "${warehouse}" not found in Kargo project "${project.name}"`,
      );
    }
    const status = await auditedChange(
      this.options.auditor,
      {
        eventId: 'warehouse-refresh',
        origin,
        meta: { project: project.name, warehouse },
      },
      async () => ({
        result: await this.options.stores.warehouses.requestRefresh({
          project: project.name,
          warehouse,
          actor: origin.actor,
          at: this.now(),
        }),
      }),
    );
    await this.options.triggerPoll?.();
    return status;
  }

  /** The project's webhook receivers and the path each is reached at. */
  async listWebhookReceivers(name: string): Promise<WebhookReceiverInfo[]> {
    const project = await loadProject(this.options.definitions, name);
    return this.options.webhooks.list(project.name);
  }

  /**
   * Receives a push from a Git host or registry. The receiver id in its URL and the provider's signature
   * authenticate it; warehouses subscribed to the pushed repository are refreshed (one audit event).
   */
  async deliverWebhook(
    request: WebhookRequest & { id: string },
  ): Promise<WebhookOutcome> {
    const outcome = await this.options.webhooks.deliver(request.id, {
      headers: request.headers,
      body: request.body,
    });
    if (outcome.refreshed.length > 0) {
      const event = await this.options.auditor.createEvent({
        eventId: 'webhook-refresh',
        severityLevel: 'low',
        meta: {
          project: outcome.project ?? null,
          receiver: outcome.receiver ?? null,
          warehouses: outcome.refreshed,
        },
      });
      await event.success();
      await this.options.triggerPoll?.();
    }
    if (outcome.woken && outcome.woken.length > 0) {
      const event = await this.options.auditor.createEvent({
        eventId: 'webhook-promotion-refresh',
        severityLevel: 'low',
        meta: {
          project: outcome.project ?? null,
          receiver: outcome.receiver ?? null,
          promotions: outcome.woken,
        },
      });
      await event.success();
      // This replica looks at once; the others at their next poll (the wake is in the database).
      this.options.onPromotionsWoken?.();
    }
    return outcome;
  }
}
