// @ts-check

const crypto = require('node:crypto');

/**
 * Freight collections, as Kargo's: every stage history entry records the collection the stage ran from then on
 * (one freight per origin, as JSON `{"Warehouse/<name>": "<freight id>"}`) and its id, the SHA-1 of the sorted
 * freight ids joined with commas. Until now a stage ran one freight at a time, so each existing entry's
 * collection is its own freight.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_stage_history', table => {
    table.string('collection_id', 40).nullable();
    table.text('collection').nullable();
  });
  /** @type {Array<{ seq: string | number, freight_id: string, origin_name: string | null }>} */
  const rows = await knex('kargo_stage_history as h')
    .leftJoin('kargo_freight as f', join =>
      join.on('f.project', '=', 'h.project').andOn('f.id', '=', 'h.freight_id'),
    )
    .select('h.seq', 'h.freight_id', 'f.origin_name');
  for (const row of rows) {
    await knex('kargo_stage_history')
      .where({ seq: row.seq })
      .update({
        collection_id: crypto
          .createHash('sha1')
          .update(row.freight_id)
          .digest('hex'),
        collection: JSON.stringify(
          row.origin_name
            ? { [`Warehouse/${row.origin_name}`]: row.freight_id }
            : {},
        ),
      });
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kargo_stage_history', table => {
    table.dropColumn('collection_id');
    table.dropColumn('collection');
  });
};
