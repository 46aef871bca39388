import { Knex } from 'knex';
import { isDatabaseConflictError } from '@backstage/backend-plugin-api';
import {
  FreightRecord,
  FreightStatus,
  FreightView,
  Page,
} from '@kargo-portal/plugin-kargo-common';
import {
  FreightMatch,
  FreightStageState,
  FreightStore,
  NewFreight,
} from '../stores/FreightStore';
import { StoreTransaction } from '../stores/StoreTransaction';
import {
  freightFromRow,
  freightStageStateFromRow,
  freightStatusFromRows,
} from './mappers';
import {
  countFreight,
  countFreightMany,
  whereMatches,
} from './operations/countFreight';
import { approveFreight, markVerified } from './operations/freightStages';
import { metadataByName } from './operations/metadata';
import { chunks, newestFirst, pageOf } from './operations/paging';
import { FreightRow, FreightStageRow } from './tables';
import { toDbTime } from './time';
import { inTransaction } from './transaction';

const MAX_ALIAS_ATTEMPTS = 5;

/** A freight view with its metadata, when it has any. */
function withMetadata(
  view: FreightView,
  metadata: Record<string, unknown> | undefined,
): FreightView {
  return metadata ? { ...view, metadata } : view;
}

/** The {@link FreightStore} on the plugin's database. */
export class DatabaseFreightStore implements FreightStore {
  /** On a migrated database. */
  static create(options: { knex: Knex }): DatabaseFreightStore {
    return new DatabaseFreightStore(options.knex);
  }

  private constructor(private readonly db: Knex) {}

  async insertFreight(
    freight: NewFreight,
    options: {
      generateAlias: (
        isTaken: (alias: string) => Promise<boolean>,
      ) => Promise<string>;
    },
  ): Promise<{ freight: FreightRecord; created: boolean }> {
    const isTaken = async (alias: string) =>
      Boolean(
        await this.db('kargo_freight')
          .where({ project: freight.project, alias })
          .first('id'),
      );
    for (let attempt = 1; ; attempt++) {
      const existing = await this.getFreightRow(freight.project, freight.id);
      if (existing)
        return { freight: freightFromRow(existing), created: false };
      const row: FreightRow = {
        project: freight.project,
        id: freight.id,
        alias: await options.generateAlias(isTaken),
        origin_kind: freight.origin.kind,
        origin_name: freight.origin.name,
        commits: JSON.stringify(freight.commits),
        images: JSON.stringify(freight.images),
        charts: JSON.stringify(freight.charts),
        artifacts: freight.artifacts?.length
          ? JSON.stringify(freight.artifacts)
          : null,
        created_at: toDbTime(freight.createdAt),
      };
      try {
        const created = await this.db.transaction(async tx => {
          const inserted = await tx('kargo_freight')
            .insert(row)
            .onConflict(['project', 'id'])
            .ignore()
            .returning('id');
          if (inserted.length === 0) return false;
          await tx('kargo_freight_counts')
            .insert({
              project: row.project,
              origin_name: row.origin_name,
              count: 1,
            })
            .onConflict(['project', 'origin_name'])
            .merge({ count: tx.raw('?? + 1', ['kargo_freight_counts.count']) });
          return true;
        });
        if (!created) continue; // another writer stored the same freight first
        return { freight: freightFromRow(row), created: true };
      } catch (error) {
        // The alias was taken between the check and the insert: pick another.
        if (!isDatabaseConflictError(error) || attempt >= MAX_ALIAS_ATTEMPTS) {
          throw error;
        }
      }
    }
  }

  private async getFreightRow(
    project: string,
    idOrAlias: string,
  ): Promise<FreightRow | undefined> {
    return this.db('kargo_freight')
      .where({ project })
      .andWhere(q => q.where({ id: idOrAlias }).orWhere({ alias: idOrAlias }))
      .first();
  }

  private async statusesOf(
    project: string,
    freightIds: string[],
  ): Promise<Map<string, FreightStatus>> {
    const rows: FreightStageRow[] = [];
    for (const ids of chunks(freightIds)) {
      rows.push(
        ...(await this.db('kargo_freight_stages')
          .where({ project })
          .whereIn('freight_id', ids)),
      );
    }
    const byFreight = new Map<string, FreightStageRow[]>();
    for (const row of rows) {
      const list = byFreight.get(row.freight_id) ?? [];
      list.push(row);
      byFreight.set(row.freight_id, list);
    }
    // Every stage each freight has been in, from the stage histories (one index range per page of freight).
    const previously = new Map<string, Set<string>>();
    for (const ids of chunks(freightIds)) {
      const history: Array<{ freight_id: string; stage: string }> =
        await this.db('kargo_stage_history')
          .where({ project })
          .whereIn('freight_id', ids)
          .distinct('freight_id', 'stage');
      for (const row of history) {
        const stages = previously.get(row.freight_id) ?? new Set<string>();
        stages.add(row.stage);
        previously.set(row.freight_id, stages);
      }
    }
    return new Map(
      freightIds.map(id => [
        id,
        {
          ...freightStatusFromRows(byFreight.get(id) ?? []),
          previouslyIn: [...(previously.get(id) ?? [])].sort(),
        },
      ]),
    );
  }

  async getFreight(
    project: string,
    idOrAlias: string,
  ): Promise<FreightView | undefined> {
    const row = await this.getFreightRow(project, idOrAlias);
    if (!row) return undefined;
    const statuses = await this.statusesOf(project, [row.id]);
    const metadata = await metadataByName(this.db, project, 'Freight', [
      row.id,
    ]);
    return withMetadata(
      { ...freightFromRow(row), status: statuses.get(row.id)! },
      metadata.get(row.id),
    );
  }

  async listFreight(options: {
    project: string;
    origins?: string[];
    match?: FreightMatch;
    ids?: string[];
    limit: number;
    cursor?: string;
  }): Promise<Page<FreightView>> {
    const query = this.db<FreightRow>('kargo_freight').where({
      project: options.project,
    });
    newestFirst(query, options.limit, options.cursor);
    if (options.origins) query.whereIn('origin_name', options.origins);
    if (options.match)
      whereMatches(this.db, query, options.project, options.match);
    if (options.ids) query.whereIn('id', options.ids);
    const { page, nextCursor } = pageOf<FreightRow>(await query, options.limit);
    const ids = page.map(r => r.id);
    const statuses = await this.statusesOf(options.project, ids);
    // One query for the metadata of the whole page.
    const metadata =
      ids.length > 0
        ? await metadataByName(this.db, options.project, 'Freight', ids)
        : new Map<string, Record<string, unknown>>();
    return {
      items: page.map(r =>
        withMetadata(
          { ...freightFromRow(r), status: statuses.get(r.id)! },
          metadata.get(r.id),
        ),
      ),
      nextCursor,
    };
  }

  /**
   * Counts the matching freight. Freight of the match's direct origins is counted from the per-origin counters
   * kept by {@link DatabaseFreightStore.insertFreight}, so the cost does not grow with the number of freight a
   * warehouse has produced; only freight of other origins (verified upstream, approved) is counted row by row,
   * and no further than `max` when it is given (the result is then at most `max + 1`).
   */
  countFreight(options: {
    project: string;
    match: FreightMatch;
    max?: number;
  }): Promise<number> {
    return countFreight(this.db, options);
  }

  countFreightMany(options: {
    project: string;
    matches: FreightMatch[];
    max?: number;
  }): Promise<number[]> {
    return countFreightMany(this.db, options);
  }

  async listFreightCandidates(options: {
    project: string;
    origins: string[];
    verifiedIn: string[];
    approvedFor: string;
  }): Promise<Array<{ freight: FreightRecord; stages: FreightStageState[] }>> {
    if (options.origins.length === 0) return [];
    const candidateIds = this.db('kargo_freight_stages')
      .select('freight_id')
      .where({ project: options.project })
      .andWhere(q => {
        q.where(q2 =>
          q2.where({ stage: options.approvedFor }).whereNotNull('approved_at'),
        );
        if (options.verifiedIn.length > 0) {
          q.orWhere(q2 =>
            q2.whereIn('stage', options.verifiedIn).whereNotNull('verified_at'),
          );
        }
      });
    const rows: FreightRow[] = await this.db('kargo_freight')
      .where({ project: options.project })
      .whereIn('origin_name', options.origins)
      .whereIn('id', candidateIds);
    const stageRows: FreightStageRow[] = [];
    for (const ids of chunks(rows.map(r => r.id))) {
      stageRows.push(
        ...(await this.db('kargo_freight_stages')
          .where({ project: options.project })
          .whereIn('freight_id', ids)),
      );
    }
    const byFreight = new Map<string, FreightStageState[]>();
    for (const row of stageRows) {
      const list = byFreight.get(row.freight_id) ?? [];
      list.push(freightStageStateFromRow(row));
      byFreight.set(row.freight_id, list);
    }
    return rows.map(r => ({
      freight: freightFromRow(r),
      stages: byFreight.get(r.id) ?? [],
    }));
  }

  async approveFreight(
    options: {
      project: string;
      freightId: string;
      stage: string;
      actor: string;
      at: Date;
    },
    transaction?: StoreTransaction,
  ): Promise<void> {
    await inTransaction(this.db, transaction, tx =>
      approveFreight(tx, options),
    );
  }

  async markVerified(
    options: {
      project: string;
      freightId: string;
      stage: string;
      at: Date;
    },
    transaction?: StoreTransaction,
  ): Promise<void> {
    await inTransaction(this.db, transaction, tx => markVerified(tx, options));
  }
}
