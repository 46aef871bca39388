import {
  FreightRecord,
  FreightSelection,
  FreightView,
  Page,
  kargoProjectReadPermission,
  kargoProjectUpdatePermission,
} from '@kargo-portal/plugin-kargo-common';
import { FreightService } from './FreightService';
import { KargoAuthorizer } from './KargoAuthorizer';
import { Caller, originOf } from './types';

/**
 * {@link FreightService} for callers with credentials: reads need `kargo.project.read`, manual freight
 * `kargo.project.update`, checked before the project is looked up so that nothing leaks.
 */
export class AuthorizedFreightService {
  static create(options: {
    freight: FreightService;
    authorizer: KargoAuthorizer;
  }): AuthorizedFreightService {
    return new AuthorizedFreightService(options.freight, options.authorizer);
  }

  private constructor(
    private readonly inner: FreightService,
    private readonly authorizer: KargoAuthorizer,
  ) {}

  async listFreight(
    request: {
      project: string;
      stage?: string;
      origins?: string[];
      limit: number;
      cursor?: string;
    },
    caller: Caller,
  ): Promise<Page<FreightView>> {
    await this.authorizer.requireProject(
      kargoProjectReadPermission,
      request.project,
      caller.credentials,
    );
    return this.inner.listFreight(request);
  }

  async getFreight(
    request: { project: string; freight: string },
    caller: Caller,
  ): Promise<FreightView> {
    await this.authorizer.requireProject(
      kargoProjectReadPermission,
      request.project,
      caller.credentials,
    );
    return this.inner.getFreight(request);
  }

  async createManualFreight(
    request: {
      project: string;
      warehouse: string;
      selection: FreightSelection;
    },
    caller: Caller,
  ): Promise<{ freight: FreightRecord; created: boolean }> {
    await this.authorizer.requireProject(
      kargoProjectUpdatePermission,
      request.project,
      caller.credentials,
    );
    return this.inner.createManualFreight({
      ...request,
      origin: originOf(caller),
    });
  }
}
