// @ts-check

/**
 * Stage history by freight: which stages a page of freight has been in, without reading every stage's history.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_stage_history', table => {
    table.index(['project', 'freight_id'], 'kargo_stage_history_freight_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kargo_stage_history', table => {
    table.dropIndex(
      ['project', 'freight_id'],
      'kargo_stage_history_freight_idx',
    );
  });
};
