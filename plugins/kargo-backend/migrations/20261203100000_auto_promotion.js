// @ts-check

/**
 * Auto-promotion: the claims that make one auto-promotion per stage, freight and stage state (the stage's newest
 * promotion when it was decided), so replicas racing to promote the same freight create one promotion; and the
 * holds (per origin) a user's promotion of other freight (or a rollback) puts on a stage.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('kargo_auto_promotions', table => {
    table.string('project', 253).notNullable();
    table.string('stage', 253).notNullable();
    table.string('freight_id', 64).notNullable();
    // The id of the stage's newest promotion when the auto-promotion was decided ('' when it had none).
    table.string('after_promotion', 255).notNullable();
    table.string('promotion_id', 255).notNullable();
    table.string('created_at', 32).notNullable();
    table.primary(['project', 'stage', 'freight_id', 'after_promotion']);
  });
  // Holds are per origin (the warehouse), as Kargo's Stage status `autoPromotionHolds`.
  await knex.schema.createTable('kargo_stage_holds', table => {
    table.string('project', 253).notNullable();
    table.string('stage', 253).notNullable();
    table.string('origin_name', 253).notNullable();
    table.string('freight_id', 64).notNullable();
    table.string('promotion_id', 255).notNullable();
    table.string('actor', 1024).notNullable();
    table.boolean('rollback').notNullable().defaultTo(false);
    table.string('created_at', 32).notNullable();
    table.primary(['project', 'stage', 'origin_name']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kargo_stage_holds');
  await knex.schema.dropTable('kargo_auto_promotions');
};
