// @ts-check

/**
 * Discovery bookkeeping of warehouses: when discovery last ran (successful or not, for the poll interval) and
 * when it last failed.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_warehouses', table => {
    table.string('last_attempt_at', 32).nullable();
    table.string('last_error_at', 32).nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kargo_warehouses', table => {
    table.dropColumn('last_attempt_at');
    table.dropColumn('last_error_at');
  });
};
