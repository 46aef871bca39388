/** Catalog annotation naming the Kargo project an entity's card shows. @public */
export const KARGO_PROJECT_ANNOTATION = 'kargo/project';

/** Optional catalog annotation: comma list of warehouses the card is narrowed to. @public */
export const KARGO_WAREHOUSES_ANNOTATION = 'kargo/warehouses';

/** Kargo's stage annotation choosing the stage's color in UIs. @public */
export const KARGO_COLOR_ANNOTATION = 'kargo.akuity.io/color';

/**
 * Annotation of a Kargo Project manifest naming who owns the project: a comma list of catalog entity refs. A user
 * or group named there owns the project; any other entity (a component, a system) lends it its owners. Catalog
 * entities annotated `kargo/project` do not: anybody who may register a catalog entity could claim a project that
 * way, while the Project manifest is controlled by the project itself.
 *
 * @public
 */
export const KARGO_PROJECT_OWNERS_ANNOTATION = 'kargo-portal/owners';

// kind:[namespace/]name, as catalog entity refs are written (kinds and namespaces are case-insensitive).
const ENTITY_REF =
  /^([a-z][a-z0-9-]*):(?:([a-z0-9][a-z0-9._-]*)\/)?([a-z0-9][a-z0-9._-]*)$/i;

/**
 * The entity refs of a {@link KARGO_PROJECT_OWNERS_ANNOTATION} value, in full and lowercase
 * (`group:default/team-a`), or the problem with it.
 *
 * @public
 */
export function parseProjectOwners(
  value: string,
): { refs: string[] } | { problem: string } {
  const refs: string[] = [];
  for (const entry of value.split(',').map(e => e.trim())) {
    if (entry === '') continue;
    const match = ENTITY_REF.exec(entry);
    if (!match) {
      return {
        problem: `"${entry}" is not a catalog entity ref (kind:namespace/name, e.g. group:default/team-a or component:default/shop)`,
      };
    }
    const [, kind, namespace = 'default', name] = match;
    refs.push(`${kind}:${namespace}/${name}`.toLocaleLowerCase('en-US'));
  }
  return { refs: [...new Set(refs)] };
}
