import crypto from 'node:crypto';
import { Knex } from 'knex';
import {
  DefinitionSourceStatus,
  ManifestNote,
} from '@kargo-portal/plugin-kargo-common';
import { DefinitionStore, StoredDefinition } from '../stores/DefinitionStore';
import { notesFromColumn, sourceFromRow } from './mappers';
import { DefinitionSourceRow, DefinitionVersionRow } from './tables';
import { toDbTime } from './time';

/** The {@link DefinitionStore} on the plugin's database. */
export class DatabaseDefinitionStore implements DefinitionStore {
  /** On a migrated database. */
  static create(options: { knex: Knex }): DatabaseDefinitionStore {
    return new DatabaseDefinitionStore(options.knex);
  }

  private constructor(private readonly db: Knex) {}

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
    notes?: ManifestNote[];
    actor?: string;
  }): Promise<{ version: number; changed: boolean }> {
    const notes = JSON.stringify(options.notes ?? []);
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
          // Notes may change with what the stored content leaves out (a refused Secret).
          await tx('kargo_definition_versions')
            .where({
              source_key: options.sourceKey,
              version: source.current_version,
            })
            .update({ notes });
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
        notes,
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
    const rows: Array<
      DefinitionSourceRow & { projects: string | null; notes: string | null }
    > = await this.db('kargo_definition_sources as s')
      .leftJoin('kargo_definition_versions as v', join =>
        join
          .on('v.source_key', '=', 's.source_key')
          .andOn('v.version', '=', 's.current_version'),
      )
      .select('s.*', 'v.projects', 'v.notes')
      .orderBy('s.source_key');
    return rows.map(row => {
      const notes = notesFromColumn(row.notes);
      return {
        ...sourceFromRow(row, row.projects ? JSON.parse(row.projects) : []),
        ...(notes.length > 0 ? { notes } : {}),
      };
    });
  }
}
