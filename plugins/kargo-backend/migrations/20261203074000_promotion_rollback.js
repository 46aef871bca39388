// @ts-check

/**
 * Whether a promotion is a rollback (it promotes freight from the stage's history that the stage no longer runs):
 * Kargo's `kargo.akuity.io/rollback` annotation, which steps read as `ctx.meta.promotion.rollback`.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_promotions', table => {
    table.boolean('rollback').notNullable().defaultTo(false);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kargo_promotions', table => {
    table.dropColumn('rollback');
  });
};
