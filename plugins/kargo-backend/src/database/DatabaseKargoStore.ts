import crypto from 'node:crypto';
import { Knex } from 'knex';
import {
  DatabaseService,
  isDatabaseConflictError,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  DefinitionSourceStatus,
  FreightRecord,
  FreightStatus,
  FreightView,
  Page,
  Promotion,
  StageHistoryEntry,
  TERMINAL_PROMOTION_PHASES,
  WarehouseStatus,
  DiscoveredArtifacts,
} from '@kargo-portal/plugin-kargo-common';
import { decodeCursor, encodeCursor } from './cursor';
import {
  freightFromRow,
  freightStageStateFromRow,
  freightStatusFromRows,
  promotionFromRow,
  sourceFromRow,
  warehouseFromRow,
} from './mappers';
import { applyDatabaseMigrations } from './migrations';
import {
  DefinitionSourceRow,
  DefinitionVersionRow,
  FreightRow,
  FreightStageRow,
  MetadataRow,
  PromotionRow,
  StageHistoryRow,
  WarehouseRow,
} from './tables';
import { toDbTime } from './time';
import {
  FreightMatch,
  FreightStageState,
  KargoStore,
  MetadataByName,
  MetadataKind,
  NewFreight,
  StageSummary,
  StoredDefinition,
} from './KargoStore';

const MAX_ALIAS_ATTEMPTS = 5;
/** The longest metadata key the `kargo_metadata` table holds. */
const MAX_METADATA_KEY_LENGTH = 253;
// Bound the size of `IN (...)` lists: SQLite allows 32766 parameters, PostgreSQL 65535.
const IN_CHUNK = 500;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

/** Orders a query newest first (time, then id) and starts it after the cursor's position. */
function newestFirst(query: Knex.QueryBuilder, limit: number, cursor?: string) {
  query
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit + 1);
  if (cursor) {
    const { t, id } = decodeCursor(cursor);
    query.andWhere(q =>
      q
        .where('created_at', '<', t)
        .orWhere(q2 => q2.where('created_at', '=', t).andWhere('id', '<', id)),
    );
  }
}

/** Splits the limit+1 rows of {@link newestFirst} into a page and the cursor of the next one. */
function pageOf<R extends { created_at: string; id: string }>(
  rows: R[],
  limit: number,
) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    page,
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({ t: last.created_at, id: last.id })
        : undefined,
  };
}

/** A freight view with its metadata, when it has any. */
function withMetadata(
  view: FreightView,
  metadata: Record<string, unknown> | undefined,
): FreightView {
  return metadata ? { ...view, metadata } : view;
}

/**
 * The Kargo store on Backstage's database service: SQLite or PostgreSQL through one query path.
 */
export class DatabaseKargoStore implements KargoStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseKargoStore> {
    const knex = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await applyDatabaseMigrations(knex);
    }
    return new DatabaseKargoStore(knex);
  }

  /** For tests and tools that hold a migrated connection already. */
  static fromKnex(knex: Knex): DatabaseKargoStore {
    return new DatabaseKargoStore(knex);
  }

  private constructor(private readonly db: Knex) {}

  // ---------------------------------------------------------------- definitions

  async getDefinitionRevision(): Promise<number> {
    const row = await this.db('kargo_definition_state')
      .where({ id: 1 })
      .first('revision');
    return Number(row?.revision ?? 0);
  }

  async loadDefinitions(): Promise<StoredDefinition[]> {
    const rows: Array<DefinitionSourceRow & DefinitionVersionRow> =
      await this.db('kargo_definition_sources as s')
        .join('kargo_definition_versions as v', join =>
          join
            .on('v.source_key', '=', 's.source_key')
            .andOn('v.version', '=', 's.current_version'),
        )
        .select('s.*', 'v.version', 'v.content')
        .orderBy('s.source_key');
    return rows.map(row => ({
      sourceKey: row.source_key,
      kind: sourceFromRow(row, []).kind,
      target: row.target,
      version: row.version,
      content: row.content,
    }));
  }

  async saveDefinitionVersion(options: {
    sourceKey: string;
    kind: StoredDefinition['kind'];
    target: string;
    content: string;
    projects: string[];
    actor?: string;
  }): Promise<{ version: number; changed: boolean }> {
    const hash = crypto
      .createHash('sha256')
      .update(options.content)
      .digest('hex');
    const now = toDbTime(new Date());
    return this.db.transaction(async tx => {
      const source: DefinitionSourceRow | undefined = await tx(
        'kargo_definition_sources',
      )
        .where({ source_key: options.sourceKey })
        .forUpdate()
        .first();
      if (source?.current_version) {
        const current: DefinitionVersionRow | undefined = await tx(
          'kargo_definition_versions',
        )
          .where({
            source_key: options.sourceKey,
            version: source.current_version,
          })
          .first();
        if (current?.content_hash === hash) {
          await tx('kargo_definition_sources')
            .where({ source_key: options.sourceKey })
            .update({ checked_at: now, last_error: null, last_error_at: null });
          return { version: source.current_version, changed: false };
        }
      }
      const latest = await tx('kargo_definition_versions')
        .where({ source_key: options.sourceKey })
        .max<{ max: number | null }>('version as max')
        .first();
      const version = Number(latest?.max ?? 0) + 1;
      await tx('kargo_definition_versions').insert({
        source_key: options.sourceKey,
        version,
        content_hash: hash,
        content: options.content,
        projects: JSON.stringify(options.projects),
        created_by: options.actor ?? null,
        created_at: now,
      });
      await tx('kargo_definition_sources')
        .insert({
          source_key: options.sourceKey,
          kind: options.kind,
          target: options.target,
          current_version: version,
          last_error: null,
          last_error_at: null,
          checked_at: now,
        })
        .onConflict('source_key')
        .merge();
      await tx('kargo_definition_state')
        .where({ id: 1 })
        .increment('revision', 1);
      return { version, changed: true };
    });
  }

  async recordDefinitionError(options: {
    sourceKey: string;
    kind: StoredDefinition['kind'];
    target: string;
    error: string;
  }): Promise<void> {
    const now = toDbTime(new Date());
    await this.db('kargo_definition_sources')
      .insert({
        source_key: options.sourceKey,
        kind: options.kind,
        target: options.target,
        current_version: null,
        last_error: options.error,
        last_error_at: now,
        checked_at: now,
      })
      .onConflict('source_key')
      .merge(['last_error', 'last_error_at', 'checked_at']);
  }

  async removeDefinitionSource(sourceKey: string): Promise<boolean> {
    return this.db.transaction(async tx => {
      const updated = await tx('kargo_definition_sources')
        .where({ source_key: sourceKey })
        .whereNotNull('current_version')
        .update({ current_version: null, checked_at: toDbTime(new Date()) });
      if (updated > 0) {
        await tx('kargo_definition_state')
          .where({ id: 1 })
          .increment('revision', 1);
      }
      return updated > 0;
    });
  }

  async listDefinitionSources(): Promise<DefinitionSourceStatus[]> {
    const rows: Array<DefinitionSourceRow & { projects: string | null }> =
      await this.db('kargo_definition_sources as s')
        .leftJoin('kargo_definition_versions as v', join =>
          join
            .on('v.source_key', '=', 's.source_key')
            .andOn('v.version', '=', 's.current_version'),
        )
        .select('s.*', 'v.projects')
        .orderBy('s.source_key');
    return rows.map(row =>
      sourceFromRow(row, row.projects ? JSON.parse(row.projects) : []),
    );
  }

  // ---------------------------------------------------------------- freight

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
    for (const ids of chunks(freightIds, IN_CHUNK)) {
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
    for (const ids of chunks(freightIds, IN_CHUNK)) {
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
    const metadata = await this.metadataByName(project, 'Freight', [row.id]);
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
    if (options.match) this.whereMatches(query, options.project, options.match);
    if (options.ids) query.whereIn('id', options.ids);
    const { page, nextCursor } = pageOf<FreightRow>(await query, options.limit);
    const ids = page.map(r => r.id);
    const statuses = await this.statusesOf(options.project, ids);
    // One query for the metadata of the whole page.
    const metadata =
      ids.length > 0
        ? await this.metadataByName(options.project, 'Freight', ids)
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

  private whereMatches(
    query: Knex.QueryBuilder,
    project: string,
    match: FreightMatch,
  ) {
    const stageRows = (
      stages: string[],
      column: 'verified_at' | 'approved_at',
    ) =>
      this.db('kargo_freight_stages')
        .select('freight_id')
        .where({ project })
        .whereIn('stage', stages)
        .whereNotNull(column);
    query.andWhere(q => {
      // An empty IN list is false on every engine, so each branch can be added unconditionally.
      q.whereIn('origin_name', match.origins);
      for (const { origin, stages } of match.verifiedIn ?? []) {
        q.orWhere(b =>
          b
            .where('origin_name', origin)
            .whereIn('id', stageRows(stages, 'verified_at')),
        );
      }
      const approved = match.approvedFor;
      if (approved) {
        q.orWhere(b =>
          b
            .whereIn('origin_name', approved.origins)
            .whereIn('id', stageRows([approved.stage], 'approved_at')),
        );
      }
      for (const ids of chunks(match.ids ?? [], IN_CHUNK))
        q.orWhereIn('id', ids);
    });
  }

  /**
   * Counts the matching freight. Freight of the match's direct origins is counted from the per-origin counters
   * kept by {@link DatabaseKargoStore.insertFreight}, so the cost does not grow with the number of freight a
   * warehouse has produced; only freight of other origins (verified upstream, approved) is counted row by row,
   * and no further than `max` when it is given (the result is then at most `max + 1`).
   */
  async countFreight(options: {
    project: string;
    match: FreightMatch;
    max?: number;
  }): Promise<number> {
    const direct = [...new Set(options.match.origins)];
    let total = 0;
    if (direct.length > 0) {
      const row = await this.db('kargo_freight_counts')
        .where({ project: options.project })
        .whereIn('origin_name', direct)
        .sum<{ total: string | number | null }>('count as total')
        .first();
      total += Number(row?.total ?? 0);
      if (options.max !== undefined && total > options.max)
        return options.max + 1;
    }
    const rest: FreightMatch = {
      origins: [],
      verifiedIn: options.match.verifiedIn?.filter(
        v => !direct.includes(v.origin),
      ),
      approvedFor: options.match.approvedFor && {
        stage: options.match.approvedFor.stage,
        origins: options.match.approvedFor.origins.filter(
          o => !direct.includes(o),
        ),
      },
      ids: options.match.ids,
    };
    if (
      !rest.verifiedIn?.length &&
      !rest.approvedFor?.origins.length &&
      !rest.ids?.length
    ) {
      return total;
    }
    // The rest is a union of small sets, each found from its own index (freight verified in or approved for
    // a stage, listed ids) rather than by testing every freight of the project.
    const { project } = options;
    const fromStages = (
      origins: string[],
      stages: string[],
      column: 'verified_at' | 'approved_at',
    ) =>
      // One table, one index (project, stage, origin): no join for the planner to get wrong.
      this.db('kargo_freight_stages')
        .where('project', project)
        .whereIn('stage', stages)
        .whereIn('origin_name', origins)
        .whereNotNull(column)
        [
          // A freight verified in two of the stages must count once, also when the part stops at the cap.
          stages.length > 1 ? 'distinct' : 'select'
        ]('freight_id as id');
    const parts: Knex.QueryBuilder[] = [];
    for (const { origin, stages } of rest.verifiedIn ?? []) {
      if (stages.length > 0)
        parts.push(fromStages([origin], stages, 'verified_at'));
    }
    if (rest.approvedFor?.origins.length) {
      parts.push(
        fromStages(
          rest.approvedFor.origins,
          [rest.approvedFor.stage],
          'approved_at',
        ),
      );
    }
    for (const ids of chunks(rest.ids ?? [], IN_CHUNK)) {
      const byId = this.db('kargo_freight')
        .where({ project })
        .whereIn('id', ids)
        .select('id');
      if (direct.length > 0) byId.whereNotIn('origin_name', direct);
      parts.push(byId);
    }
    // Each part is read on its own, no further than the cap, and the ids are merged here: both engines then
    // walk one index per part and stop early, where a SQL UNION would first collect every matching row.
    const cap = options.max === undefined ? Infinity : options.max - total + 1;
    const matched = new Set<string>();
    for (const part of parts) {
      if (matched.size >= cap) break;
      if (cap !== Infinity) part.limit(cap);
      for (const row of (await part) as Array<{ id: string }>) {
        matched.add(row.id);
      }
    }
    return total + Math.min(matched.size, cap);
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
    for (const ids of chunks(
      rows.map(r => r.id),
      IN_CHUNK,
    )) {
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

  /** Creates or updates a freight's record for a stage; the freight must exist (it gives the origin). */
  private async upsertFreightStage(
    tx: Knex | Knex.Transaction,
    key: { project: string; freightId: string; stage: string },
    values: Partial<FreightStageRow>,
  ) {
    const freight = await this.requireFreight(tx, key.project, key.freightId);
    await tx('kargo_freight_stages')
      .insert({
        project: key.project,
        freight_id: key.freightId,
        stage: key.stage,
        origin_name: freight.origin_name,
        currently_in: false,
        ...values,
      })
      .onConflict(['project', 'freight_id', 'stage'])
      .merge(Object.keys(values));
  }

  private async requireFreight(
    tx: Knex | Knex.Transaction,
    project: string,
    freightId: string,
  ) {
    const row: { id: string; origin_name: string } | undefined = await tx(
      'kargo_freight',
    )
      .where({ project, id: freightId })
      .first('id', 'origin_name');
    if (!row) {
      throw new NotFoundError(
        `Freight "${freightId}" not found in project "${project}"`,
      );
    }
    return row;
  }

  async approveFreight(options: {
    project: string;
    freightId: string;
    stage: string;
    actor: string;
    at: Date;
  }): Promise<void> {
    await this.db.transaction(async tx => {
      await this.requireFreight(tx, options.project, options.freightId);
      await this.upsertFreightStage(tx, options, {
        approved_at: toDbTime(options.at),
        approved_by: options.actor,
      });
    });
  }

  async markVerified(options: {
    project: string;
    freightId: string;
    stage: string;
    at: Date;
    /** Run inside this transaction (the promotion worker verifies as it ends a promotion). */
    transaction?: Knex.Transaction;
  }): Promise<void> {
    await (options.transaction ?? this.db).transaction(async tx => {
      await this.requireFreight(tx, options.project, options.freightId);
      await this.upsertFreightStage(tx, options, {
        verified_at: toDbTime(options.at),
      });
    });
  }

  // ---------------------------------------------------------------- stages

  async setCurrentFreight(options: {
    project: string;
    stage: string;
    freightId: string;
    promotionId?: string;
    at: Date;
    /** Run inside this transaction (the promotion worker ends a promotion and moves the freight in one). */
    transaction?: Knex.Transaction;
  }): Promise<void> {
    const at = toDbTime(options.at);
    await (options.transaction ?? this.db).transaction(async tx => {
      await this.requireFreight(tx, options.project, options.freightId);
      const previous: FreightStageRow[] = await tx('kargo_freight_stages')
        .where({ project: options.project, stage: options.stage })
        .where('currently_in', true)
        .forUpdate();
      for (const row of previous) {
        if (row.freight_id === options.freightId) continue;
        // Leaving the stage completes a soak: keep the longest one, as Kargo does.
        const soakMs = row.current_since
          ? Math.max(0, options.at.getTime() - Date.parse(row.current_since))
          : 0;
        const longest = Math.max(Number(row.longest_soak_ms ?? 0), soakMs);
        await tx('kargo_freight_stages')
          .where({
            project: options.project,
            stage: options.stage,
            freight_id: row.freight_id,
          })
          .update({
            currently_in: false,
            current_since: null,
            longest_soak_ms: row.verified_at ? longest : row.longest_soak_ms,
          });
      }
      const stillCurrent = previous.some(
        r => r.freight_id === options.freightId,
      );
      if (!stillCurrent) {
        await this.upsertFreightStage(tx, options, {
          currently_in: true,
          current_since: at,
        });
      }
      await tx('kargo_stage_history').insert({
        project: options.project,
        stage: options.stage,
        freight_id: options.freightId,
        promotion_id: options.promotionId ?? null,
        promoted_at: at,
      });
    });
  }

  async getStageSummaries(
    project: string,
    stages: string[],
  ): Promise<StageSummary[]> {
    const current: Array<
      FreightRow & { stage: string; current_since: string | null }
    > = await this.db('kargo_freight_stages as s')
      .join('kargo_freight as f', join =>
        join
          .on('f.project', '=', 's.project')
          .andOn('f.id', '=', 's.freight_id'),
      )
      .where('s.project', project)
      .where('s.currently_in', true)
      .select('f.*', 's.stage', 's.current_since');
    // The newest promotion of each stage: one index lookup per stage, whatever the length of the history.
    const latest: PromotionRow[] = [];
    for (const stage of stages) {
      const row = await this.db<PromotionRow>('kargo_promotions')
        .where({ project, stage })
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .first();
      if (row) latest.push(row);
    }
    const summaries = new Map<string, StageSummary>();
    const summaryOf = (stage: string) => {
      let summary = summaries.get(stage);
      if (!summary) {
        summary = { stage };
        summaries.set(stage, summary);
      }
      return summary;
    };
    for (const row of current) {
      summaryOf(row.stage).currentFreight = freightFromRow(row);
      summaryOf(row.stage).currentSince = row.current_since ?? undefined;
    }
    for (const row of latest) {
      summaryOf(row.stage).lastPromotion = promotionFromRow(row);
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
    return rows.map(row => ({
      freight: row.freight_id,
      promotion: row.promotion_id ?? undefined,
      promotedAt: row.promoted_at,
    }));
  }

  // ---------------------------------------------------------------- metadata

  async upsertMetadata(options: {
    project: string;
    kind: MetadataKind;
    name: string;
    values: Record<string, unknown>;
    stages?: string[];
    /** Run inside this transaction (the promotion worker records a `set-metadata` step's result in one). */
    transaction?: Knex.Transaction;
  }): Promise<{ name: string }> {
    const { project, kind } = options;
    const entries = Object.entries(options.values);
    for (const [key] of entries) {
      if (key === '' || key.length > MAX_METADATA_KEY_LENGTH) {
        throw new InputError(
          `Metadata key ${JSON.stringify(key.slice(0, 64))} of ${kind} "${
            options.name
          }" must have 1 to ${MAX_METADATA_KEY_LENGTH} characters`,
        );
      }
    }
    return (options.transaction ?? this.db).transaction(async tx => {
      let name = options.name;
      if (kind === 'Freight') {
        const row: { id: string } | undefined = await tx('kargo_freight')
          .where({ project })
          .andWhere(q => q.where({ id: name }).orWhere({ alias: name }))
          .first('id');
        if (!row) {
          throw new NotFoundError(
            `Freight "${name}" not found in project "${project}"`,
          );
        }
        name = row.id;
      } else if (options.stages && !options.stages.includes(name)) {
        throw new NotFoundError(
          `Stage "${name}" not found in project "${project}"`,
        );
      }
      for (const [key, value] of entries) {
        const row: MetadataRow = {
          project,
          kind,
          name,
          key,
          value: JSON.stringify(value ?? null),
        };
        await tx('kargo_metadata')
          .insert(row)
          .onConflict(['project', 'kind', 'name', 'key'])
          .merge(['value']);
      }
      return { name };
    });
  }

  /** Metadata rows of `kind` by stored name (a Freight's id): of `names` only when given. */
  private async metadataByName(
    project: string,
    kind: MetadataKind,
    names?: string[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const query = () =>
      this.db<MetadataRow>('kargo_metadata')
        .where({ project, kind })
        .orderBy(['name', 'key']);
    const rows: MetadataRow[] = [];
    if (names) {
      for (const part of chunks([...new Set(names)], IN_CHUNK)) {
        rows.push(...(await query().whereIn('name', part)));
      }
    } else {
      rows.push(...(await query()));
    }
    // Built with `Object.fromEntries`, so that a key such as `__proto__` is an own property like any other.
    const entries = new Map<string, Array<[string, unknown]>>();
    for (const row of rows) {
      const list = entries.get(row.name) ?? [];
      list.push([row.key, JSON.parse(row.value)]);
      entries.set(row.name, list);
    }
    return new Map(
      [...entries].map(([name, list]) => [name, Object.fromEntries(list)]),
    );
  }

  async getMetadata(options: {
    project: string;
    kind: MetadataKind;
    names?: string[];
  }): Promise<MetadataByName> {
    const { project, kind } = options;
    if (!options.names) {
      return Object.fromEntries(await this.metadataByName(project, kind));
    }
    // The stored names of the names asked for: a Freight's alias stands for its id.
    const asked = new Map<string, string[]>();
    const nameAs = (storedName: string, name: string) =>
      asked.set(storedName, [...(asked.get(storedName) ?? []), name]);
    const names = [...new Set(options.names)];
    if (kind === 'Freight') {
      for (const part of chunks(names, IN_CHUNK)) {
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
    const found = await this.metadataByName(project, kind, [...asked.keys()]);
    for (const [storedName, values] of found) {
      for (const name of asked.get(storedName) ?? []) {
        out.push([name, { ...values }]);
      }
    }
    return Object.fromEntries(out);
  }

  // ---------------------------------------------------------------- promotions

  async createPromotion(options: {
    project: string;
    stage: string;
    freightId: string;
    actor?: string;
    at: Date;
  }): Promise<Promotion> {
    const row: PromotionRow = {
      id: crypto.randomUUID(),
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
    };
    await this.db.transaction(async tx => {
      await this.requireFreight(tx, options.project, options.freightId);
      await tx('kargo_promotions').insert(row);
    });
    return promotionFromRow(row);
  }

  async getPromotion(
    project: string,
    id: string,
  ): Promise<Promotion | undefined> {
    const row: PromotionRow | undefined = await this.db('kargo_promotions')
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
    const query = this.db<PromotionRow>('kargo_promotions').where({
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

  async requestAbort(options: {
    project: string;
    id: string;
    actor: string;
    at: Date;
  }): Promise<Promotion> {
    return this.db.transaction(async tx => {
      const row: PromotionRow | undefined = await tx('kargo_promotions')
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
      await tx('kargo_promotions').where({ id: options.id }).update(update);
      return promotionFromRow({ ...row, ...update });
    });
  }

  // ---------------------------------------------------------------- warehouses

  async requestRefresh(options: {
    project: string;
    warehouse: string;
    actor: string;
    at: Date;
  }): Promise<WarehouseStatus> {
    const values = {
      refresh_requested_at: toDbTime(options.at),
      refresh_requested_by: options.actor,
    };
    await this.db('kargo_warehouses')
      .insert({ project: options.project, name: options.warehouse, ...values })
      .onConflict(['project', 'name'])
      .merge(Object.keys(values));
    const row: WarehouseRow = await this.db('kargo_warehouses')
      .where({ project: options.project, name: options.warehouse })
      .first();
    return warehouseFromRow(row);
  }

  /**
   * Records a discovery attempt: what it found and when, and why it failed if it did. A failed discovery
   * without results keeps the last good result, so users can still create freight from it.
   */
  async recordDiscovery(options: {
    project: string;
    warehouse: string;
    at: Date;
    result: { discovered?: DiscoveredArtifacts; error?: string };
  }): Promise<WarehouseStatus> {
    const at = toDbTime(options.at);
    const { discovered, error } = options.result;
    const values = {
      last_attempt_at: at,
      last_error: error ?? null,
      last_error_at: error ? at : null,
      ...(discovered
        ? { last_discovery_at: at, discovered: JSON.stringify(discovered) }
        : {}),
    };
    await this.db('kargo_warehouses')
      .insert({ project: options.project, name: options.warehouse, ...values })
      .onConflict(['project', 'name'])
      .merge(Object.keys(values));
    return (await this.getWarehouse(options.project, options.warehouse))!;
  }

  async getWarehouse(
    project: string,
    warehouse: string,
  ): Promise<WarehouseStatus | undefined> {
    const row: WarehouseRow | undefined = await this.db('kargo_warehouses')
      .where({ project, name: warehouse })
      .first();
    return row && warehouseFromRow(row);
  }

  async listWarehouses(project: string): Promise<WarehouseStatus[]> {
    const rows: WarehouseRow[] = await this.db('kargo_warehouses')
      .where({ project })
      .orderBy('name');
    return rows.map(warehouseFromRow);
  }
}
