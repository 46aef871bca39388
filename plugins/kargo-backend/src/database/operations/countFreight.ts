import { Knex } from 'knex';
import { FreightMatch } from '../../stores/FreightStore';
import { chunks } from './paging';

/**
 * Keeps the freight of a project that matches (see {@link FreightMatch}): its direct origins, or verified in or
 * approved for stages, or listed by id.
 */
export function whereMatches(
  db: Knex,
  query: Knex.QueryBuilder,
  project: string,
  match: FreightMatch,
) {
  const stageRows = (stages: string[], column: 'verified_at' | 'approved_at') =>
    db('kargo_freight_stages')
      .select('freight_id')
      .where({ project })
      .whereIn('stage', stages)
      .whereNotNull(column);
  query.andWhere(q => {
    // An empty IN list is false on every engine, so each branch can be added unconditionally.
    q.whereIn('origin_name', match.origins);
    for (const { origin, stages } of match.verifiedIn ?? []) {
      q.orWhere(b =>
        b
          .where('origin_name', origin)
          .whereIn('id', stageRows(stages, 'verified_at')),
      );
    }
    const approved = match.approvedFor;
    if (approved) {
      q.orWhere(b =>
        b
          .whereIn('origin_name', approved.origins)
          .whereIn('id', stageRows([approved.stage], 'approved_at')),
      );
    }
    for (const ids of chunks(match.ids ?? [])) q.orWhereIn('id', ids);
  });
}

/** Counts the matching freight, no further than `max` when it is given (see `FreightStore.countFreight`). */
export async function countFreight(
  db: Knex,
  options: {
    project: string;
    match: FreightMatch;
    max?: number;
  },
): Promise<number> {
  const direct = [...new Set(options.match.origins)];
  let total = 0;
  if (direct.length > 0) {
    const row = await db('kargo_freight_counts')
      .where({ project: options.project })
      .whereIn('origin_name', direct)
      .sum<{ total: string | number | null }>('count as total')
      .first();
    total += Number(row?.total ?? 0);
    if (options.max !== undefined && total > options.max)
      return options.max + 1;
  }
  const rest: FreightMatch = {
    origins: [],
    verifiedIn: options.match.verifiedIn?.filter(
      v => !direct.includes(v.origin),
    ),
    approvedFor: options.match.approvedFor && {
      stage: options.match.approvedFor.stage,
      origins: options.match.approvedFor.origins.filter(
        o => !direct.includes(o),
      ),
    },
    ids: options.match.ids,
  };
  if (
    !rest.verifiedIn?.length &&
    !rest.approvedFor?.origins.length &&
    !rest.ids?.length
  ) {
    return total;
  }
  // The rest is a union of small sets, each found from its own index (freight verified in or approved for
  // a stage, listed ids) rather than by testing every freight of the project.
  const { project } = options;
  const fromStages = (
    origins: string[],
    stages: string[],
    column: 'verified_at' | 'approved_at',
  ) =>
    // One table, one index (project, stage, origin): no join for the planner to get wrong.
    db('kargo_freight_stages')
      .where('project', project)
      .whereIn('stage', stages)
      .whereIn('origin_name', origins)
      .whereNotNull(column)
      [
        // A freight verified in two of the stages must count once, also when the part stops at the cap.
        stages.length > 1 ? 'distinct' : 'select'
      ]('freight_id as id');
  const parts: Knex.QueryBuilder[] = [];
  for (const { origin, stages } of rest.verifiedIn ?? []) {
    if (stages.length > 0)
      parts.push(fromStages([origin], stages, 'verified_at'));
  }
  if (rest.approvedFor?.origins.length) {
    parts.push(
      fromStages(
        rest.approvedFor.origins,
        [rest.approvedFor.stage],
        'approved_at',
      ),
    );
  }
  for (const ids of chunks(rest.ids ?? [])) {
    const byId = db('kargo_freight')
      .where({ project })
      .whereIn('id', ids)
      .select('id');
    if (direct.length > 0) byId.whereNotIn('origin_name', direct);
    parts.push(byId);
  }
  // Each part is read on its own, no further than the cap, and the ids are merged here: both engines then
  // walk one index per part and stop early, where a SQL UNION would first collect every matching row.
  const cap = options.max === undefined ? Infinity : options.max - total + 1;
  const matched = new Set<string>();
  for (const part of parts) {
    if (matched.size >= cap) break;
    if (cap !== Infinity) part.limit(cap);
    for (const row of (await part) as Array<{ id: string }>) {
      matched.add(row.id);
    }
  }
  return total + Math.min(matched.size, cap);
}
