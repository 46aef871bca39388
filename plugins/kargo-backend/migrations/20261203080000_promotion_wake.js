// @ts-check

/**
 * When something outside the run (a pull request webhook) asked for a waiting promotion's step to be looked at
 * again now: the promotion is claimable at once, whoever holds it, and the claim clears the request. Null when
 * no one asked.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_promotions', table => {
    table.string('wake_requested_at', 32).nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kargo_promotions', table => {
    table.dropColumn('wake_requested_at');
  });
};
