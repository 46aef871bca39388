import {
  StageVerification,
  kargoStageVerifyPermission,
} from '@kargo-portal/plugin-kargo-common';
import { KargoAuthorizer } from './KargoAuthorizer';
import { Caller, originOf } from './types';
import { VerificationService } from './VerificationService';

/** {@link VerificationService} for callers with credentials: `kargo.stage.verify` on the stage first. */
export class AuthorizedVerificationService {
  static create(options: {
    verifications: VerificationService;
    authorizer: KargoAuthorizer;
  }): AuthorizedVerificationService {
    return new AuthorizedVerificationService(
      options.verifications,
      options.authorizer,
    );
  }

  private constructor(
    private readonly inner: VerificationService,
    private readonly authorizer: KargoAuthorizer,
  ) {}

  async reverify(
    request: { project: string; stage: string },
    caller: Caller,
  ): Promise<StageVerification> {
    await this.authorizer.requireStage(
      kargoStageVerifyPermission,
      request.project,
      request.stage,
      caller.credentials,
    );
    return this.inner.reverify({ ...request, origin: originOf(caller) });
  }

  async abort(
    request: { project: string; stage: string },
    caller: Caller,
  ): Promise<StageVerification> {
    await this.authorizer.requireStage(
      kargoStageVerifyPermission,
      request.project,
      request.stage,
      caller.credentials,
    );
    return this.inner.abort({ ...request, origin: originOf(caller) });
  }
}
