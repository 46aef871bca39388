import {
  FreightView,
  Page,
  Promotion,
  StageHistoryEntry,
  kargoFreightApprovePermission,
  kargoProjectReadPermission,
  kargoPromotionAbortPermission,
  kargoStagePromotePermission,
  StageAutoPromotion,
} from '@kargo-portal/plugin-kargo-common';
import { KargoAuthorizer } from './KargoAuthorizer';
import { FreightToStage, PromotionService } from './PromotionService';
import { Caller, originOf } from './types';

/**
 * {@link PromotionService} for callers with credentials (the API, scaffolder actions): each method checks the
 * caller's permission in the backend, before anything is read or changed, then runs the rule. Changes at a stage
 * need the stage's permission (promote and roll back: `kargo.stage.promote`; approve: `kargo.freight.approve`;
 * abort: `kargo.promotion.abort` on the promotion's stage); reads need `kargo.project.read`.
 */
export class AuthorizedPromotionService {
  static create(options: {
    promotions: PromotionService;
    authorizer: KargoAuthorizer;
  }): AuthorizedPromotionService {
    return new AuthorizedPromotionService(
      options.promotions,
      options.authorizer,
    );
  }

  private constructor(
    private readonly inner: PromotionService,
    private readonly authorizer: KargoAuthorizer,
  ) {}

  async promote(request: FreightToStage, caller: Caller): Promise<Promotion> {
    await this.authorizer.requireStage(
      kargoStagePromotePermission,
      request.project,
      request.stage,
      caller.credentials,
    );
    return this.inner.promote({ ...request, origin: originOf(caller) });
  }

  async approve(request: FreightToStage, caller: Caller): Promise<FreightView> {
    await this.authorizer.requireStage(
      kargoFreightApprovePermission,
      request.project,
      request.stage,
      caller.credentials,
    );
    return this.inner.approve({ ...request, origin: originOf(caller) });
  }

  async rollback(
    request: { project: string; stage: string; freight?: string },
    caller: Caller,
  ): Promise<Promotion> {
    await this.authorizer.requireStage(
      kargoStagePromotePermission,
      request.project,
      request.stage,
      caller.credentials,
    );
    return this.inner.rollback({ ...request, origin: originOf(caller) });
  }

  async resumeAutoPromotion(
    request: { project: string; stage: string },
    caller: Caller,
  ): Promise<StageAutoPromotion> {
    await this.authorizer.requireStage(
      kargoStagePromotePermission,
      request.project,
      request.stage,
      caller.credentials,
    );
    return this.inner.resumeAutoPromotion({
      ...request,
      origin: originOf(caller),
    });
  }

  /** The permission is on the promotion's stage: the promotion is read first, which needs read access. */
  async abort(
    request: { project: string; id: string },
    caller: Caller,
  ): Promise<Promotion> {
    await this.requireRead(request.project, caller);
    const existing = await this.inner.getPromotion(request);
    await this.authorizer.requireStage(
      kargoPromotionAbortPermission,
      request.project,
      existing.stage,
      caller.credentials,
    );
    return this.inner.abort({ ...request, origin: originOf(caller) });
  }

  async getPromotion(
    request: { project: string; id: string },
    caller: Caller,
  ): Promise<Promotion> {
    await this.requireRead(request.project, caller);
    return this.inner.getPromotion(request);
  }

  async listPromotions(
    request: {
      project: string;
      stage?: string;
      limit: number;
      cursor?: string;
    },
    caller: Caller,
  ): Promise<Page<Promotion>> {
    await this.requireRead(request.project, caller);
    return this.inner.listPromotions(request);
  }

  async getStageHistory(
    request: { project: string; stage: string; limit: number },
    caller: Caller,
  ): Promise<StageHistoryEntry[]> {
    await this.requireRead(request.project, caller);
    return this.inner.getStageHistory(request);
  }

  private requireRead(project: string, caller: Caller) {
    return this.authorizer.requireProject(
      kargoProjectReadPermission,
      project,
      caller.credentials,
    );
  }
}
