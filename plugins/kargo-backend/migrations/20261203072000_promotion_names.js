// @ts-check

/**
 * Promotions are named as Kargo names them, `<stage>.<ulid>.<short freight>`: up to 253 characters (a Kubernetes
 * resource name), where ids were UUIDs.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_promotions', table => {
    table.string('id', 253).alter({ alterNullable: false });
  });
  await knex.schema.alterTable('kargo_stage_history', table => {
    table.string('promotion_id', 253).alter({ alterNullable: false });
  });
};

/**
 * Back to 64 characters; on PostgreSQL this fails while a promotion has a longer name.
 *
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kargo_stage_history', table => {
    table.string('promotion_id', 64).alter({ alterNullable: false });
  });
  await knex.schema.alterTable('kargo_promotions', table => {
    table.string('id', 64).alter({ alterNullable: false });
  });
};
