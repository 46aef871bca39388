import { Knex } from 'knex';
import {
  FREIGHT_HISTORY_LIMIT,
  StageHealth,
  StageHistoryEntry,
} from '@kargo-portal/plugin-kargo-common';
import {
  MetadataByName,
  MetadataKind,
  StageStore,
  StageSummary,
} from '../stores/StageStore';
import { StoreTransaction } from '../stores/StoreTransaction';
import {
  freightFromRow,
  promotionFromRow,
  stageHistoryEntryFromRow,
  stageHealthFromRow,
} from './mappers';
import { setCurrentFreight } from './operations/freightStages';
import { metadataByName, upsertMetadata } from './operations/metadata';
import { chunks } from './operations/paging';
import {
  FreightRow,
  PromotionRow,
  StageHealthRow,
  StageHistoryRow,
} from './tables';
import { toDbTime } from './time';
import { inTransaction } from './transaction';

/** The {@link StageStore} on the plugin's database. */
export class DatabaseStageStore implements StageStore {
  /** On a migrated database. */
  static create(options: { knex: Knex }): DatabaseStageStore {
    return new DatabaseStageStore(options.knex);
  }

  private constructor(private readonly db: Knex) {}

  async setCurrentFreight(
    options: {
      project: string;
      stage: string;
      freightId: string;
      promotionId?: string;
      at: Date;
    },
    transaction?: StoreTransaction,
  ): Promise<void> {
    await inTransaction(this.db, transaction, tx =>
      setCurrentFreight(tx, options),
    );
  }

  async getStageSummaries(
    project: string,
    stages: string[],
  ): Promise<StageSummary[]> {
    if (stages.length === 0) return [];
    const current: Array<
      FreightRow & { stage: string; current_since: string | null }
    > = await this.db('kargo_freight_stages as s')
      .join('kargo_freight as f', join =>
        join
          .on('f.project', '=', 's.project')
          .andOn('f.id', '=', 's.freight_id'),
      )
      .where('s.project', project)
      .whereIn('s.stage', stages)
      .where('s.currently_in', true)
      .orderBy([
        { column: 's.stage' },
        { column: 'f.origin_name' },
        { column: 'f.id' },
      ])
      .select('f.*', 's.stage', 's.current_since');
    const summaries = new Map<string, StageSummary>();
    const summaryOf = (stage: string) => {
      let summary = summaries.get(stage);
      if (!summary) {
        summary = { stage, current: [], freightHistory: [] };
        summaries.set(stage, summary);
      }
      return summary;
    };
    for (const row of current) {
      const summary = summaryOf(row.stage);
      const since = row.current_since ?? undefined;
      summary.current.push({ freight: freightFromRow(row), since });
      // The freight most recently moved in.
      if (
        !summary.currentFreight ||
        (since ?? '') > (summary.currentSince ?? '')
      ) {
        summary.currentFreight = freightFromRow(row);
        summary.currentSince = since;
      }
    }
    // The newest promotion and the last collections of each stage: index lookups per stage, whatever the length
    // of the history.
    for (const stage of stages) {
      const row: PromotionRow | undefined = await this.db<PromotionRow>(
        'kargo_promotions',
      )
        .where({ project, stage })
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .first();
      if (row) summaryOf(stage).lastPromotion = promotionFromRow(row);
      const history = await this.getStageHistory({
        project,
        stage,
        limit: FREIGHT_HISTORY_LIMIT,
      });
      if (history.length > 0) summaryOf(stage).freightHistory = history;
    }
    return [...summaries.values()];
  }

  async getStageHistory(options: {
    project: string;
    stage: string;
    limit: number;
  }): Promise<StageHistoryEntry[]> {
    const rows: StageHistoryRow[] = await this.db('kargo_stage_history')
      .where({ project: options.project, stage: options.stage })
      .orderBy('seq', 'desc')
      .limit(options.limit);
    return rows.map(stageHistoryEntryFromRow);
  }

  async upsertMetadata(
    options: {
      project: string;
      kind: MetadataKind;
      name: string;
      values: Record<string, unknown>;
      stages?: string[];
    },
    transaction?: StoreTransaction,
  ): Promise<{ name: string }> {
    return inTransaction(this.db, transaction, tx =>
      upsertMetadata(tx, options),
    );
  }

  async getMetadata(options: {
    project: string;
    kind: MetadataKind;
    names?: string[];
  }): Promise<MetadataByName> {
    const { project, kind } = options;
    if (!options.names) {
      return Object.fromEntries(await metadataByName(this.db, project, kind));
    }
    // The stored names of the names asked for: a Freight's alias stands for its id.
    const asked = new Map<string, string[]>();
    const nameAs = (storedName: string, name: string) =>
      asked.set(storedName, [...(asked.get(storedName) ?? []), name]);
    const names = [...new Set(options.names)];
    if (kind === 'Freight') {
      for (const part of chunks(names)) {
        const rows: Array<{ id: string; alias: string }> = await this.db(
          'kargo_freight',
        )
          .where({ project })
          .andWhere(q => q.whereIn('id', part).orWhereIn('alias', part))
          .select('id', 'alias');
        for (const row of rows) {
          if (part.includes(row.id)) nameAs(row.id, row.id);
          if (part.includes(row.alias)) nameAs(row.id, row.alias);
        }
      }
    } else {
      for (const name of names) nameAs(name, name);
    }
    const out: Array<[string, Record<string, unknown>]> = [];
    const found = await metadataByName(this.db, project, kind, [
      ...asked.keys(),
    ]);
    for (const [storedName, values] of found) {
      for (const name of asked.get(storedName) ?? []) {
        out.push([name, { ...values }]);
      }
    }
    return Object.fromEntries(out);
  }

  async getStageHealth(options: {
    project: string;
    stages?: string[];
  }): Promise<Record<string, StageHealth>> {
    const query = this.db<StageHealthRow>('kargo_stage_health').where(
      'project',
      options.project,
    );
    const rows: StageHealthRow[] = [];
    if (options.stages) {
      for (const part of chunks(options.stages)) {
        rows.push(...(await query.clone().whereIn('stage', part)));
      }
    } else {
      rows.push(...(await query));
    }
    return Object.fromEntries(
      rows.map(row => [row.stage, stageHealthFromRow(row)]),
    );
  }

  async putStageHealth(options: {
    project: string;
    stage: string;
    health: Omit<StageHealth, 'updatedAt'>;
    at: Date;
  }): Promise<boolean> {
    const { project, stage } = options;
    const health = JSON.stringify(options.health);
    const stored: Pick<StageHealthRow, 'health'> | undefined = await this.db(
      'kargo_stage_health',
    )
      .where({ project, stage })
      .first('health');
    if (stored?.health === health) return false;
    // Another replica may write the same derived value meanwhile: the last write wins, and both are equal.
    await this.db<StageHealthRow>('kargo_stage_health')
      .insert({
        project,
        stage,
        status: options.health.status,
        health,
        updated_at: toDbTime(options.at),
      })
      .onConflict(['project', 'stage'])
      .merge(['status', 'health', 'updated_at']);
    return true;
  }
}
