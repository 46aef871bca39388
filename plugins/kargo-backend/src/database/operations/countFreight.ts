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
  const [count] = await countFreightMany(db, {
    project: options.project,
    matches: [options.match],
    max: options.max,
  });
  return count;
}

// A statement counts at most this many parts, and holds about this many bound values (SQLite allows 32766; a
// compound SELECT at most 500 terms).
const PARTS_PER_STATEMENT = 100;
const BINDINGS_PER_STATEMENT = 10_000;

/**
 * A part of a match, other than its direct origins: freight of some origins verified in a stage or approved for
 * it (one range of a partial index each, no freight twice), or freight listed by id.
 */
type Part =
  | {
      stage: string;
      origins: string[];
      column: 'verified_at' | 'approved_at';
    }
  | { ids: string[]; notOrigins: string[] };

/**
 * Counts the freight of each match, like {@link countFreight} for each, in a few statements whatever the number
 * of matches (a pipeline counts one per stage):
 * 1. the per-origin counters of every direct origin, in one query;
 * 2. the size of the first other part of every match (freight verified in a stage, approved for a stage, listed
 *    by id), no further than the cap; a match with a part at the cap is counted (its union is at the cap too);
 * 3. the size of the other parts of the matches left, the same way. A match with at most one non-empty part is
 *    then counted;
 * 4. only the matches left (several non-empty parts, each under the cap) count the union of their parts (a
 *    freight verified in two stages counts once), bounded by the cap times the number of parts.
 */
export async function countFreightMany(
  db: Knex,
  options: {
    project: string;
    matches: FreightMatch[];
    max?: number;
  },
): Promise<number[]> {
  const { project, matches, max } = options;
  const directOf = matches.map(m => [...new Set(m.origins)]);
  const allDirect = [...new Set(directOf.flat())];
  const counters = new Map<string, number>();
  for (const origins of chunks(allDirect)) {
    const rows: Array<{ origin_name: string; count: string | number }> =
      await db('kargo_freight_counts')
        .where({ project })
        .whereIn('origin_name', origins)
        .select('origin_name', 'count');
    for (const row of rows) counters.set(row.origin_name, Number(row.count));
  }
  const results: number[] = [];
  const pending: Array<{
    index: number;
    total: number;
    cap: number;
    parts: Part[];
    sizes: number[];
  }> = [];
  matches.forEach((match, index) => {
    const direct = directOf[index];
    const total = direct.reduce((sum, o) => sum + (counters.get(o) ?? 0), 0);
    results.push(total);
    if (max !== undefined && total > max) {
      results[index] = max + 1;
      return;
    }
    const parts = partsOf(match, direct);
    if (parts.length === 0) return;
    const cap = max === undefined ? Infinity : max - total + 1;
    pending.push({ index, total, cap, parts, sizes: [] });
  });
  const first = await countParts(
    db,
    project,
    pending.map(p => ({ part: p.parts[0], cap: p.cap })),
  );
  pending.forEach((p, i) => p.sizes.push(first[i]));
  const open = pending.filter(p => p.sizes[0] < p.cap && p.parts.length > 1);
  const rest = await countParts(
    db,
    project,
    open.flatMap(p => p.parts.slice(1).map(part => ({ part, cap: p.cap }))),
  );
  let at = 0;
  for (const p of open) {
    p.sizes.push(...rest.slice(at, at + p.parts.length - 1));
    at += p.parts.length - 1;
  }
  const unions: typeof pending = [];
  for (const p of pending) {
    const nonEmpty = p.sizes.filter(n => n > 0);
    if (p.sizes.some(n => n >= p.cap)) {
      results[p.index] = p.total + p.cap;
    } else if (nonEmpty.length <= 1) {
      results[p.index] = p.total + (nonEmpty[0] ?? 0);
    } else {
      unions.push(p);
    }
  }
  // Several parts, each under the cap (so read whole): a freight in two of them counts once.
  const unionSizes = await countEach(
    db,
    unions.map(p => {
      const [head, ...tail] = p.parts
        .filter((_, i) => p.sizes[i] > 0)
        .map((part, i) =>
          db.select('id').from(partQuery(db, project, part).as(`p${i}`)),
        );
      return db.from(head.union(tail).as('u')).count('* as n');
    }),
  );
  unions.forEach((p, i) => {
    results[p.index] = p.total + Math.min(unionSizes[i], p.cap);
  });
  return results;
}

/** The parts of a match other than its direct origins (already counted). */
function partsOf(match: FreightMatch, direct: string[]): Part[] {
  const parts: Part[] = [];
  for (const { origin, stages } of match.verifiedIn ?? []) {
    if (direct.includes(origin)) continue;
    for (const stage of new Set(stages)) {
      parts.push({ stage, origins: [origin], column: 'verified_at' });
    }
  }
  const approved = match.approvedFor?.origins.filter(o => !direct.includes(o));
  if (match.approvedFor && approved?.length) {
    parts.push({
      stage: match.approvedFor.stage,
      origins: [...new Set(approved)],
      column: 'approved_at',
    });
  }
  for (const ids of chunks(match.ids ?? [])) {
    parts.push({ ids, notOrigins: direct });
  }
  return parts;
}

/** The freight ids (`id`) of a part. */
function partQuery(db: Knex, project: string, part: Part): Knex.QueryBuilder {
  if ('ids' in part) {
    const byId = db('kargo_freight')
      .where({ project })
      .whereIn('id', part.ids)
      .select('id');
    // Freight of a direct origin is already counted.
    if (part.notOrigins.length > 0)
      byId.whereNotIn('origin_name', part.notOrigins);
    return byId;
  }
  return db('kargo_freight_stages')
    .where('project', project)
    .where('stage', part.stage)
    .whereIn('origin_name', part.origins)
    .whereNotNull(part.column)
    .select('freight_id as id');
}

/**
 * The size of each part, no further than its cap. Parts of stages are counted per origin (a freight has one
 * origin, so the origins of a part never share a freight) by one statement per kind of record and cap, planned
 * once whatever the number of parts: a list of (stage, origin) rows, each counted by a correlated subquery that
 * reads one range of a partial index and stops at the cap.
 */
async function countParts(
  db: Knex,
  project: string,
  parts: Array<{ part: Part; cap: number }>,
): Promise<number[]> {
  const sizes: number[] = new Array(parts.length).fill(0);
  const byIds: number[] = [];
  const groups = new Map<
    string,
    {
      column: 'verified_at' | 'approved_at';
      cap: number;
      rows: Array<{ at: number; stage: string; origin: string }>;
    }
  >();
  parts.forEach(({ part, cap }, at) => {
    if ('ids' in part) {
      byIds.push(at);
      return;
    }
    const key = `${part.column} ${cap}`;
    const group = groups.get(key) ?? { column: part.column, cap, rows: [] };
    groups.set(key, group);
    for (const origin of part.origins) {
      group.rows.push({ at, stage: part.stage, origin });
    }
  });
  for (const { column, cap, rows } of groups.values()) {
    const range = () =>
      db('kargo_freight_stages as s')
        .where('s.project', project)
        .where('s.stage', db.ref('v.stage'))
        .where('s.origin_name', db.ref('v.origin'))
        .whereNotNull(`s.${column}`)
        .select(db.raw('1'));
    // First whether each range reaches the cap (its cap-th entry exists: the index is walked without returning
    // rows, several times faster than counting them), then the exact size of the ranges that do not.
    let below = rows;
    if (cap !== Infinity) {
      const full = await perRow(db, rows, v =>
        v.select(
          range()
            .limit(1)
            .offset(cap - 1)
            .as('n'),
        ),
      );
      below = [];
      rows.forEach((row, i) => {
        if (full[i] === null) below.push(row);
        else sizes[row.at] += cap;
      });
    }
    const counts = await perRow(db, below, v => {
      const counted = range();
      if (cap !== Infinity) counted.limit(cap);
      return v.select(db.from(counted.as('x')).count('*').as('n'));
    });
    below.forEach((row, i) => {
      sizes[row.at] += Number(counts[i]);
    });
  }
  const idCounts = await countEach(
    db,
    byIds.map(at => {
      const query = partQuery(db, project, parts[at].part);
      if (parts[at].cap !== Infinity) query.limit(parts[at].cap);
      return db.from(query.as('part')).count('* as n');
    }),
  );
  byIds.forEach((at, i) => {
    sizes[at] = idCounts[i];
  });
  return parts.map((p, i) => Math.min(sizes[i], p.cap));
}

/**
 * One value per row, `select(v)` selecting it as `n` from the rows as a table `v` (k, stage, origin): one
 * statement, planned once, whatever the number of rows.
 */
async function perRow(
  db: Knex,
  rows: Array<{ stage: string; origin: string }>,
  select: (v: Knex.QueryBuilder) => Knex.QueryBuilder,
): Promise<Array<string | number | null>> {
  const values: Array<string | number | null> = [];
  for (const chunk of chunks(rows, BINDINGS_PER_STATEMENT / 2)) {
    const result: Array<{ k: string | number; n: string | number | null }> =
      await select(
        db
          .with(
            'v',
            ['k', 'stage', 'origin'],
            db.raw(
              `values ${chunk.map((_, i) => `(${i}, ?, ?)`).join(', ')}`,
              chunk.flatMap(r => [r.stage, r.origin]),
            ),
          )
          .from('v')
          .select('v.k'),
      );
    const part: Array<string | number | null> = new Array(chunk.length).fill(
      null,
    );
    for (const row of result) part[Number(row.k)] = row.n;
    values.push(...part);
  }
  return values;
}

/**
 * Runs count queries (each `select count(*) as n ...`) as few compound statements, `select 0 as k, n from
 * (count 0) union all select 1 as k, n from (count 1) ...`, and returns their counts in order.
 */
async function countEach(
  db: Knex,
  queries: Knex.QueryBuilder[],
): Promise<number[]> {
  const counts: number[] = new Array(queries.length).fill(0);
  let batch: Knex.QueryBuilder[] = [];
  let first = 0;
  let bindings = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const offset = first;
    const [head, ...tail] = batch.map((q, i) =>
      db.select(db.raw(`${offset + i} as k`), 'n').from(q.as(`c${i}`)),
    );
    const rows: Array<{ k: string | number; n: string | number }> =
      tail.length > 0 ? await head.unionAll(tail) : await head;
    for (const row of rows) counts[Number(row.k)] = Number(row.n);
    first += batch.length;
    batch = [];
    bindings = 0;
  };
  for (const query of queries) {
    const size = query.toSQL().bindings.length;
    if (
      batch.length >= PARTS_PER_STATEMENT ||
      (batch.length > 0 && bindings + size > BINDINGS_PER_STATEMENT)
    ) {
      await flush();
    }
    batch.push(query);
    bindings += size;
  }
  await flush();
  return counts;
}
