// @ts-check

/**
 * What the promotion worker needs to run promotions from the database, resumably and on several replicas:
 * who holds a promotion and until when (a lease kept alive by heartbeats), when a waiting step runs next, the
 * plan (steps inflated from the stage and its tasks, fixed at start), the step being run, and the private run
 * state (outputs by alias, step state, error and interruption counters). The public per-step state stays in
 * `steps`.
 *
 * A partial unique index lets the database itself refuse a second Running promotion in a stage, whatever
 * the replicas race on.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_promotions', table => {
    table.string('claimed_by', 253).nullable();
    table.string('lease_expires_at', 32).nullable();
    table.string('next_run_at', 32).nullable();
    table.integer('current_step').nullable();
    table.text('plan').nullable();
    table.text('run_state').nullable();
    table.integer('run_count').notNullable().defaultTo(0);
  });
  // Same statement on SQLite and PostgreSQL; knex has no portable partial unique constraint.
  await knex.raw(
    `CREATE UNIQUE INDEX kargo_promotions_one_running_idx ON kargo_promotions (project, stage) WHERE phase = 'Running'`,
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw('DROP INDEX kargo_promotions_one_running_idx');
  await knex.schema.alterTable('kargo_promotions', table => {
    table.dropColumn('claimed_by');
    table.dropColumn('lease_expires_at');
    table.dropColumn('next_run_at');
    table.dropColumn('current_step');
    table.dropColumn('plan');
    table.dropColumn('run_state');
    table.dropColumn('run_count');
  });
};
