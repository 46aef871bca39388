// @ts-check

/**
 * Indexes for counting the freight each stage may receive (the pipeline counts up to 1,000 per stage, for every
 * stage): the freight verified in a stage, and the freight approved for it, each a partial index holding only
 * those records with the freight id. A count then reads just the index entries it counts (an index-only scan),
 * where the index by project, stage and origin also held the records neither verified nor approved, and read
 * each record to test it (with 50 stages and 100,000 freight, 5,000 records per stage to find no approval).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_freight_stages', table => {
    table.index(
      ['project', 'stage', 'origin_name', 'freight_id'],
      'kargo_freight_stages_verified_idx',
      { predicate: knex.whereNotNull('verified_at') },
    );
    table.index(
      ['project', 'stage', 'origin_name', 'freight_id'],
      'kargo_freight_stages_approved_idx',
      { predicate: knex.whereNotNull('approved_at') },
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kargo_freight_stages', table => {
    table.dropIndex([], 'kargo_freight_stages_approved_idx');
    table.dropIndex([], 'kargo_freight_stages_verified_idx');
  });
};
