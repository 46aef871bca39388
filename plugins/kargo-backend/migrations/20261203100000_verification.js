// @ts-check

/**
 * Verification (issue 12): one row per verification of a stage's freight collection, as Kargo keeps one
 * AnalysisRun per verification. `attempt` counts the verifications of one collection (a re-verification is the
 * next attempt), and the unique key on it lets replicas start the first one at once without running it twice.
 * `analysis` holds the run as resolved when it started (metrics of its templates, args), `measurements` every
 * measurement taken so far, so that a verification resumes after a crash from what it measured.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('kargo_verifications', table => {
    table.comment('Verifications of the freight collections of stages');
    table.string('id').primary();
    table.string('project').notNullable();
    table.string('stage').notNullable();
    table.string('collection_id').notNullable();
    table.text('freight_ids').notNullable().comment('JSON string[]');
    table.integer('attempt').notNullable();
    table.string('actor').nullable();
    table.string('phase').notNullable();
    table.text('message').nullable();
    table.text('analysis').notNullable().comment('JSON');
    table.text('measurements').notNullable().comment('JSON');
    table.string('created_at', 32).notNullable();
    table.string('started_at', 32).nullable();
    table.string('finished_at', 32).nullable();
    table.string('aborted_by').nullable();
    table.string('worker_id').nullable();
    table.string('lease_expires_at', 32).nullable();
    table.string('next_run_at', 32).nullable();
    table.unique(['project', 'stage', 'collection_id', 'attempt']);
    table.index(['project', 'stage', 'created_at']);
    table.index(['phase', 'next_run_at']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kargo_verifications');
};
