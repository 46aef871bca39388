import { createHash } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, stringifyError } from '@backstage/errors';
import {
  FreightCollectionItem,
  Promotion,
  StageHistoryEntry,
  StageManifest,
  orderStages,
} from '@kargo-portal/plugin-kargo-common';
import { StageHold } from '../stores/AutoPromotionStore';
import { KargoStores } from '../stores/KargoStores';
import { PromotionService } from '../services/PromotionService';
import { DefinitionsReader } from '../services/lookups';
import { ProjectDefinition } from '../definitions/DefinitionCatalog';
import {
  compileProjectWindows,
  evaluatePromotionWindows,
} from '../windows/promotionWindows';
import { FreightQueries } from '../services/FreightQueries';
import {
  AutoRollbackTriggers,
  autoRollbackOf,
  isAutoPromotionEnabled,
} from './policies';
import { selectAutoPromotionCandidates } from './candidates';

/** Options of {@link AutoPromoter.create}. */
export interface AutoPromoterOptions {
  stores: Pick<
    KargoStores,
    'freight' | 'stages' | 'promotions' | 'autoPromotions' | 'verifications'
  >;
  definitions: DefinitionsReader;
  promotions: Pick<PromotionService, 'autoPromote' | 'autoRollback'>;
  logger: LoggerService;
  /** How often every project is looked at, for changes made by other replicas (default 5 s). */
  sweepIntervalMs?: number;
  now?: () => Date;
}

/** Phases of a freight's last promotion to a stage after which auto-promotion does not try it there again. */
const NOT_RETRIED = new Set(['Failed', 'Errored', 'Aborted']);

/** How far back in a stage's history an automatic rollback looks for its last stable collection. */
const ROLLBACK_HISTORY_LIMIT = 200;

/** What failed in a stage and calls for an automatic rollback. */
interface RollbackTrigger {
  /** The claim key: once per trigger (and origin). */
  key: string;
  reason: string;
  /** The collection that failed verification (excluded from the stable ones), or the freight whose promotion failed. */
  failedCollection?: string;
  failedFreight?: string;
}

const triggerKey = (text: string) =>
  createHash('sha1').update(text).digest('hex');

/**
 * Promotes freight to stages whose project's promotion policy enables auto-promotion, as Kargo's stage
 * reconciler does: per origin the stage requests, the candidate its selection policy picks (see
 * {@link selectAutoPromotionCandidates}), unless the stage runs it already, a promotion to the stage is under
 * way, the stage's origin is held (a user promoted other freight of it, or rolled it back), its promotion windows are closed (it
 * waits for them), or the candidate's last promotion there failed, errored or was aborted (Kargo's guard against
 * a loop of failing promotions). Promotions go through {@link PromotionService.autoPromote}, claimed once per
 * stage state, so replicas deciding the same promotion create one.
 *
 * A stage whose policy has `autoRollback` rolls back by itself when its newest promotion ends in one of the
 * `onPromotion` phases, or its current collection's verification in one of the `onVerification` phases: see
 * {@link AutoPromoter.rollBackStage}.
 *
 * It runs a pass for a project soon after {@link AutoPromoter.notify} (new freight, a promotion finished, freight
 * verified, definitions changed) and every project at a short sweep interval, which catches what other replicas
 * changed and windows that opened.
 */
export class AutoPromoter {
  private readonly now: () => Date;
  private readonly pending = new Set<string>();
  /** Rollbacks that cannot happen, told once per trigger (and freight) rather than at every pass. */
  private readonly toldRollbacks = new Set<string>();
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
      const enabled = isAutoPromotionEnabled(project, stage);
      const rollbackTriggers = autoRollbackOf(project, stage);
      if (!enabled && held.length > 0) {
        // Switching auto-promotion off releases the stage's holds.
        await this.options.stores.autoPromotions.releaseHold({
          project: name,
          stage: stageName,
        });
      }
      if (!enabled && !rollbackTriggers) continue;
      if (enabled) held = await this.withoutFailedHolds(name, held);
      const now = this.now();
      if (!evaluatePromotionWindows({ windows, stage, at: now }).open) continue;
      if (rollbackTriggers) {
        const rollbacks = await this.rollBackStage(
          project,
          stage,
          rollbackTriggers,
          now,
        );
        created.push(...rollbacks);
        // The rollback runs first; auto-promotion decides after it.
        if (rollbacks.length > 0) continue;
      }
      if (!enabled) continue;
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

  /**
   * Rolls the stage back by itself, as its policy's `autoRollback` asks, when no promotion of it runs and:
   *
   * - its newest promotion ended in an `onPromotion` phase (the freight it moved stays out of the stage): the
   *   freight of that origin in the stage's last stable collection is promoted again;
   * - or the verification of the collection it runs ended in an `onVerification` phase, and the newest promotion is
   *   the one that brought that collection in: each freight of the last stable collection that the stage no longer
   *   runs is promoted back.
   *
   * The last stable collection is the newest one of the stage's history, other than the failed one, that was
   * verified there (a Successful verification, or its freight verified at once when the stage has no
   * verification). The rollbacks are {@link PromotionService.autoRollback}s, marked as rollbacks and holding the
   * stage as a user's rollback does. It never loops: a failed promotion that was itself a rollback, or a collection
   * a rollback brought in, triggers nothing, and each trigger (a promotion, a failed collection) rolls back at most
   * once per origin, however many replicas see it (a claim in the rollback's transaction). Freight that is not
   * eligible anymore is left alone.
   */
  private async rollBackStage(
    project: ProjectDefinition,
    stage: StageManifest,
    triggers: AutoRollbackTriggers,
    now: Date,
  ): Promise<Promotion[]> {
    const { stores } = this.options;
    const stageName = stage.metadata.name;
    const history = await stores.stages.getStageHistory({
      project: project.name,
      stage: stageName,
      limit: ROLLBACK_HISTORY_LIMIT,
    });
    if (history.length === 0) return [];
    const trigger = await this.rollbackTrigger(
      project.name,
      stageName,
      triggers,
      history[0],
    );
    if (!trigger) return [];
    const stable = await this.lastStableCollection(
      project.name,
      stageName,
      history,
      trigger.failedCollection,
    );
    if (!stable) {
      this.warnOnce(
        trigger.key,
        `Stage ${project.name}/${stageName} cannot roll back by itself after ${trigger.reason}: no earlier freight collection was verified there`,
      );
      return [];
    }
    // What the stage runs now, by origin.
    const current = new Map(
      history[0].collection.items.map(i => [i.origin.name, i.name]),
    );
    let targets: FreightCollectionItem[];
    if (trigger.failedFreight !== undefined) {
      const failed = await stores.freight.getFreight(
        project.name,
        trigger.failedFreight,
      );
      targets = stable.items.filter(
        i =>
          i.origin.name === failed?.origin.name &&
          i.name !== trigger.failedFreight,
      );
    } else {
      targets = stable.items.filter(i => current.get(i.origin.name) !== i.name);
    }
    const queries = new FreightQueries(stores);
    const created: Promotion[] = [];
    for (const target of targets) {
      const claimed = await stores.autoPromotions.isClaimed({
        project: project.name,
        stage: stageName,
        freightId: trigger.key,
        afterPromotion: `rollback:${target.origin.name}`,
      });
      if (claimed) continue;
      if (
        !(await queries.isEligible(
          project.name,
          stage,
          { id: target.name },
          now,
        ))
      ) {
        this.warnOnce(
          `${trigger.key}/${target.name}`,
          `Stage ${project.name}/${stageName} cannot roll back by itself to freight ${target.name} after ${trigger.reason}: the freight is not available to the stage anymore`,
        );
        continue;
      }
      try {
        const promotion = await this.options.promotions.autoRollback({
          project: project.name,
          stage: stageName,
          freight: target.name,
          trigger: trigger.key,
          reason: trigger.reason,
        });
        this.options.logger.info(
          `Rolled ${project.name}/${stageName} back to freight ${target.name} after ${trigger.reason} (${promotion.id})`,
        );
        created.push(promotion);
      } catch (error) {
        // Another replica was first, or the stage changed meanwhile: the next pass decides.
        if (error instanceof ConflictError) continue;
        throw error;
      }
    }
    return created;
  }

  private warnOnce(key: string, message: string): void {
    if (this.toldRollbacks.has(key)) return;
    this.toldRollbacks.add(key);
    this.options.logger.warn(message);
  }

  /** What calls for an automatic rollback of the stage now, if anything (see {@link AutoPromoter.rollBackStage}). */
  private async rollbackTrigger(
    project: string,
    stageName: string,
    triggers: AutoRollbackTriggers,
    newestEntry: StageHistoryEntry,
  ): Promise<RollbackTrigger | undefined> {
    const { stores } = this.options;
    const facts = await stores.promotions.getStagePromotionFacts({
      project,
      stage: stageName,
      freightId: newestEntry.freight,
    });
    if (facts.active || !facts.newest) return undefined;
    const newest = await stores.promotions.getPromotion(project, facts.newest);
    if (!newest) return undefined;
    if (newest.id !== newestEntry.promotion) {
      // The newest promotion did not move freight in: it ended without succeeding.
      if (newest.rollback || !triggers.onPromotion.has(newest.phase)) {
        return undefined;
      }
      return {
        key: triggerKey(`promotion:${newest.id}`),
        reason: `promotion ${newest.id} ended ${newest.phase}`,
        failedFreight: newest.freight,
      };
    }
    // The newest promotion brought the current collection in: a rollback's collection triggers nothing.
    if (newest.rollback) return undefined;
    const collection = newestEntry.collection.id;
    const verification = (
      await stores.verifications.getCurrent(project, [stageName])
    )[stageName];
    if (
      !verification ||
      verification.collectionId !== collection ||
      !triggers.onVerification.has(verification.phase)
    ) {
      return undefined;
    }
    return {
      key: triggerKey(`verification:${collection}`),
      reason: `verification ${verification.id} of freight collection ${collection} ended ${verification.phase}`,
      failedCollection: collection,
    };
  }

  /**
   * The newest collection of the stage's history, other than `failed`, that was verified in the stage: a
   * verification of it ended Successful, or it was never verified as such and all its freight is verified in the
   * stage (a stage without verification verifies freight at once).
   */
  private async lastStableCollection(
    project: string,
    stageName: string,
    history: StageHistoryEntry[],
    failed: string | undefined,
  ) {
    const { stores } = this.options;
    const collections = history
      .map(entry => entry.collection)
      .filter(c => c.id !== failed);
    const outcomes = await stores.verifications.getCollectionOutcomes({
      project,
      stage: stageName,
      collectionIds: collections.map(c => c.id),
    });
    const seen = new Set<string>();
    for (const collection of collections) {
      if (seen.has(collection.id)) continue;
      seen.add(collection.id);
      const outcome = Object.hasOwn(outcomes, collection.id)
        ? outcomes[collection.id]
        : undefined;
      if (outcome === true) return collection;
      if (outcome === false || collection.items.length === 0) continue;
      let verified = true;
      for (const item of collection.items) {
        const freight = await stores.freight.getFreight(project, item.name);
        if (!freight || !Object.hasOwn(freight.status.verifiedIn, stageName)) {
          verified = false;
          break;
        }
      }
      if (verified) return collection;
    }
    return undefined;
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
      // The candidates were read before the stage's promotions: one that finished in between moved its freight in
      // (in the transaction that ended it), so the freight is read again, after them.
      const fresh = await this.options.stores.freight.getFreight(
        project.name,
        freight.id,
      );
      if (!fresh || fresh.status.currentlyIn.includes(stageName)) continue;
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
