import { Knex } from 'knex';
import { toDbTime } from '../time';

/**
 * Promotions a worker may claim now, oldest first (see `PromotionStore.findClaimable`): a Running promotion
 * whose lease is free or expired and whose step is due (or that a user aborted, or a webhook woke), and, in a stage with no
 * Running promotion, the oldest Pending one.
 */
export async function findClaimable(
  db: Knex,
  options: { now: Date; limit: number; exclude: string[] },
): Promise<string[]> {
  const now = toDbTime(options.now);
  const earlierOrRunning = db('kargo_promotions as o')
    .select(db.raw('1'))
    .whereRaw('?? = ??', ['o.project', 'p.project'])
    .whereRaw('?? = ??', ['o.stage', 'p.stage'])
    .where(q =>
      q
        .where('o.phase', 'Running')
        .orWhere(pending =>
          pending
            .where('o.phase', 'Pending')
            .where(older =>
              older
                .whereRaw('?? < ??', ['o.created_at', 'p.created_at'])
                .orWhere(tie =>
                  tie
                    .whereRaw('?? = ??', ['o.created_at', 'p.created_at'])
                    .whereRaw('?? < ??', ['o.id', 'p.id']),
                ),
            ),
        ),
    );
  const rows: Array<{ id: string }> = await db('kargo_promotions as p')
    .select('p.id')
    .whereIn('p.phase', ['Pending', 'Running'])
    .where(q =>
      q.whereNull('p.claimed_by').orWhere('p.lease_expires_at', '<', now),
    )
    .where(q =>
      q
        .whereNull('p.next_run_at')
        .orWhere('p.next_run_at', '<=', now)
        .orWhereNotNull('p.abort_requested_by')
        .orWhereNotNull('p.wake_requested_at'),
    )
    .where(q =>
      q
        .where('p.phase', 'Running')
        .orWhere(pending =>
          pending.where('p.phase', 'Pending').whereNotExists(earlierOrRunning),
        ),
    )
    .modify(q => {
      if (options.exclude.length > 0) q.whereNotIn('p.id', options.exclude);
    })
    .orderBy([
      { column: 'p.created_at', order: 'asc' },
      { column: 'p.id', order: 'asc' },
    ])
    .limit(options.limit);
  return rows.map(r => r.id);
}
