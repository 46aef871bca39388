import { Knex } from 'knex';
import { isDatabaseConflictError } from '@backstage/backend-plugin-api';
import { PromotionRow } from '../../database/tables';
import { toDbTime } from '../../database/time';
import { PromotionPlan } from '../engine/plan';
import { PromotionRunState } from '../engine/types';

/** A promotion row with the worker's columns (migration 20261124130000_promotion_runner). */
export interface PromotionRunRow extends PromotionRow {
  claimed_by: string | null;
  lease_expires_at: string | null;
  next_run_at: string | null;
  current_step: number | null;
  plan: string | null;
  run_state: string | null;
  run_count: number | string;
}

/** A promotion this worker holds, as it was when claimed. */
export interface ClaimedPromotion {
  id: string;
  project: string;
  stage: string;
  freightId: string;
  actor?: string;
  abortRequestedBy?: string;
  /** How many times the promotion was claimed, this claim included. */
  runCount: number;
  plan?: PromotionPlan;
  state?: PromotionRunState;
}

/** The worker's claim on a promotion was taken over: it must not write anything more for it. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(promotionId: string) {
    super(`The claim on promotion ${promotionId} was lost to another worker`);
  }
}

const TABLE = 'kargo_promotions';
const ACTIVE = ['Pending', 'Running'];

function parse<T>(text: string | null, what: string): T | undefined {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`Corrupt ${what} in the Kargo store: ${error}`);
  }
}

function claimedFromRow(row: PromotionRunRow): ClaimedPromotion {
  return {
    id: row.id,
    project: row.project,
    stage: row.stage,
    freightId: row.freight_id,
    actor: row.created_by ?? undefined,
    abortRequestedBy: row.abort_requested_by ?? undefined,
    runCount: Number(row.run_count),
    plan: parse<PromotionPlan>(row.plan, `plan of promotion ${row.id}`),
    state: stateFromRow(row),
  };
}

/**
 * The promotion worker's queries. Every write after the claim is fenced by `claimed_by`: a worker whose lease
 * was taken over changes nothing, and learns it from a {@link LeaseLostError}.
 */
export class PromotionRunRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Promotions a worker may claim now, oldest first: a Running promotion whose lease is free or expired and
   * whose step is due (or that a user aborted), and, in a stage with no Running promotion, the oldest Pending
   * one. So a stage runs one promotion at a time, in the order they were created.
   */
  async findClaimable(options: {
    now: Date;
    limit: number;
    exclude: string[];
  }): Promise<string[]> {
    const now = toDbTime(options.now);
    const earlierOrRunning = this.db(`${TABLE} as o`)
      .select(this.db.raw('1'))
      .whereRaw('?? = ??', ['o.project', 'p.project'])
      .whereRaw('?? = ??', ['o.stage', 'p.stage'])
      .where(q =>
        q
          .where('o.phase', 'Running')
          .orWhere(pending =>
            pending
              .where('o.phase', 'Pending')
              .where(older =>
                older
                  .whereRaw('?? < ??', ['o.created_at', 'p.created_at'])
                  .orWhere(tie =>
                    tie
                      .whereRaw('?? = ??', ['o.created_at', 'p.created_at'])
                      .whereRaw('?? < ??', ['o.id', 'p.id']),
                  ),
              ),
          ),
      );
    const rows: Array<{ id: string }> = await this.db(`${TABLE} as p`)
      .select('p.id')
      .whereIn('p.phase', ACTIVE)
      .where(q =>
        q.whereNull('p.claimed_by').orWhere('p.lease_expires_at', '<', now),
      )
      .where(q =>
        q
          .whereNull('p.next_run_at')
          .orWhere('p.next_run_at', '<=', now)
          .orWhereNotNull('p.abort_requested_by'),
      )
      .where(q =>
        q
          .where('p.phase', 'Running')
          .orWhere(pending =>
            pending
              .where('p.phase', 'Pending')
              .whereNotExists(earlierOrRunning),
          ),
      )
      .modify(q => {
        if (options.exclude.length > 0) q.whereNotIn('p.id', options.exclude);
      })
      .orderBy([
        { column: 'p.created_at', order: 'asc' },
        { column: 'p.id', order: 'asc' },
      ])
      .limit(options.limit);
    return rows.map(r => r.id);
  }

  /**
   * Claims a promotion with compare-and-set: it succeeds only if the promotion is still active and unclaimed
   * (or its lease expired). A Pending promotion becomes Running; the database refuses that when its stage has
   * a Running promotion already (a partial unique index), which is then not an error but a lost race.
   */
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

  /**
   * Extends the lease. Returns whether the claim is still ours, and who asked to abort the promotion, if
   * anyone did.
   */
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

  /** Saves the plan and the run state of a promotion this worker holds. */
  async saveProgress(options: {
    id: string;
    workerId: string;
    plan?: PromotionPlan;
    state: PromotionRunState;
    /** Save inside this transaction (with what a step's success changes elsewhere). */
    transaction?: Knex.Transaction;
  }): Promise<void> {
    const updated = await (options.transaction ?? this.db)(TABLE)
      .where({ id: options.id, claimed_by: options.workerId })
      .update({
        ...(options.plan ? { plan: JSON.stringify(options.plan) } : {}),
        ...stateColumns(options.state),
      });
    if (updated === 0) throw new LeaseLostError(options.id);
  }

  /**
   * Gives a promotion back, to be claimed again once `nextRunAt` has come (a waiting step) or at once (a
   * shutdown, an unexpected error).
   */
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

  /**
   * Ends a promotion in one transaction: its final phase and step states, and, through `onSucceeded` in the
   * same transaction, what success changes elsewhere (the stage's current freight and history).
   */
  async finish(options: {
    id: string;
    workerId: string;
    phase: 'Succeeded' | 'Failed' | 'Errored' | 'Aborted';
    message?: string;
    state?: PromotionRunState;
    plan?: PromotionPlan;
    now: Date;
    onSucceeded?: (tx: Knex.Transaction) => Promise<void>;
  }): Promise<void> {
    await this.db.transaction(async tx => {
      const updated = await tx(TABLE)
        .where({ id: options.id, claimed_by: options.workerId })
        .update({
          phase: options.phase,
          message: options.message ?? null,
          finished_at: toDbTime(options.now),
          claimed_by: null,
          lease_expires_at: null,
          next_run_at: null,
          ...(options.plan ? { plan: JSON.stringify(options.plan) } : {}),
          ...(options.state ? stateColumns(options.state) : {}),
        });
      if (updated === 0) throw new LeaseLostError(options.id);
      if (options.phase === 'Succeeded' && options.onSucceeded) {
        await options.onSucceeded(tx);
      }
    });
  }

  /** Ids of promotions that are over (or gone), among `ids`: their work directories can go. */
  async findFinished(ids: string[]): Promise<string[]> {
    const active = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows: Array<{ id: string }> = await this.db(TABLE)
        .whereIn('id', ids.slice(i, i + 500))
        .whereIn('phase', ACTIVE)
        .select('id');
      for (const row of rows) active.add(row.id);
    }
    return ids.filter(id => !active.has(id));
  }
}

/** The public step states go to `steps` (served by the API); the rest of the run state to private columns. */
function stateColumns(state: PromotionRunState) {
  const stored: StoredRunState = {
    runtime: state.runtime,
    outputs: state.outputs,
  };
  return {
    steps: JSON.stringify(state.steps),
    current_step: state.currentStep,
    run_state: JSON.stringify(stored),
  };
}

type StoredRunState = Pick<PromotionRunState, 'runtime' | 'outputs'>;

function stateFromRow(row: PromotionRunRow): PromotionRunState | undefined {
  const stored = parse<StoredRunState>(
    row.run_state,
    `run state of promotion ${row.id}`,
  );
  if (!stored) return undefined;
  return {
    currentStep: Number(row.current_step ?? 0),
    steps: parse<PromotionRunState['steps']>(
      row.steps,
      `steps of promotion ${row.id}`,
    )!,
    runtime: stored.runtime,
    outputs: stored.outputs,
  };
}
