import { AuditorService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { JsonObject } from '@backstage/types';
import {
  FREIGHT_HISTORY_LIMIT,
  FreightView,
  Page,
  Promotion,
  StageAutoPromotion,
  StageHistoryEntry,
  StageManifest,
} from '@kargo-portal/plugin-kargo-common';
import { KargoStores } from '../stores/KargoStores';
import { FreightQueries, FreightQueriesStore } from './FreightQueries';
import { DefinitionsReader, loadProject, requireStage } from './lookups';
import {
  compileProjectWindows,
  evaluatePromotionWindows,
} from '../windows/promotionWindows';
import { ChangeOrigin, auditedChange } from './types';
import {
  AUTO_PROMOTION_ACTOR,
  AUTO_ROLLBACK_ACTOR,
  isAutoPromotionEnabled,
} from '../autopromotion/policies';
import { selectAutoPromotionCandidates } from '../autopromotion/candidates';

/** What {@link PromotionService} reads and writes of the store. */
export type PromotionServiceStore = FreightQueriesStore &
  Pick<KargoStores, 'promotions' | 'autoPromotions' | 'transaction'>;

/** Options of {@link PromotionService.create}. */
export interface PromotionServiceOptions {
  stores: PromotionServiceStore;
  definitions: DefinitionsReader;
  auditor: AuditorService;
  /** Tells this replica's promotion worker that a promotion was created, so it starts without waiting. */
  onPromotionCreated?: () => void;
  /** Tells this replica's auto-promotion that a stage of the project was resumed, so it promotes without waiting. */
  onAutoPromotionResumed?: (project: string) => void;
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
}

/** A stage of a project and a freight (by id or alias) to move there. */
export interface FreightToStage {
  project: string;
  stage: string;
  freight: string;
}

/** How far back {@link PromotionService.rollback} looks for the freight a stage ran before. */
const ROLLBACK_HISTORY_LIMIT = 200;

/**
 * A promotion as lists show it: each step's status without its log and output, which can be long and are read
 * with the promotion itself.
 */
export function withoutStepDetails(promotion: Promotion): Promotion {
  return {
    ...promotion,
    steps: promotion.steps.map(
      ({ log: _log, output: _output, ...step }) => step,
    ),
  };
}

/**
 * The rules of moving freight between stages: promote (only freight the stage may receive), approve (only
 * freight of an origin the stage requests), roll back (to freight the stage ran before, still eligible), and
 * abort. Every change is audited. Permissions are not checked here: API callers go through
 * {@link AuthorizedPromotionService}; loops inside the backend (auto-promotion) call this directly.
 */
export class PromotionService {
  private readonly queries: FreightQueries;
  private readonly now: () => Date;

  static create(options: PromotionServiceOptions): PromotionService {
    return new PromotionService(options);
  }

  private constructor(private readonly options: PromotionServiceOptions) {
    this.queries = new FreightQueries(options.stores);
    this.now = options.now ?? (() => new Date());
  }

  private async requireFreight(project: string, ref: string) {
    const freight = await this.options.stores.freight.getFreight(project, ref);
    if (!freight) {
      throw new NotFoundError(
        `Freight "${ref}" not found in Kargo project "${project}"`,
      );
    }
    return freight;
  }

  /** The project and stage of a change; a `NotFoundError` for either, before anything is audited. */
  private async target(request: { project: string; stage: string }) {
    const project = await loadProject(
      this.options.definitions,
      request.project,
    );
    return requireStage(project, request.stage);
  }

  /**
   * Refuses a promotion while the project's promotion windows (ProjectConfig `spec.promotionWindows`) keep the
   * stage closed: a `ConflictError` naming the window and when promotions next open.
   */
  private async requireOpenWindow(
    projectName: string,
    stage: StageManifest,
    now: Date,
  ): Promise<void> {
    const project = await loadProject(this.options.definitions, projectName);
    const decision = evaluatePromotionWindows({
      windows: compileProjectWindows(project),
      stage,
      at: now,
    });
    if (decision.open) return;
    const next = decision.nextOpen
      ? `they next open at ${decision.nextOpen.toISOString()}`
      : 'no opening is known within a year';
    throw new ConflictError(
      `Promotions to stage "${stage.metadata.name}" are closed: ${decision.reason}; ${next}`,
    );
  }

  /**
   * Requests a promotion, which starts Pending. The freight must be one the stage may receive now (from a
   * warehouse it takes directly, verified and soaked upstream, or approved for it): else a `ConflictError`.
   * Freight the stage ran before and no longer runs makes the promotion a rollback, as Kargo marks it. The
   * project's promotion windows must be open for the stage: else a `ConflictError` naming the window.
   */
  async promote(
    request: FreightToStage & { origin: ChangeOrigin },
  ): Promise<Promotion> {
    return this.requestPromotion(request, {});
  }

  /**
   * Auto-promotion's promotion of freight to a stage, by {@link AUTO_PROMOTION_ACTOR}, under the same rules as
   * a user's (eligibility, promotion windows) and audited alike. It is claimed in the same transaction as it is
   * created, once per stage, freight and `afterPromotion` (the stage's newest promotion when it was decided):
   * when another replica claimed it first, nothing is created and the result is a `ConflictError`.
   */
  async autoPromote(
    request: FreightToStage & { afterPromotion: string },
  ): Promise<Promotion> {
    return this.requestPromotion(
      { ...request, origin: { actor: AUTO_PROMOTION_ACTOR } },
      { auto: true },
      {
        claim: { key: request.freight, afterPromotion: request.afterPromotion },
      },
    );
  }

  /**
   * An automatic rollback (a promotion policy's `autoRollback`): promotes freight of the stage's last stable
   * collection, by {@link AUTO_ROLLBACK_ACTOR}, marked as a rollback (even when the stage still runs it, after a
   * promotion that failed) and holding its origin as a user's rollback does. Eligibility and windows apply. It is
   * claimed in the same transaction as it is created, once per `trigger` (the failed promotion or verified
   * collection, as a 40-character key) and origin: when another replica claimed it first, nothing is created and
   * the result is a `ConflictError`.
   */
  async autoRollback(
    request: FreightToStage & { trigger: string; reason: string },
  ): Promise<Promotion> {
    const freight = await this.requireFreight(request.project, request.freight);
    return this.requestPromotion(
      { ...request, origin: { actor: AUTO_ROLLBACK_ACTOR } },
      { rollback: true, auto: true, reason: request.reason },
      {
        claim: {
          key: request.trigger,
          afterPromotion: `rollback:${freight.origin.name}`,
        },
        rollback: true,
      },
    );
  }

  /**
   * How a user's promotion changes the hold of the freight's origin in the stage, decided before its transaction,
   * as Kargo's API server does: none when the stage does not auto-promote; else a rollback, or freight other than
   * auto-promotion's candidate of that origin, holds the origin, and promoting the candidate releases it.
   */
  private async holdChange(
    projectName: string,
    stage: StageManifest,
    freightId: string,
    rollback: boolean,
    now: Date,
  ): Promise<'hold' | 'release' | undefined> {
    const project = await loadProject(this.options.definitions, projectName);
    if (!isAutoPromotionEnabled(project, stage)) return undefined;
    if (rollback) return 'hold';
    const candidates = await selectAutoPromotionCandidates({
      stores: this.options.stores,
      project: projectName,
      stage,
      now,
    });
    return candidates.some(c => c.id === freightId) ? 'release' : 'hold';
  }

  private async requestPromotion(
    request: FreightToStage & { origin: ChangeOrigin },
    auditMeta: JsonObject,
    options: {
      /** Claims the promotion in its transaction (auto-promotion, auto-rollback): see {@link AutoPromotionStore.claim}. */
      claim?: { key: string; afterPromotion: string };
      /** Marks it as a rollback whatever the stage runs (an automatic rollback). */
      rollback?: true;
    } = {},
  ): Promise<Promotion> {
    const stage = await this.target(request);
    const { project, freight: ref, origin } = request;
    const meta = { project, stage: request.stage, freight: ref, ...auditMeta };
    const promotion = await auditedChange(
      this.options.auditor,
      { eventId: 'promotion-create', origin, meta },
      async () => {
        const freight = await this.requireFreight(project, ref);
        const now = this.now();
        await this.requireOpenWindow(project, stage, now);
        // A rollback: the stage ran this freight before (its history) and runs another of its origin now.
        const rollback =
          options.rollback ??
          ((freight.status.previouslyIn ?? []).includes(request.stage) &&
            !freight.status.currentlyIn.includes(request.stage));
        if (!(await this.queries.isEligible(project, stage, freight, now))) {
          throw new ConflictError(
            `Freight "${freight.alias}" is not available to stage "${request.stage}": it must come from a warehouse the stage takes directly, be verified (and soaked) upstream, or be approved for the stage`,
          );
        }
        const { stores } = this.options;
        // Auto-promotion neither holds nor releases; an automatic rollback holds as a user's does.
        const hold =
          options.claim === undefined || options.rollback
            ? await this.holdChange(project, stage, freight.id, rollback, now)
            : undefined;
        const created = await stores.transaction(async tx => {
          const inserted = await stores.promotions.createPromotion(
            {
              project,
              stage: request.stage,
              freightId: freight.id,
              actor: origin.actor,
              rollback,
              at: now,
            },
            tx,
          );
          if (options.claim !== undefined) {
            const claimed = await stores.autoPromotions.claim(
              {
                project,
                stage: request.stage,
                freightId: options.claim.key,
                afterPromotion: options.claim.afterPromotion,
                promotionId: inserted.id,
                at: now,
              },
              tx,
            );
            if (!claimed) {
              // Rolls the promotion back with the transaction.
              throw new ConflictError(
                rollback
                  ? `Stage "${request.stage}" was rolled back automatically already`
                  : `Freight "${freight.alias}" was auto-promoted to stage "${request.stage}" already`,
              );
            }
          }
          if (hold === 'hold') {
            await stores.autoPromotions.setHold(
              {
                project,
                stage: request.stage,
                origin: freight.origin.name,
                freightId: freight.id,
                promotionId: inserted.id,
                actor: origin.actor,
                rollback,
                since: now,
              },
              tx,
            );
          } else if (hold === 'release') {
            await stores.autoPromotions.releaseHold(
              { project, stage: request.stage, origin: freight.origin.name },
              tx,
            );
          }
          return inserted;
        });
        return {
          result: created,
          meta: { promotion: created.id, ...(rollback ? { rollback } : {}) },
        };
      },
    );
    this.options.onPromotionCreated?.();
    return promotion;
  }

  /**
   * Approves freight for a stage, making it eligible there. As in Kargo, only freight of an origin the stage
   * requests can be approved for it: else an `InputError`.
   */
  async approve(
    request: FreightToStage & { origin: ChangeOrigin },
  ): Promise<FreightView> {
    const stage = await this.target(request);
    const { project, freight: ref, origin } = request;
    const meta = { project, stage: request.stage, freight: ref };
    return auditedChange(
      this.options.auditor,
      { eventId: 'freight-approve', origin, meta },
      async () => {
        const freight = await this.requireFreight(project, ref);
        if (
          !stage.spec.requestedFreight.some(
            r => r.origin.name === freight.origin.name,
          )
        ) {
          throw new InputError(
            `freight: Stage "${request.stage}" does not request freight from Warehouse "${freight.origin.name}"`,
          );
        }
        await this.options.stores.freight.approveFreight({
          project,
          freightId: freight.id,
          stage: request.stage,
          actor: origin.actor,
          at: this.now(),
        });
        return { result: await this.requireFreight(project, freight.id) };
      },
    );
  }

  /**
   * Promotes a stage back to freight it ran before: the given one (id or alias), which must be in the stage's
   * history and no longer run there, or else the newest freight of its history that it no longer runs. A rollback
   * is a promotion like any other (audited as `promotion-create`, with `rollback: true`, and marked as a
   * rollback): the freight must still be eligible.
   */
  async rollback(request: {
    project: string;
    stage: string;
    freight?: string;
    origin: ChangeOrigin;
  }): Promise<Promotion> {
    await this.target(request);
    const { project, stage } = request;
    const history = await this.options.stores.stages.getStageHistory({
      project,
      stage,
      limit: ROLLBACK_HISTORY_LIMIT,
    });
    // What the stage runs now: one freight per origin.
    const current = new Set(
      history[0]?.collection.items.map(item => item.name) ?? [],
    );
    let freightId: string | undefined;
    if (request.freight !== undefined) {
      const freight = await this.requireFreight(project, request.freight);
      if (current.has(freight.id)) {
        throw new ConflictError(
          `Stage "${stage}" already runs freight "${freight.alias}"`,
        );
      }
      if (!(freight.status.previouslyIn ?? []).includes(stage)) {
        throw new InputError(
          `freight: Stage "${stage}" has not run freight "${freight.alias}" before: there is nothing to roll back to`,
        );
      }
      freightId = freight.id;
    } else {
      freightId = history.find(entry => !current.has(entry.freight))?.freight;
      if (!freightId) {
        throw new ConflictError(
          `Stage "${stage}" has run no other freight yet: there is nothing to roll back to`,
        );
      }
    }
    return this.requestPromotion(
      { project, stage, freight: freightId, origin: request.origin },
      { rollback: true },
    );
  }

  /**
   * Releases the stage's auto-promotion holds, so that auto-promotion promotes its candidates again. A stage its
   * promotion policy does not auto-promote is a `ConflictError`.
   */
  async resumeAutoPromotion(request: {
    project: string;
    stage: string;
    origin: ChangeOrigin;
  }): Promise<StageAutoPromotion> {
    const stage = await this.target(request);
    const { project, origin } = request;
    const meta = { project, stage: request.stage };
    const resumed = await auditedChange(
      this.options.auditor,
      { eventId: 'auto-promotion-resume', origin, meta },
      async () => {
        const definition = await loadProject(this.options.definitions, project);
        if (!isAutoPromotionEnabled(definition, stage)) {
          throw new ConflictError(
            `Stage "${request.stage}" is not auto-promoted: no promotion policy of the project enables it`,
          );
        }
        const released = await this.options.stores.autoPromotions.releaseHold({
          project,
          stage: request.stage,
        });
        return { result: { enabled: true }, meta: { released } };
      },
    );
    this.options.onAutoPromotionResumed?.(project);
    return resumed;
  }

  /** Asks a Pending or Running promotion to stop; the worker ends it Aborted. */
  async abort(request: {
    project: string;
    id: string;
    origin: ChangeOrigin;
  }): Promise<Promotion> {
    const { project, id, origin } = request;
    const existing = await this.findPromotion({ project, id });
    const meta = { project, stage: existing.stage, promotion: id };
    return auditedChange(
      this.options.auditor,
      { eventId: 'promotion-abort', origin, meta },
      async () => ({
        result: await this.options.stores.promotions.requestAbort({
          project,
          id,
          actor: origin.actor,
          at: this.now(),
        }),
      }),
    );
  }

  /** A promotion with its steps' logs and outputs; a `NotFoundError` when the project has no such promotion. */
  async getPromotion(request: {
    project: string;
    id: string;
  }): Promise<Promotion> {
    await loadProject(this.options.definitions, request.project);
    return this.findPromotion(request);
  }

  private async findPromotion(request: {
    project: string;
    id: string;
  }): Promise<Promotion> {
    const promotion = await this.options.stores.promotions.getPromotion(
      request.project,
      request.id,
    );
    if (!promotion) {
      throw new NotFoundError(
        `Promotion "${request.id}" not found in Kargo project "${request.project}"`,
      );
    }
    return promotion;
  }

  /** The project's promotions, newest first, without step logs and outputs. */
  async listPromotions(request: {
    project: string;
    stage?: string;
    limit: number;
    cursor?: string;
  }): Promise<Page<Promotion>> {
    const project = await loadProject(
      this.options.definitions,
      request.project,
    );
    const page = await this.options.stores.promotions.listPromotions({
      project: project.name,
      stage: request.stage,
      limit: request.limit,
      cursor: request.cursor,
    });
    return { ...page, items: page.items.map(withoutStepDetails) };
  }

  /**
   * The stage's freight history, newest first: at most the last {@link FREIGHT_HISTORY_LIMIT} entries, as
   * Kargo keeps in a Stage's status (the store keeps them all).
   */
  async getStageHistory(request: {
    project: string;
    stage: string;
    limit: number;
  }): Promise<StageHistoryEntry[]> {
    const stage = await this.target(request);
    return this.options.stores.stages.getStageHistory({
      project: request.project,
      stage: stage.metadata.name,
      limit: Math.min(request.limit, FREIGHT_HISTORY_LIMIT),
    });
  }
}
