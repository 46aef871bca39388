import { Knex } from 'knex';
import { isDatabaseConflictError } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  Page,
  Promotion,
  TERMINAL_PROMOTION_PHASES,
} from '@kargo-portal/plugin-kargo-common';
import { PromotionPlan } from '../promotion/engine/plan';
import { generatePromotionName } from '../promotion/promotionName';
import { PromotionRunState, healthChecksOf } from '../promotion/engine/types';
import {
  ClaimedPromotion,
  EffectsToApply,
  LeaseLostError,
  PromotionEnding,
  PromotionStore,
  StageHealthSubject,
  StagePromotionFacts,
} from '../stores/PromotionStore';
import { StoreTransaction } from '../stores/StoreTransaction';
import {
  claimedFromRow,
  healthChecksFromRow,
  isWaitingForPullRequest,
  promotionFromRow,
  runStateColumns,
} from './mappers';
import { findClaimable } from './operations/findClaimable';
import {
  markVerified,
  requireFreight,
  setCurrentFreight,
} from './operations/freightStages';
import { applyEffects } from './operations/metadata';
import { chunks, newestFirst, pageOf } from './operations/paging';
import { PromotionRow, PromotionRunRow } from './tables';
import { toDbTime } from './time';
import { inTransaction } from './transaction';

const TABLE = 'kargo_promotions';
const ACTIVE = ['Pending', 'Running'];

/** The {@link PromotionStore} on the plugin's database. */
export class DatabasePromotionStore implements PromotionStore {
  /** On a migrated database. */
  static create(options: { knex: Knex }): DatabasePromotionStore {
    return new DatabasePromotionStore(options.knex);
  }

  private constructor(private readonly db: Knex) {}

  async createPromotion(
    options: {
      project: string;
      stage: string;
      freightId: string;
      actor?: string;
      rollback?: boolean;
      at: Date;
    },
    transaction?: StoreTransaction,
  ): Promise<Promotion> {
    const row: PromotionRow = {
      id: generatePromotionName(options.stage, options.freightId, options.at),
      project: options.project,
      stage: options.stage,
      freight_id: options.freightId,
      phase: 'Pending',
      message: null,
      steps: '[]',
      created_by: options.actor ?? null,
      created_at: toDbTime(options.at),
      started_at: null,
      finished_at: null,
      abort_requested_by: null,
      rollback: options.rollback ?? false,
    };
    await inTransaction(this.db, transaction, async tx => {
      await requireFreight(tx, options.project, options.freightId);
      await tx(TABLE).insert(row);
    });
    return promotionFromRow(row);
  }

  async getPromotion(
    project: string,
    id: string,
  ): Promise<Promotion | undefined> {
    const row: PromotionRow | undefined = await this.db(TABLE)
      .where({ project, id })
      .first();
    return row ? promotionFromRow(row) : undefined;
  }

  async listPromotions(options: {
    project: string;
    stage?: string;
    limit: number;
    cursor?: string;
  }): Promise<Page<Promotion>> {
    const query = this.db<PromotionRow>(TABLE).where({
      project: options.project,
    });
    newestFirst(query, options.limit, options.cursor);
    if (options.stage) query.andWhere({ stage: options.stage });
    const { page, nextCursor } = pageOf<PromotionRow>(
      await query,
      options.limit,
    );
    return { items: page.map(promotionFromRow), nextCursor };
  }

  async requestAbort(
    options: {
      project: string;
      id: string;
      actor: string;
      at: Date;
    },
    transaction?: StoreTransaction,
  ): Promise<Promotion> {
    return inTransaction(this.db, transaction, async tx => {
      const row: PromotionRow | undefined = await tx(TABLE)
        .where({ project: options.project, id: options.id })
        .forUpdate()
        .first();
      if (!row) {
        throw new NotFoundError(
          `Promotion "${options.id}" not found in project "${options.project}"`,
        );
      }
      const promotion = promotionFromRow(row);
      if (TERMINAL_PROMOTION_PHASES.includes(promotion.phase)) {
        throw new ConflictError(
          `Promotion "${options.id}" is already ${promotion.phase}`,
        );
      }
      const update: Partial<PromotionRow> =
        promotion.phase === 'Pending'
          ? {
              phase: 'Aborted',
              message: `Aborted by ${options.actor} before it started`,
              finished_at: toDbTime(options.at),
              abort_requested_by: options.actor,
            }
          : { abort_requested_by: options.actor };
      await tx(TABLE).where({ id: options.id }).update(update);
      return promotionFromRow({ ...row, ...update });
    });
  }

  async wakeWaitingForPullRequest(options: {
    prUrl: string;
    project?: string;
    now: Date;
  }): Promise<Array<{ project: string; id: string }>> {
    const rows: Array<
      Pick<PromotionRunRow, 'id' | 'project' | 'steps' | 'current_step'>
    > = await this.db(TABLE)
      .where({ phase: 'Running' })
      .modify(q => {
        if (options.project) q.where({ project: options.project });
      })
      .select('id', 'project', 'steps', 'current_step');
    const waiting = rows.filter(row =>
      isWaitingForPullRequest(row, options.prUrl),
    );
    if (waiting.length === 0) return [];
    await this.db(TABLE)
      .whereIn(
        'id',
        waiting.map(row => row.id),
      )
      .where({ phase: 'Running' })
      .update({ wake_requested_at: toDbTime(options.now) });
    return waiting.map(row => ({ project: row.project, id: row.id }));
  }

  // The worker's side: claims, leases, progress, the end.

  findClaimable(options: {
    now: Date;
    limit: number;
    exclude: string[];
  }): Promise<string[]> {
    return findClaimable(this.db, options);
  }

  async claim(options: {
    id: string;
    workerId: string;
    now: Date;
    leaseMs: number;
  }): Promise<ClaimedPromotion | undefined> {
    const now = toDbTime(options.now);
    try {
      const updated = await this.db(TABLE)
        .where({ id: options.id })
        .whereIn('phase', ACTIVE)
        .where(q =>
          q.whereNull('claimed_by').orWhere('lease_expires_at', '<', now),
        )
        .update({
          claimed_by: options.workerId,
          lease_expires_at: toDbTime(
            new Date(options.now.getTime() + options.leaseMs),
          ),
          phase: 'Running',
          // This run looks at the step again: a wake asked for before now is served by it.
          wake_requested_at: null,
          started_at: this.db.raw('COALESCE(??, ?)', ['started_at', now]),
          run_count: this.db.raw('?? + 1', ['run_count']),
        });
      if (updated === 0) return undefined;
    } catch (error) {
      if (isDatabaseConflictError(error)) return undefined;
      throw error;
    }
    const row: PromotionRunRow | undefined = await this.db(TABLE)
      .where({ id: options.id, claimed_by: options.workerId })
      .first();
    return row ? claimedFromRow(row) : undefined;
  }

  async heartbeat(options: {
    id: string;
    workerId: string;
    now: Date;
    leaseMs: number;
  }): Promise<{ held: boolean; abortRequestedBy?: string }> {
    const updated = await this.db(TABLE)
      .where({ id: options.id, claimed_by: options.workerId })
      .update({
        lease_expires_at: toDbTime(
          new Date(options.now.getTime() + options.leaseMs),
        ),
      });
    if (updated === 0) return { held: false };
    const row: Pick<PromotionRunRow, 'abort_requested_by'> | undefined =
      await this.db(TABLE)
        .where({ id: options.id })
        .first('abort_requested_by');
    return {
      held: true,
      abortRequestedBy: row?.abort_requested_by ?? undefined,
    };
  }

  async saveProgress(options: {
    id: string;
    workerId: string;
    plan?: PromotionPlan;
    state: PromotionRunState;
    effects?: EffectsToApply;
  }): Promise<void> {
    const { effects } = options;
    const update = (db: Knex | Knex.Transaction) =>
      this.updateClaimed(db, options.id, options.workerId, {
        ...(options.plan ? { plan: JSON.stringify(options.plan) } : {}),
        ...runStateColumns(options.state),
      });
    if (!effects || effects.effects.length === 0) {
      await update(this.db);
      return;
    }
    // After a crash either both the effects and the step's success are stored, or the step runs again and the
    // effects repeat harmlessly.
    await this.db.transaction(async tx => {
      const project = await this.claimedProject(tx, options);
      await applyEffects(tx, project, effects);
      await update(tx);
    });
  }

  async release(options: {
    id: string;
    workerId: string;
    nextRunAt?: Date;
  }): Promise<void> {
    const updated = await this.db(TABLE)
      .where({ id: options.id, claimed_by: options.workerId })
      .update({
        claimed_by: null,
        lease_expires_at: null,
        next_run_at: options.nextRunAt ? toDbTime(options.nextRunAt) : null,
      });
    if (updated === 0) throw new LeaseLostError(options.id);
  }

  async finish(ending: PromotionEnding): Promise<void> {
    await this.db.transaction(async tx => {
      const row: Pick<PromotionRow, 'project' | 'stage' | 'freight_id'> =
        await this.claimedRow(tx, ending);
      await this.updateClaimed(tx, ending.id, ending.workerId, {
        phase: ending.phase,
        message: ending.message ?? null,
        finished_at: toDbTime(ending.now),
        claimed_by: null,
        lease_expires_at: null,
        next_run_at: null,
        ...(ending.plan ? { plan: JSON.stringify(ending.plan) } : {}),
        ...(ending.state
          ? {
              ...runStateColumns(ending.state),
              health_checks: JSON.stringify(healthChecksOf(ending.state)),
            }
          : {}),
      });
      if (ending.effects) await applyEffects(tx, row.project, ending.effects);
      if (ending.phase !== 'Succeeded') return;
      const at = ending.now;
      const moved = {
        project: row.project,
        stage: row.stage,
        freightId: row.freight_id,
      };
      await setCurrentFreight(tx, { ...moved, promotionId: ending.id, at });
      // Verification bookkeeping: a stage without verification verifies its new freight at once.
      if (ending.verifyAtOnce) await markVerified(tx, { ...moved, at });
    });
  }

  async getStageHealthSubjects(
    project: string,
    stages: string[],
  ): Promise<StageHealthSubject[]> {
    const subjects: StageHealthSubject[] = [];
    // Two index lookups per stage (project, stage, created_at), whatever the length of the history.
    for (const stage of stages) {
      const running: Pick<PromotionRunRow, 'id'> | undefined = await this.db(
        TABLE,
      )
        .where({ project, stage, phase: 'Running' })
        .first('id');
      const last:
        | Pick<PromotionRunRow, 'id' | 'phase' | 'health_checks'>
        | undefined = await this.db(TABLE)
        .where({ project, stage })
        .whereNotIn('phase', ACTIVE)
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .first('id', 'phase', 'health_checks');
      subjects.push({
        stage,
        ...(running ? { running: running.id } : {}),
        ...(last ? { lastFinished: healthChecksFromRow(last) } : {}),
      });
    }
    return subjects;
  }

  async getStagePromotionFacts(options: {
    project: string;
    stage: string;
    freightId: string;
  }): Promise<StagePromotionFacts> {
    const { project, stage, freightId } = options;
    const newestRows = [
      { column: 'created_at', order: 'desc' as const },
      { column: 'id', order: 'desc' as const },
    ];
    // The newest promotion is read before whether one is active: a promotion created in between is then seen
    // active (and nothing is promoted), so an auto-promotion is never claimed after a newer promotion that it did
    // not see.
    const newest: Pick<PromotionRunRow, 'id'> | undefined = await this.db(TABLE)
      .where({ project, stage })
      .orderBy(newestRows)
      .first('id');
    const active: Pick<PromotionRunRow, 'id'> | undefined = await this.db(TABLE)
      .where({ project, stage })
      .whereIn('phase', ACTIVE)
      .first('id');
    const last: Pick<PromotionRunRow, 'id' | 'phase'> | undefined =
      await this.db(TABLE)
        .where({ project, stage, freight_id: freightId })
        .whereNotIn('phase', ACTIVE)
        .orderBy(newestRows)
        .first('id', 'phase');
    return {
      active: active !== undefined,
      ...(newest ? { newest: newest.id } : {}),
      ...(last
        ? {
            lastOfFreight: {
              id: last.id,
              phase: healthChecksFromRow({ ...last, health_checks: null })
                .phase,
            },
          }
        : {}),
    };
  }

  /** Ids of promotions that are over (or gone), among `ids`: their work directories can go. */
  async findFinished(ids: string[]): Promise<string[]> {
    const active = new Set<string>();
    for (const part of chunks(ids)) {
      const rows: Array<{ id: string }> = await this.db(TABLE)
        .whereIn('id', part)
        .whereIn('phase', ACTIVE)
        .select('id');
      for (const row of rows) active.add(row.id);
    }
    return ids.filter(id => !active.has(id));
  }

  /** Updates a promotion this worker holds; a lost claim is a {@link LeaseLostError}. */
  private async updateClaimed(
    db: Knex | Knex.Transaction,
    id: string,
    workerId: string,
    values: Partial<PromotionRunRow>,
  ): Promise<void> {
    const updated = await db(TABLE)
      .where({ id, claimed_by: workerId })
      .update(values);
    if (updated === 0) throw new LeaseLostError(id);
  }

  /** Reads (and locks) a promotion this worker holds; a lost claim is a {@link LeaseLostError}. */
  private async claimedRow(
    tx: Knex.Transaction,
    key: { id: string; workerId: string },
  ): Promise<Pick<PromotionRow, 'project' | 'stage' | 'freight_id'>> {
    const row:
      | Pick<PromotionRow, 'project' | 'stage' | 'freight_id'>
      | undefined = await tx(TABLE)
      .where({ id: key.id, claimed_by: key.workerId })
      .forUpdate()
      .first('project', 'stage', 'freight_id');
    if (!row) throw new LeaseLostError(key.id);
    return row;
  }

  private async claimedProject(
    tx: Knex.Transaction,
    key: { id: string; workerId: string },
  ): Promise<string> {
    return (await this.claimedRow(tx, key)).project;
  }
}
