import { Knex } from 'knex';
import { NotFoundError } from '@backstage/errors';
import {
  FreightByOrigin,
  originKey,
  updateOrPush,
} from '../../freight/freightCollection';
import { FreightStageRow } from '../tables';
import { toDbTime } from '../time';

// What stages do with freight (kargo_freight_stages, kargo_stage_history), shared by the stores that change it.

type Db = Knex | Knex.Transaction;

/** The freight's id and origin; an unknown freight is a `NotFoundError`. */
export async function requireFreight(
  db: Db,
  project: string,
  freightId: string,
) {
  const row: { id: string; origin_name: string } | undefined = await db(
    'kargo_freight',
  )
    .where({ project, id: freightId })
    .first('id', 'origin_name');
  if (!row) {
    throw new NotFoundError(
      `Freight "${freightId}" not found in project "${project}"`,
    );
  }
  return row;
}

/** Creates or updates a freight's record for a stage; the freight must exist (it gives the origin). */
async function upsertFreightStage(
  tx: Db,
  key: { project: string; freightId: string; stage: string },
  values: Partial<FreightStageRow>,
) {
  const freight = await requireFreight(tx, key.project, key.freightId);
  await tx('kargo_freight_stages')
    .insert({
      project: key.project,
      freight_id: key.freightId,
      stage: key.stage,
      origin_name: freight.origin_name,
      currently_in: false,
      ...values,
    })
    .onConflict(['project', 'freight_id', 'stage'])
    .merge(Object.keys(values));
}

export async function approveFreight(
  tx: Knex.Transaction,
  options: {
    project: string;
    freightId: string;
    stage: string;
    actor: string;
    at: Date;
  },
): Promise<void> {
  await upsertFreightStage(tx, options, {
    approved_at: toDbTime(options.at),
    approved_by: options.actor,
  });
}

export async function markVerified(
  tx: Knex.Transaction,
  options: { project: string; freightId: string; stage: string; at: Date },
): Promise<void> {
  await upsertFreightStage(tx, options, {
    verified_at: toDbTime(options.at),
  });
}

/**
 * Makes a freight the stage's current one of its origin and records the stage's new freight collection in its
 * history, as Kargo's `FreightCollection.UpdateOrPush` does: the freight of the stage's other origins stay. The
 * freight of the same origin it replaces completes a soak: the longest one is kept, as Kargo does. The soak is counted
 * from `current_since` (when the freight entered the stage), and only freight verified in the stage keeps it, as in
 * Kargo's `FreightStatus.RemoveCurrentStage` and `Freight.GetLongestSoak` (akuity/kargo,
 * api/v1alpha1/freight_types.go).
 */
export async function setCurrentFreight(
  tx: Knex.Transaction,
  options: {
    project: string;
    stage: string;
    freightId: string;
    promotionId?: string;
    at: Date;
  },
): Promise<void> {
  const at = toDbTime(options.at);
  const freight = await requireFreight(tx, options.project, options.freightId);
  const previous: FreightStageRow[] = await tx('kargo_freight_stages')
    .where({ project: options.project, stage: options.stage })
    .where('currently_in', true)
    .orderBy('freight_id')
    .forUpdate();
  const kept: FreightByOrigin = {};
  for (const row of previous) {
    if (row.freight_id === options.freightId) continue;
    if (row.origin_name !== freight.origin_name) {
      kept[originKey({ kind: 'Warehouse', name: row.origin_name ?? '' })] =
        row.freight_id;
      continue;
    }
    // Leaving the stage completes a soak: keep the longest one, as Kargo does.
    const soakMs = row.current_since
      ? Math.max(0, options.at.getTime() - Date.parse(row.current_since))
      : 0;
    const longest = Math.max(Number(row.longest_soak_ms ?? 0), soakMs);
    await tx('kargo_freight_stages')
      .where({
        project: options.project,
        stage: options.stage,
        freight_id: row.freight_id,
      })
      .update({
        currently_in: false,
        current_since: null,
        longest_soak_ms: row.verified_at ? longest : row.longest_soak_ms,
      });
  }
  const stillCurrent = previous.some(r => r.freight_id === options.freightId);
  if (!stillCurrent) {
    await upsertFreightStage(tx, options, {
      currently_in: true,
      current_since: at,
    });
  }
  const collection = updateOrPush(kept, {
    origin: { kind: 'Warehouse', name: freight.origin_name },
    name: options.freightId,
  });
  await tx('kargo_stage_history').insert({
    project: options.project,
    stage: options.stage,
    freight_id: options.freightId,
    promotion_id: options.promotionId ?? null,
    promoted_at: at,
    collection_id: collection.id,
    collection: JSON.stringify(collection.freight),
  });
}
