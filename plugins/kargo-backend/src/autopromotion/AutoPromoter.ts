import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, stringifyError } from '@backstage/errors';
import { Promotion, orderStages } from '@kargo-portal/plugin-kargo-common';
import { StageHold } from '../stores/AutoPromotionStore';
import { KargoStores } from '../stores/KargoStores';
import { PromotionService } from '../services/PromotionService';
import { DefinitionsReader } from '../services/lookups';
import { ProjectDefinition } from '../definitions/DefinitionCatalog';
import {
  compileProjectWindows,
  evaluatePromotionWindows,
} from '../windows/promotionWindows';
import { isAutoPromotionEnabled } from './policies';
import { selectAutoPromotionCandidates } from './candidates';

/** Options of {@link AutoPromoter.create}. */
export interface AutoPromoterOptions {
  stores: Pick<
    KargoStores,
    'freight' | 'stages' | 'promotions' | 'autoPromotions'
  >;
  definitions: DefinitionsReader;
  promotions: Pick<PromotionService, 'autoPromote'>;
  logger: LoggerService;
  /** How often every project is looked at, for changes made by other replicas (default 5 s). */
  sweepIntervalMs?: number;
  now?: () => Date;
}

/** Phases of a freight's last promotion to a stage after which auto-promotion does not try it there again. */
const NOT_RETRIED = new Set(['Failed', 'Errored', 'Aborted']);

/**
 * Promotes freight to stages whose project's promotion policy enables auto-promotion, as Kargo's stage
 * reconciler does: per origin the stage requests, the candidate its selection policy picks (see
 * {@link selectAutoPromotionCandidates}), unless the stage runs it already, a promotion to the stage is under
 * way, the stage's origin is held (a user promoted other freight of it, or rolled it back), its promotion windows are closed (it
 * waits for them), or the candidate's last promotion there failed, errored or was aborted (Kargo's guard against
 * a loop of failing promotions). Promotions go through {@link PromotionService.autoPromote}, claimed once per
 * stage state, so replicas deciding the same promotion create one.
 *
 * It runs a pass for a project soon after {@link AutoPromoter.notify} (new freight, a promotion finished, freight
 * verified, definitions changed) and every project at a short sweep interval, which catches what other replicas
 * changed and windows that opened.
 */
export class AutoPromoter {
  private readonly now: () => Date;
  private readonly pending = new Set<string>();
  private sweepAll = false;
  private draining: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  static create(options: AutoPromoterOptions): AutoPromoter {
    return new AutoPromoter(options);
  }

  private constructor(private readonly options: AutoPromoterOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Asks for a pass over the project (all projects when none is named) as soon as the current one is done. */
  notify(project?: string): void {
    if (this.stopped) return;
    if (project === undefined) this.sweepAll = true;
    else this.pending.add(project);
    if (!this.draining) {
      this.draining = this.drain().finally(() => {
        this.draining = undefined;
      });
    }
  }

  /** Starts the periodic sweep. */
  start(): void {
    this.stopped = false;
    const interval = this.options.sweepIntervalMs ?? 5_000;
    this.timer = setInterval(() => this.notify(), interval);
    this.notify();
  }

  /** Stops the sweep and waits for a pass under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.pending.clear();
    this.sweepAll = false;
    await this.draining;
  }

  /** Waits until the passes asked for so far are done (for tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Lets the notifications of one burst (several promotions finishing) join one pass.
    await new Promise(resolve => setImmediate(resolve));
    while (!this.stopped && (this.sweepAll || this.pending.size > 0)) {
      let names: string[];
      if (this.sweepAll) {
        this.sweepAll = false;
        this.pending.clear();
        try {
          names = (await this.options.definitions.getCatalog())
            .listProjects()
            .map(p => p.name);
        } catch (error) {
          // The next sweep tries again.
          this.options.logger.warn(
            `Auto-promotion could not read the definitions: ${stringifyError(
              error,
            )}`,
          );
          return;
        }
      } else {
        names = [...this.pending];
        this.pending.clear();
      }
      for (const name of names) {
        try {
          await this.promoteProject(name);
        } catch (error) {
          this.options.logger.warn(
            `Auto-promotion in Kargo project ${name} failed: ${stringifyError(
              error,
            )}`,
          );
        }
      }
    }
  }

  /**
   * One pass over a project: the promotions it created, at most one per stage. Stages are visited upstream
   * first.
   */
  async promoteProject(name: string): Promise<Promotion[]> {
    const project = (await this.options.definitions.getCatalog()).getProject(
      name,
    );
    if (!project) return [];
    const holds = await this.options.stores.autoPromotions.getHolds(name);
    const windows = compileProjectWindows(project);
    const created: Promotion[] = [];
    for (const node of orderStages(project.stages)) {
      const stage = project.stages.find(s => s.metadata.name === node.name)!;
      const stageName = stage.metadata.name;
      let held = Object.hasOwn(holds, stageName) ? holds[stageName] : [];
      if (!isAutoPromotionEnabled(project, stage)) {
        // Switching auto-promotion off releases the stage's holds.
        if (held.length > 0) {
          await this.options.stores.autoPromotions.releaseHold({
            project: name,
            stage: stageName,
          });
        }
        continue;
      }
      held = await this.withoutFailedHolds(name, held);
      const now = this.now();
      if (!evaluatePromotionWindows({ windows, stage, at: now }).open) continue;
      const promotion = await this.promoteStage(
        project,
        stageName,
        new Set(held.map(h => h.origin)),
        now,
      );
      if (promotion) created.push(promotion);
    }
    return created;
  }

  /**
   * The holds still in effect: as in Kargo, a user's promotion holds its origin only if it succeeds, so the hold of
   * one that failed, errored or was aborted is released (unless a newer promotion replaced it meanwhile).
   */
  private async withoutFailedHolds(
    project: string,
    holds: StageHold[],
  ): Promise<StageHold[]> {
    const kept: StageHold[] = [];
    for (const hold of holds) {
      const promotion = await this.options.stores.promotions.getPromotion(
        project,
        hold.promotionId,
      );
      if (promotion && NOT_RETRIED.has(promotion.phase)) {
        await this.options.stores.autoPromotions.releaseHold({
          project,
          stage: hold.stage,
          origin: hold.origin,
          promotionId: hold.promotionId,
        });
      } else {
        kept.push(hold);
      }
    }
    return kept;
  }

  private async promoteStage(
    project: ProjectDefinition,
    stageName: string,
    heldOrigins: Set<string>,
    now: Date,
  ): Promise<Promotion | undefined> {
    const stage = project.stages.find(s => s.metadata.name === stageName)!;
    const candidates = await selectAutoPromotionCandidates({
      stores: this.options.stores,
      project: project.name,
      stage,
      now,
    });
    for (const freight of candidates) {
      if (heldOrigins.has(freight.origin.name)) continue;
      if (freight.status.currentlyIn.includes(stageName)) continue;
      const facts = await this.options.stores.promotions.getStagePromotionFacts(
        { project: project.name, stage: stageName, freightId: freight.id },
      );
      // One promotion at a time: the next candidate waits for the pass after it.
      if (facts.active) return undefined;
      if (facts.lastOfFreight && NOT_RETRIED.has(facts.lastOfFreight.phase)) {
        continue;
      }
      try {
        const promotion = await this.options.promotions.autoPromote({
          project: project.name,
          stage: stageName,
          freight: freight.id,
          afterPromotion: facts.newest ?? '',
        });
        this.options.logger.info(
          `Auto-promoted freight ${freight.alias} to ${project.name}/${stageName} (${promotion.id})`,
        );
        return promotion;
      } catch (error) {
        // Another replica was first, or the stage changed since the candidates were read: the next pass decides.
        if (error instanceof ConflictError) return undefined;
        throw error;
      }
    }
    return undefined;
  }
}
