import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import { isDatabaseConflictError } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { StoreTransaction } from '../stores/StoreTransaction';
import {
  FinishedVerificationPhase,
  Measurement,
  Verification,
  VerificationAnalysis,
  VerificationLeaseLostError,
  VerificationPhase,
  VerificationStore,
} from '../stores/VerificationStore';
import { markVerified } from './operations/freightStages';
import { VerificationRow } from './tables';
import { toDbTime } from './time';
import { inTransaction } from './transaction';

const ACTIVE: VerificationPhase[] = ['Pending', 'Running'];

function verificationFromRow(row: VerificationRow): Verification {
  return {
    id: row.id,
    project: row.project,
    stage: row.stage,
    collectionId: row.collection_id,
    freightIds: JSON.parse(row.freight_ids),
    attempt: Number(row.attempt),
    actor: row.actor ?? undefined,
    phase: row.phase as VerificationPhase,
    message: row.message ?? undefined,
    analysis: JSON.parse(row.analysis) as VerificationAnalysis,
    measurements: JSON.parse(row.measurements) as Measurement[],
    createdAt: row.created_at,
    startedAt: row.started_at ?? undefined,
    finishedAt: row.finished_at ?? undefined,
    abortedBy: row.aborted_by ?? undefined,
  };
}

/** The {@link VerificationStore} on the plugin's database. */
export class DatabaseVerificationStore implements VerificationStore {
  /** On a migrated database. */
  static create(options: { knex: Knex }): DatabaseVerificationStore {
    return new DatabaseVerificationStore(options.knex);
  }

  private constructor(private readonly db: Knex) {}

  async create(
    options: Parameters<VerificationStore['create']>[0],
    transaction?: StoreTransaction,
  ): Promise<Verification | undefined> {
    try {
      return await inTransaction(this.db, transaction, async tx => {
        const key = {
          project: options.project,
          stage: options.stage,
        };
        let attempt = 1;
        if (!options.first) {
          const active = await tx('kargo_verifications')
            .where(key)
            .whereIn('phase', ACTIVE)
            .first('id');
          if (active) {
            throw new ConflictError(
              `Stage ${options.stage} is being verified already (verification ${active.id})`,
            );
          }
          const last = await tx('kargo_verifications')
            .where({ ...key, collection_id: options.collectionId })
            .max({ attempt: 'attempt' })
            .first();
          attempt = Number(last?.attempt ?? 0) + 1;
        }
        const at = toDbTime(options.at);
        const finished = options.phase === 'Error';
        const row: VerificationRow = {
          id: randomUUID(),
          ...key,
          collection_id: options.collectionId,
          freight_ids: JSON.stringify(options.freightIds),
          attempt,
          actor: options.actor ?? null,
          phase: options.phase ?? 'Pending',
          message: options.message ?? null,
          analysis: JSON.stringify(options.analysis),
          measurements: '[]',
          created_at: at,
          started_at: finished ? at : null,
          finished_at: finished ? at : null,
          aborted_by: null,
          worker_id: null,
          lease_expires_at: null,
          next_run_at: finished ? null : at,
        };
        await tx('kargo_verifications').insert(row);
        return verificationFromRow(row);
      });
    } catch (error) {
      // Another replica started the collection's first verification at the same time.
      if (options.first && isDatabaseConflictError(error)) return undefined;
      throw error;
    }
  }

  async getCurrent(
    project: string,
    stages: string[],
  ): Promise<Record<string, Verification>> {
    const result: Record<string, Verification> = {};
    for (const stage of stages) {
      const row: VerificationRow | undefined = await this.db(
        'kargo_verifications',
      )
        .where({ project, stage })
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'attempt', order: 'desc' },
        ])
        .first();
      if (row) result[stage] = verificationFromRow(row);
    }
    return result;
  }

  async hasVerification(options: {
    project: string;
    stage: string;
    collectionId: string;
  }): Promise<boolean> {
    const row = await this.db('kargo_verifications')
      .where({
        project: options.project,
        stage: options.stage,
        collection_id: options.collectionId,
      })
      .first('id');
    return Boolean(row);
  }

  async getCollectionOutcomes(options: {
    project: string;
    stage: string;
    collectionIds: string[];
  }): Promise<Record<string, boolean>> {
    const outcomes: Record<string, boolean> = {};
    if (options.collectionIds.length === 0) return outcomes;
    const rows: Array<{ collection_id: string; phase: string }> = await this.db(
      'kargo_verifications',
    )
      .where({ project: options.project, stage: options.stage })
      .whereIn('collection_id', [...new Set(options.collectionIds)])
      .distinct('collection_id', 'phase');
    for (const row of rows) {
      outcomes[row.collection_id] =
        (outcomes[row.collection_id] ?? false) || row.phase === 'Successful';
    }
    return outcomes;
  }

  async findClaimable(options: {
    now: Date;
    limit: number;
    exclude: string[];
  }): Promise<string[]> {
    const now = toDbTime(options.now);
    const rows: Array<{ id: string }> = await this.db('kargo_verifications')
      .select('id')
      .whereIn('phase', ACTIVE)
      .where('next_run_at', '<=', now)
      .where(q =>
        q.whereNull('worker_id').orWhere('lease_expires_at', '<', now),
      )
      .whereNotIn('id', options.exclude)
      .orderBy('next_run_at')
      .limit(options.limit);
    return rows.map(r => r.id);
  }

  async claim(options: {
    id: string;
    workerId: string;
    now: Date;
    leaseMs: number;
  }): Promise<Verification | undefined> {
    const now = toDbTime(options.now);
    return this.db.transaction(async tx => {
      const row: VerificationRow | undefined = await tx('kargo_verifications')
        .where({ id: options.id })
        .first();
      if (!row) return undefined;
      const updated = await tx('kargo_verifications')
        .where({ id: options.id })
        .whereIn('phase', ACTIVE)
        .where(q =>
          q.whereNull('worker_id').orWhere('lease_expires_at', '<', now),
        )
        .update({
          phase: 'Running',
          started_at: row.started_at ?? now,
          worker_id: options.workerId,
          lease_expires_at: toDbTime(
            new Date(options.now.getTime() + options.leaseMs),
          ),
        });
      if (updated !== 1) return undefined;
      return verificationFromRow({
        ...row,
        phase: 'Running',
        started_at: row.started_at ?? now,
      });
    });
  }

  private held(tx: Knex, id: string, workerId: string) {
    return tx('kargo_verifications').where({
      id,
      worker_id: workerId,
      phase: 'Running',
    });
  }

  async release(options: {
    id: string;
    workerId: string;
    measurements: Measurement[];
    nextRunAt: Date;
  }): Promise<void> {
    const updated = await this.held(
      this.db,
      options.id,
      options.workerId,
    ).update({
      measurements: JSON.stringify(options.measurements),
      worker_id: null,
      lease_expires_at: null,
      next_run_at: toDbTime(options.nextRunAt),
    });
    if (updated !== 1) throw new VerificationLeaseLostError(options.id);
  }

  async finish(options: {
    id: string;
    workerId: string;
    phase: FinishedVerificationPhase;
    message?: string;
    measurements: Measurement[];
    at: Date;
  }): Promise<void> {
    await this.db.transaction(async tx => {
      const row: VerificationRow | undefined = await this.held(
        tx,
        options.id,
        options.workerId,
      )
        .forUpdate()
        .first();
      if (!row) throw new VerificationLeaseLostError(options.id);
      await tx('kargo_verifications')
        .where({ id: options.id })
        .update({
          phase: options.phase,
          message: options.message ?? null,
          measurements: JSON.stringify(options.measurements),
          finished_at: toDbTime(options.at),
          worker_id: null,
          lease_expires_at: null,
          next_run_at: null,
        });
      if (options.phase !== 'Successful') return;
      // Only the freight the stage still runs: a verification of a collection the stage left verifies nothing.
      const current: Array<{ freight_id: string }> = await tx(
        'kargo_freight_stages',
      )
        .where({ project: row.project, stage: row.stage, currently_in: true })
        .whereIn('freight_id', JSON.parse(row.freight_ids))
        .select('freight_id');
      for (const { freight_id } of current) {
        await markVerified(tx, {
          project: row.project,
          stage: row.stage,
          freightId: freight_id,
          at: options.at,
        });
      }
    });
  }

  async abort(options: {
    project: string;
    stage: string;
    actor: string;
    at: Date;
  }): Promise<Verification> {
    return this.db.transaction(async tx => {
      const row: VerificationRow | undefined = await tx('kargo_verifications')
        .where({ project: options.project, stage: options.stage })
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'attempt', order: 'desc' },
        ])
        .forUpdate()
        .first();
      if (!row) {
        throw new NotFoundError(
          `Stage ${options.stage} has no verification to abort`,
        );
      }
      if (!ACTIVE.includes(row.phase as VerificationPhase)) {
        throw new ConflictError(
          `The verification of stage ${options.stage} is over (${row.phase})`,
        );
      }
      const changes = {
        phase: 'Aborted',
        message: `Aborted by ${options.actor}`,
        aborted_by: options.actor,
        finished_at: toDbTime(options.at),
        worker_id: null,
        lease_expires_at: null,
        next_run_at: null,
      };
      await tx('kargo_verifications').where({ id: row.id }).update(changes);
      return verificationFromRow({ ...row, ...changes });
    });
  }
}
