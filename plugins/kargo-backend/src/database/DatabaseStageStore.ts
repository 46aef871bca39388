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
  PROMOTION_COLUMNS,
  PromotionRow,
  StageHealthRow,
  StageHistoryRow,
} from './tables';
import { toDbTime } from './time';
import { inTransaction } from './transaction';

// Stages per statement on SQLite, whose statements take at most 32,766 parameters.
const STAGES_PER_STATEMENT = 500;

/**
 * The rows of `query(stage)` for every stage, each part keeping its own ORDER BY and LIMIT (an index lookup), in
 * one statement rather than one per stage. On PostgreSQL, a lateral join of the query over the stages, planned
 * once (a compound SELECT of 50 parts took 10 ms to plan, each time). SQLite has no lateral join: there the rows
 * are those whose `key` the query selects for the stage, a correlated subquery over a VALUES list of the
 * stages (0.15 ms for 50 stages and 200,000 promotions, where the compound SELECT it replaces took 1.9 ms, most
 * of it to prepare).
 */
async function perStage<R>(
  db: Knex,
  stages: string[],
  from: { table: string; key: string; columns: readonly string[] },
  query: (stage: string | Knex.Ref<string, {}>) => Knex.QueryBuilder,
): Promise<R[]> {
  if (stages.length === 0) return [];
  const { table, key } = from;
  const columns = from.columns.map(column => `r.${column}`);
  if (db.client.dialect === 'postgresql') {
    return db
      .select(columns)
      .from(db.raw('unnest(?::text[]) as v(stage)', [stages]))
      .joinRaw('cross join lateral ? as r', [
        db.raw('?', [query(db.ref('v.stage'))]),
      ]);
  }
  const rows: R[] = [];
  for (const part of chunks(stages, STAGES_PER_STATEMENT)) {
    const values = part.map(() => '(?)').join(', ');
    rows.push(
      ...(await db
        .select(columns)
        .from(
          db.raw(
            `(select column1 as stage from (values ${values})) as v`,
            part,
          ),
        )
        .joinRaw('join ?? as r on r.?? in ?', [
          table,
          key,
          db.raw('(?)', [query(db.ref('v.stage')).clearSelect().select(key)]),
        ])),
    );
  }
  return rows;
}

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
    const names = [...new Set(stages)];
    // Three independent reads (at once on PostgreSQL): the freight each stage runs; its newest promotion; its
    // last collections. The last two are an index lookup per stage, whatever the length of the history, in one
    // statement for all stages.
    const [current, promotions, history] = await Promise.all([
      this.db('kargo_freight_stages as s')
        .join('kargo_freight as f', join =>
          join
            .on('f.project', '=', 's.project')
            .andOn('f.id', '=', 's.freight_id'),
        )
        .where('s.project', project)
        .whereIn('s.stage', stages)
        .where('s.currently_in', true)
        .select('f.*', 's.stage', 's.current_since') as Promise<
        Array<FreightRow & { stage: string; current_since: string | null }>
      >,
      // Without the run's plan and state, which a finished promotion keeps and a summary never shows.
      perStage<PromotionRow>(
        this.db,
        names,
        { table: 'kargo_promotions', key: 'id', columns: PROMOTION_COLUMNS },
        stage =>
          this.db('kargo_promotions')
            .where({ project, stage })
            .orderBy([
              { column: 'created_at', order: 'desc' },
              { column: 'id', order: 'desc' },
            ])
            .limit(1),
      ),
      perStage<StageHistoryRow>(
        this.db,
        names,
        { table: 'kargo_stage_history', key: 'seq', columns: ['*'] },
        stage =>
          this.db('kargo_stage_history')
            .where({ project, stage })
            .orderBy('seq', 'desc')
            .limit(FREIGHT_HISTORY_LIMIT),
      ),
    ]);
    // Ordered here (a row per stage and origin): asked to order them, SQLite walked every freight-stage record
    // of the project in stage order rather than the few current ones.
    const byKey = (r: { stage: string; origin_name: string; id: string }) =>
      [r.stage, r.origin_name, r.id] as const;
    current.sort((a, b) => {
      const [x, y] = [byKey(a), byKey(b)];
      for (let i = 0; i < 3; i++) {
        if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
      }
      return 0;
    });
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
      const freight = freightFromRow(row);
      summary.current.push({ freight, since });
      // The freight most recently moved in.
      if (
        !summary.currentFreight ||
        (since ?? '') > (summary.currentSince ?? '')
      ) {
        summary.currentFreight = freight;
        summary.currentSince = since;
      }
    }
    for (const row of promotions) {
      summaryOf(row.stage).lastPromotion = promotionFromRow(row);
    }
    // Newest first within each stage, as getStageHistory returns it.
    history.sort((a, b) => Number(b.seq) - Number(a.seq));
    for (const row of history) {
      const summary = summaryOf(row.stage);
      summary.freightHistory.push(stageHistoryEntryFromRow(row));
    }
    // Stages running freight first (by name), then the others in the order asked.
    const position = new Map(names.map((name, i) => [name, i]));
    const all = [...summaries.values()];
    return [
      ...all.filter(s => s.current.length > 0),
      ...all
        .filter(s => s.current.length === 0)
        .sort(
          (a, b) => (position.get(a.stage) ?? 0) - (position.get(b.stage) ?? 0),
        ),
    ];
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
