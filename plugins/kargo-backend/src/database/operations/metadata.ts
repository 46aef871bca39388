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
  switch (effect.kind) {
    case 'metadata':
      await withMessagePrefix('error updating metadata', () =>
        upsertMetadata(tx, {
          project,
          kind: effect.target,
          name: effect.name,
          values: effect.values,
          stages,
        }),
      );
      return;
    case 'freight-alias':
      await withMessagePrefix(
        `failed to set the alias of Freight "${effect.name}"`,
        () =>
          setFreightAlias(tx, {
            project,
            id: effect.name,
            alias: effect.alias,
          }),
      );
      return;
    default:
      throw new InputError(
        `unknown step effect ${JSON.stringify(
          (effect as { kind: unknown }).kind,
        )}`,
      );
  }
}

/**
 * Runs `apply`; a refusal it throws is thrown again, of the same class, with `prefix` before its message (the
 * whole of it: as a cause it would be repeated in the message).
 */
async function withMessagePrefix(
  prefix: string,
  apply: () => Promise<unknown>,
): Promise<void> {
  try {
    await apply();
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new NotFoundError(`${prefix}: ${error.message}`);
    }
    if (error instanceof InputError) {
      throw new InputError(`${prefix}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Gives a Freight (by id) a new alias. Aliases are unique within a project: one that another Freight holds is
 * refused (Kargo's admission webhook refuses it the same way); giving a Freight the alias it has is a no-op.
 */
export async function setFreightAlias(
  tx: Knex.Transaction,
  options: { project: string; id: string; alias: string },
): Promise<void> {
  const { project, id, alias } = options;
  const row: { id: string } | undefined = await tx('kargo_freight')
    .where({ project, id })
    .first('id');
  if (!row) {
    throw new NotFoundError(
      `Freight "${id}" not found in project "${project}"`,
    );
  }
  const holder: { id: string } | undefined = await tx('kargo_freight')
    .where({ project, alias })
    .whereNot({ id })
    .first('id');
  if (holder) {
    throw new InputError(
      `alias "${alias}" already used by another piece of Freight ("${holder.id}") in project "${project}"`,
    );
  }
  await tx('kargo_freight').where({ project, id }).update({ alias });
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
