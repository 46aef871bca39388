// @ts-check

/**
 * What keeps the pipeline fast with a long history:
 * - the number of freight per project and origin, kept by the transaction that inserts freight, so that the
 *   pipeline counts the freight a stage receives directly from a warehouse without scanning all of it;
 * - an index to find the freight each stage runs without reading every freight-stage record.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('kargo_freight_counts', table => {
    table.comment('Freight per project and origin, maintained on insert');
    table.string('project', 253).notNullable();
    table.string('origin_name', 253).notNullable();
    table.bigInteger('count').notNullable();
    table.primary(['project', 'origin_name']);
  });
  await knex
    .into(
      knex.raw('?? (??, ??, ??)', [
        'kargo_freight_counts',
        'project',
        'origin_name',
        'count',
      ]),
    )
    .insert(
      knex('kargo_freight')
        .select('project', 'origin_name')
        .count('* as count')
        .groupBy('project', 'origin_name'),
    );
  await knex.schema.alterTable('kargo_freight_stages', table => {
    table.index(
      ['project', 'currently_in'],
      'kargo_freight_stages_current_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kargo_freight_stages', table => {
    table.dropIndex(
      ['project', 'currently_in'],
      'kargo_freight_stages_current_idx',
    );
  });
  await knex.schema.dropTable('kargo_freight_counts');
};
