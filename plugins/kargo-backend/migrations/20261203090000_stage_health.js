// @ts-check

/**
 * Stage health (issue 11): the health checks a promotion recorded (Kargo's `status.healthChecks`), as JSON text
 * on the promotion, null for promotions finished before this or without any; and the health of each stage as
 * last evaluated from them, one row per stage, rewritten only when it changes.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_promotions', table => {
    table.text('health_checks').nullable().comment('JSON');
  });
  await knex.schema.createTable('kargo_stage_health', table => {
    table.comment(
      'Health of each stage, derived from the watch of its health checks',
    );
    table.string('project').notNullable();
    table.string('stage').notNullable();
    table.string('status').notNullable();
    table.text('health').notNullable().comment('JSON, without updated_at');
    table.string('updated_at', 32).notNullable();
    table.primary(['project', 'stage']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kargo_stage_health');
  await knex.schema.alterTable('kargo_promotions', table => {
    table.dropColumn('health_checks');
  });
};
