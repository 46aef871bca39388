// @ts-check

/**
 * Notes of a definition version (JSON): the documents that are not plain Kargo manifests (AnalysisTemplates kept,
 * other kinds skipped, credential Secrets refused and left out of `content`) and warnings. Null before this.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_definition_versions', table => {
    table.text('notes').nullable().comment('JSON');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kargo_definition_versions', table => {
    table.dropColumn('notes');
  });
};
