import { Knex } from 'knex';
import { decodeCursor, encodeCursor } from '../cursor';

// Bound the size of `IN (...)` lists: SQLite allows 32766 parameters, PostgreSQL 65535.
export const IN_CHUNK = 500;

export function chunks<T>(items: T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

/** Orders a query newest first (time, then id) and starts it after the cursor's position. */
export function newestFirst(
  query: Knex.QueryBuilder,
  limit: number,
  cursor?: string,
) {
  query
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit + 1);
  if (cursor) {
    const { t, id } = decodeCursor(cursor);
    query.andWhere(q =>
      q
        .where('created_at', '<', t)
        .orWhere(q2 => q2.where('created_at', '=', t).andWhere('id', '<', id)),
    );
  }
}

/** Splits the limit+1 rows of {@link newestFirst} into a page and the cursor of the next one. */
export function pageOf<R extends { created_at: string; id: string }>(
  rows: R[],
  limit: number,
) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    page,
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({ t: last.created_at, id: last.id })
        : undefined,
  };
}
