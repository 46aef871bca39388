// @ts-check

/**
 * The origin of each freight-stage record (a freight's origin never changes), with an index by project, stage and
 * origin: the pipeline then counts freight verified in or approved for a stage from one table and one index, where
 * a join with the freight table made PostgreSQL's planner walk every freight when no record matched.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kargo_freight_stages', table => {
    table.string('origin_name', 253).nullable();
  });
  await knex('kargo_freight_stages').update({
    origin_name: knex('kargo_freight')
      .select('origin_name')
      .where('kargo_freight.project', knex.ref('kargo_freight_stages.project'))
      .andWhere(
        'kargo_freight.id',
        knex.ref('kargo_freight_stages.freight_id'),
      ),
  });
  await knex.schema.alterTable('kargo_freight_stages', table => {
    table.index(
      ['project', 'stage', 'origin_name'],
      'kargo_freight_stages_origin_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kargo_freight_stages', table => {
    table.dropIndex(
      ['project', 'stage', 'origin_name'],
      'kargo_freight_stages_origin_idx',
    );
  });
  await knex.schema.alterTable('kargo_freight_stages', table => {
    table.dropColumn('origin_name');
  });
};
