// @ts-check

/**
 * Generic artifacts of Freight (Kargo's `artifacts`: ArtifactReferences of subscription types that backend
 * modules register), as JSON text; null for freight without any, which is all freight made before this.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_freight', table => {
    table.text('artifacts').nullable().comment('JSON');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kargo_freight', table => {
    table.dropColumn('artifacts');
  });
};
