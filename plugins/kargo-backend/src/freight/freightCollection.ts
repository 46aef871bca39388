import { createHash } from 'node:crypto';
import { FreightCollection } from '@kargo-portal/plugin-kargo-common';

/** A collection's freight by origin key (`Warehouse/<name>`, Kargo's `FreightOrigin.String()`). */
export type FreightByOrigin = Record<string, string>;

/** Kargo's key of an origin in a collection: `<kind>/<name>`. */
export function originKey(origin: { kind: string; name: string }): string {
  return `${origin.kind}/${origin.name}`;
}

/**
 * Kargo's `FreightCollection.UpdateOrPush`: each freight replaces the collection's freight of its origin (the
 * others stay); the id is recomputed as the SHA-1 (hex) of the collection's sorted freight names joined with
 * commas.
 */
export function updateOrPush(
  collection: FreightByOrigin,
  ...freight: Array<{ origin: { kind: string; name: string }; name: string }>
): { id: string; freight: FreightByOrigin } {
  const updated = { ...collection };
  for (const item of freight) updated[originKey(item.origin)] = item.name;
  return { id: freightCollectionId(Object.values(updated)), freight: updated };
}

/** The id of a collection of these freight names: SHA-1 of the sorted names joined with commas. */
export function freightCollectionId(names: string[]): string {
  return createHash('sha1')
    .update([...names].sort().join(','))
    .digest('hex');
}

/** A stored collection as the API shows it: items ordered by origin, as Kargo's `References()`. */
export function freightCollectionOf(
  id: string,
  freight: FreightByOrigin,
): FreightCollection {
  return {
    id,
    items: Object.keys(freight)
      .sort()
      .map(key => {
        const slash = key.indexOf('/');
        return {
          origin: { kind: 'Warehouse' as const, name: key.slice(slash + 1) },
          name: freight[key],
        };
      }),
  };
}
