import { Knex } from 'knex';
import { InputError, NotFoundError } from '@backstage/errors';
import { PromotionStepEffect } from '@kargo-portal/plugin-kargo-node';
import { EffectsToApply } from '../../stores/PromotionStore';
import { MetadataKind } from '../../stores/StageStore';
import { MetadataRow } from '../tables';
import { chunks } from './paging';

// The metadata of Stages and Freight (kargo_metadata), shared by the stores that change it.

/** The longest metadata key the `kargo_metadata` table holds. */
const MAX_METADATA_KEY_LENGTH = 253;

/** Refuses keys the table cannot hold, before any write. */
function checkMetadataKeys(options: {
  kind: MetadataKind;
  name: string;
  values: Record<string, unknown>;
}) {
  for (const key of Object.keys(options.values)) {
    if (key === '' || key.length > MAX_METADATA_KEY_LENGTH) {
      throw new InputError(
        `Metadata key ${JSON.stringify(key.slice(0, 64))} of ${options.kind} "${
          options.name
        }" must have 1 to ${MAX_METADATA_KEY_LENGTH} characters`,
      );
    }
  }
}

/** Sets each key of `values` (see `StageStore.upsertMetadata`); returns the stored name. */
export async function upsertMetadata(
  tx: Knex.Transaction,
  options: {
    project: string;
    kind: MetadataKind;
    name: string;
    values: Record<string, unknown>;
    stages?: string[];
  },
): Promise<{ name: string }> {
  const { project, kind } = options;
  checkMetadataKeys(options);
  let name = options.name;
  if (kind === 'Freight') {
    const row: { id: string } | undefined = await tx('kargo_freight')
      .where({ project })
      .andWhere(q => q.where({ id: name }).orWhere({ alias: name }))
      .first('id');
    if (!row) {
      throw new NotFoundError(
        `Freight "${name}" not found in project "${project}"`,
      );
    }
    name = row.id;
  } else if (options.stages && !options.stages.includes(name)) {
    throw new NotFoundError(
      `Stage "${name}" not found in project "${project}"`,
    );
  }
  for (const [key, value] of Object.entries(options.values)) {
    const row: MetadataRow = {
      project,
      kind,
      name,
      key,
      value: JSON.stringify(value ?? null),
    };
    await tx('kargo_metadata')
      .insert(row)
      .onConflict(['project', 'kind', 'name', 'key'])
      .merge(['value']);
  }
  return { name };
}

/** Applies steps' effects to the project's Stages and Freight, in order. */
export async function applyEffects(
  tx: Knex.Transaction,
  project: string,
  { effects, stages }: EffectsToApply,
): Promise<void> {
  for (const effect of effects) {
    await applyEffect(tx, project, effect, stages);
  }
}

async function applyEffect(
  tx: Knex.Transaction,
  project: string,
  effect: PromotionStepEffect,
  stages: string[],
): Promise<void> {
  // One kind of effect so far; a new kind becomes a case of a switch on `effect.kind`.
  await upsertMetadata(tx, {
    project,
    kind: effect.target,
    name: effect.name,
    values: effect.values,
    stages,
  });
}

/** Metadata of `kind` by stored name (a Freight's id): of `names` only when given. */
export async function metadataByName(
  db: Knex,
  project: string,
  kind: MetadataKind,
  names?: string[],
): Promise<Map<string, Record<string, unknown>>> {
  const query = () =>
    db<MetadataRow>('kargo_metadata')
      .where({ project, kind })
      .orderBy(['name', 'key']);
  const rows: MetadataRow[] = [];
  if (names) {
    for (const part of chunks([...new Set(names)])) {
      rows.push(...(await query().whereIn('name', part)));
    }
  } else {
    rows.push(...(await query()));
  }
  // Built with `Object.fromEntries`, so that a key such as `__proto__` is an own property like any other.
  const entries = new Map<string, Array<[string, unknown]>>();
  for (const row of rows) {
    const list = entries.get(row.name) ?? [];
    list.push([row.key, JSON.parse(row.value)]);
    entries.set(row.name, list);
  }
  return new Map(
    [...entries].map(([name, list]) => [name, Object.fromEntries(list)]),
  );
}
