import { AuditorService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import { StageVerification } from '@kargo-portal/plugin-kargo-common';
import { KargoStores } from '../stores/KargoStores';
import { Verification } from '../stores/VerificationStore';
import { AnalysisSetupError, resolveAnalysis } from '../verification/analysis';
import { DefinitionsReader, requireProject, requireStage } from './lookups';
import { ChangeOrigin, auditedChange } from './types';

/** A stored verification as the API shows it. */
export function stageVerificationOf(v: Verification): StageVerification {
  return {
    id: v.id,
    phase: v.phase,
    collection: v.collectionId,
    freight: v.freightIds,
    attempt: v.attempt,
    ...(v.actor ? { actor: v.actor } : {}),
    ...(v.message ? { message: v.message } : {}),
    ...(v.startedAt ? { startedAt: v.startedAt } : {}),
    ...(v.finishedAt ? { finishedAt: v.finishedAt } : {}),
    ...(v.abortedBy ? { abortedBy: v.abortedBy } : {}),
    templates: v.analysis.templates,
    ...(v.analysis.metadata ? { runMetadata: v.analysis.metadata } : {}),
    measurements: v.measurements.map(m => ({ ...m })),
  };
}

/**
 * The rules of verification that users act on: re-verify a stage's current freight collection (a new attempt,
 * as Kargo's reverify annotation starts a new AnalysisRun) and abort the running verification. Both are audited;
 * permissions are checked by {@link AuthorizedVerificationService}.
 */
export class VerificationService {
  static create(options: {
    stores: Pick<KargoStores, 'verifications' | 'stages'>;
    definitions: DefinitionsReader;
    auditor: AuditorService;
    now?: () => Date;
  }): VerificationService {
    return new VerificationService(options);
  }

  private readonly now: () => Date;

  private constructor(
    private readonly options: Parameters<typeof VerificationService.create>[0],
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Starts a new verification of the stage's current freight collection. A stage without `verification` is an
   * `InputError` (its freight is verified when it arrives); a stage without freight, or one being verified, a
   * `ConflictError`.
   */
  async reverify(request: {
    project: string;
    stage: string;
    origin: ChangeOrigin;
  }): Promise<StageVerification> {
    const catalog = await this.options.definitions.getCatalog();
    const project = requireProject(catalog, request.project);
    const stage = requireStage(project, request.stage);
    return auditedChange(
      this.options.auditor,
      {
        eventId: 'stage-reverify',
        origin: request.origin,
        meta: { project: request.project, stage: request.stage },
      },
      async () => {
        if (!stage.spec.verification) {
          throw new InputError(
            `Stage "${request.stage}" has no verification: its freight is verified as soon as it runs it`,
          );
        }
        const summary = (
          await this.options.stores.stages.getStageSummaries(request.project, [
            request.stage,
          ])
        ).find(s => s.stage === request.stage);
        const collection = summary?.freightHistory[0]?.collection;
        if (!summary || !collection) {
          throw new ConflictError(
            `Stage "${request.stage}" runs no freight to verify`,
          );
        }
        let analysis;
        try {
          analysis = resolveAnalysis({
            project: request.project,
            stage,
            catalog,
            freight: summary.current.map(c => c.freight),
          });
        } catch (error) {
          if (error instanceof AnalysisSetupError) {
            throw new InputError(error.message);
          }
          throw error;
        }
        const created = await this.options.stores.verifications.create({
          project: request.project,
          stage: request.stage,
          collectionId: collection.id,
          freightIds: collection.items.map(i => i.name),
          analysis,
          actor: request.origin.actor,
          first: false,
          at: this.now(),
        });
        const result = stageVerificationOf(created!);
        return { result, meta: { verification: result.id } };
      },
    );
  }

  /** Aborts the stage's Pending or Running verification; none is a `NotFoundError`, a finished one a `ConflictError`. */
  async abort(request: {
    project: string;
    stage: string;
    origin: ChangeOrigin;
  }): Promise<StageVerification> {
    const catalog = await this.options.definitions.getCatalog();
    requireStage(requireProject(catalog, request.project), request.stage);
    return auditedChange(
      this.options.auditor,
      {
        eventId: 'stage-verification-abort',
        origin: request.origin,
        meta: { project: request.project, stage: request.stage },
      },
      async () => {
        const aborted = await this.options.stores.verifications.abort({
          project: request.project,
          stage: request.stage,
          actor: request.origin.actor,
          at: this.now(),
        });
        const result = stageVerificationOf(aborted);
        return { result, meta: { verification: result.id } };
      },
    );
  }
}
