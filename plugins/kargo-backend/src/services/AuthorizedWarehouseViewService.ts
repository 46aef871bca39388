import {
  WarehouseStatus,
  kargoProjectReadPermission,
  kargoProjectUpdatePermission,
  kargoWarehouseRefreshPermission,
} from '@kargo-portal/plugin-kargo-common';
import {
  WebhookOutcome,
  WebhookReceiverInfo,
} from '../webhooks/WebhookReceivers';
import { WebhookRequest } from '../webhooks/providers';
import { KargoAuthorizer } from './KargoAuthorizer';
import { WarehouseView, WarehouseViewService } from './WarehouseViewService';
import { Caller, originOf } from './types';

/**
 * {@link WarehouseViewService} for callers with credentials. Reads need `kargo.project.read`; a refresh
 * `kargo.warehouse.refresh`; the webhook receivers `kargo.project.update`, since their paths are derived from
 * their secrets.
 */
export class AuthorizedWarehouseViewService {
  static create(options: {
    warehouses: WarehouseViewService;
    authorizer: KargoAuthorizer;
  }): AuthorizedWarehouseViewService {
    return new AuthorizedWarehouseViewService(
      options.warehouses,
      options.authorizer,
    );
  }

  private constructor(
    private readonly inner: WarehouseViewService,
    private readonly authorizer: KargoAuthorizer,
  ) {}

  async listWarehouses(
    project: string,
    caller: Caller,
  ): Promise<WarehouseView[]> {
    await this.authorizer.requireProject(
      kargoProjectReadPermission,
      project,
      caller.credentials,
    );
    return this.inner.listWarehouses(project);
  }

  async refresh(
    request: { project: string; warehouse: string },
    caller: Caller,
  ): Promise<WarehouseStatus> {
    await this.authorizer.requireProject(
      kargoWarehouseRefreshPermission,
      request.project,
      caller.credentials,
    );
    return this.inner.refresh({ ...request, origin: originOf(caller) });
  }

  async listWebhookReceivers(
    project: string,
    caller: Caller,
  ): Promise<WebhookReceiverInfo[]> {
    await this.authorizer.requireProject(
      kargoProjectUpdatePermission,
      project,
      caller.credentials,
    );
    return this.inner.listWebhookReceivers(project);
  }

  /**
   * A webhook delivery has no Backstage credentials: the receiver id in its URL, derived from the receiver's
   * secret, and the provider's signature are its authorization, checked by the receivers.
   */
  deliverWebhook(
    request: WebhookRequest & { id: string },
  ): Promise<WebhookOutcome> {
    return this.inner.deliverWebhook(request);
  }
}
