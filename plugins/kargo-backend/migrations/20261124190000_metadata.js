// @ts-check

/**
 * Metadata of Stages and Freight, as Kargo keeps it in their `status.metadata`: set key by key by the
 * `set-metadata` promotion step, read by the `stageMetadata()` and `freightMetadata()` expression functions and
 * served with the pipeline and the freight. One row per key; `value` is the key's value as JSON text. A
 * Freight's `name` is its id (Kargo's Freight name).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('kargo_metadata', table => {
    table.string('project', 253).notNullable();
    table.string('kind', 16).notNullable().comment("'Stage' or 'Freight'");
    table.string('name', 253).notNullable();
    table.string('key', 253).notNullable();
    table.text('value').notNullable().comment('JSON');
    table.primary(['project', 'kind', 'name', 'key']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kargo_metadata');
};
