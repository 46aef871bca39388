// @ts-check

/**
 * The Kargo Portal store: manifest sources and their versions, freight and where it is, stage history,
 * promotions and warehouse state. Timestamps are written as ISO-8601 UTC strings with milliseconds so that one
 * query path orders them the same on SQLite and PostgreSQL.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('kargo_definition_state', table => {
    table.comment('One row: a counter bumped by every definition change');
    table.integer('id').primary();
    table.bigInteger('revision').notNullable();
  });
  await knex('kargo_definition_state').insert({ id: 1, revision: 0 });

  await knex.schema.createTable('kargo_definition_sources', table => {
    table.comment('Where manifests come from: a file, a URL, or the API');
    table.string('source_key', 1024).primary();
    table.string('kind', 16).notNullable();
    table.text('target').notNullable();
    table.integer('current_version').nullable();
    table.text('last_error').nullable();
    table.string('last_error_at', 32).nullable();
    table.string('checked_at', 32).notNullable();
  });

  await knex.schema.createTable('kargo_definition_versions', table => {
    table.comment('Every good version of a source, newest last');
    table.string('source_key', 1024).notNullable();
    table.integer('version').notNullable();
    table.string('content_hash', 64).notNullable();
    table.text('content').notNullable();
    table.text('projects').notNullable();
    table.string('created_by', 512).nullable();
    table.string('created_at', 32).notNullable();
    table.primary(['source_key', 'version']);
  });

  await knex.schema.createTable('kargo_freight', table => {
    table.comment('Immutable freight; id is the Kargo content hash');
    table.string('project', 253).notNullable();
    table.string('id', 64).notNullable();
    table.string('alias', 253).notNullable();
    table.string('origin_kind', 32).notNullable();
    table.string('origin_name', 253).notNullable();
    table.text('commits').notNullable();
    table.text('images').notNullable();
    table.text('charts').notNullable();
    table.string('created_at', 32).notNullable();
    table.primary(['project', 'id']);
    table.unique(['project', 'alias']);
    table.index(['project', 'created_at', 'id'], 'kargo_freight_newest_idx');
    table.index(
      ['project', 'origin_name', 'created_at', 'id'],
      'kargo_freight_origin_idx',
    );
  });

  await knex.schema.createTable('kargo_freight_stages', table => {
    table.comment('Where a freight is, was verified and is approved');
    table.string('project', 253).notNullable();
    table.string('freight_id', 64).notNullable();
    table.string('stage', 253).notNullable();
    table.boolean('currently_in').notNullable().defaultTo(false);
    table.string('current_since', 32).nullable();
    table.string('verified_at', 32).nullable();
    table.bigInteger('longest_soak_ms').nullable();
    table.string('approved_at', 32).nullable();
    table.string('approved_by', 512).nullable();
    table.primary(['project', 'freight_id', 'stage']);
    table.index(['project', 'stage'], 'kargo_freight_stages_stage_idx');
  });

  await knex.schema.createTable('kargo_stage_history', table => {
    table.comment('Freight a stage received, newest last');
    table.bigIncrements('seq').primary();
    table.string('project', 253).notNullable();
    table.string('stage', 253).notNullable();
    table.string('freight_id', 64).notNullable();
    table.string('promotion_id', 64).nullable();
    table.string('promoted_at', 32).notNullable();
    table.index(['project', 'stage', 'seq'], 'kargo_stage_history_stage_idx');
  });

  await knex.schema.createTable('kargo_promotions', table => {
    table.comment('Requests to move freight into a stage and their progress');
    table.string('id', 64).primary();
    table.string('project', 253).notNullable();
    table.string('stage', 253).notNullable();
    table.string('freight_id', 64).notNullable();
    table.string('phase', 16).notNullable();
    table.text('message').nullable();
    table.text('steps').notNullable();
    table.string('created_by', 512).nullable();
    table.string('created_at', 32).notNullable();
    table.string('started_at', 32).nullable();
    table.string('finished_at', 32).nullable();
    table.string('abort_requested_by', 512).nullable();
    table.index(['project', 'created_at', 'id'], 'kargo_promotions_newest_idx');
    table.index(
      ['project', 'stage', 'created_at', 'id'],
      'kargo_promotions_stage_idx',
    );
    table.index(['phase', 'created_at'], 'kargo_promotions_phase_idx');
  });

  await knex.schema.createTable('kargo_warehouses', table => {
    table.comment('Discovery state of each warehouse');
    table.string('project', 253).notNullable();
    table.string('name', 253).notNullable();
    table.string('refresh_requested_at', 32).nullable();
    table.string('refresh_requested_by', 512).nullable();
    table.string('last_discovery_at', 32).nullable();
    table.text('last_error').nullable();
    table.text('discovered').nullable();
    table.primary(['project', 'name']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const table of [
    'kargo_warehouses',
    'kargo_promotions',
    'kargo_stage_history',
    'kargo_freight_stages',
    'kargo_freight',
    'kargo_definition_versions',
    'kargo_definition_sources',
    'kargo_definition_state',
  ]) {
    await knex.schema.dropTable(table);
  }
};
