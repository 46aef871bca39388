/*
 * TEST DOUBLE SUPPORT for the Kubernetes API double: a simple model of server-side apply's field ownership.
 *
 * Per manager and operation (Apply or Update) the double keeps the set of leaf field paths it owns. Objects are
 * walked recursively; arrays and scalars are leaves (lists are atomic, which is what the Argo CD CRDs declare for
 * most of theirs). Of the metadata only labels, annotations, finalizers and ownerReferences are owned.
 *   - An Update (create, PUT, merge or JSON patch) takes the fields whose value it changed from everyone else,
 *     without conflicts; fields that no longer exist are dropped from every manager.
 *   - An Apply sets the fields of the applied configuration, removes fields the same manager applied before and
 *     no longer applies (unless another manager owns them too), and conflicts with every other manager owning a
 *     field whose value it would change. With `force` it takes those fields over instead.
 * The model renders as `metadata.managedFields` in FieldsV1 format (`{"f:spec":{"f:project":{}}}`).
 */
import { cloneJson, isJsonObject, Json, jsonEqual } from './kubernetesPatch';
import { ManagedFieldsEntryDouble } from './kubernetesResources';

type FieldPath = string[];

/** The fields one manager owns through one kind of operation. */
export interface FieldOwnership {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  paths: FieldPath[];
}

/** A field another manager owns with a different value than the applied one. */
export interface FieldConflict {
  manager: string;
  apiVersion: string;
  /** `.spec.project` */
  field: string;
}

/** Thrown by `applyConfiguration` when conflicts remain without `force`. */
export class FieldConflictError extends Error {
  constructor(readonly conflicts: FieldConflict[]) {
    super(`Apply failed with ${conflicts.length} conflict(s)`);
  }
}

const OWNED_METADATA = new Set(['labels', 'annotations']);
const ATOMIC_METADATA = new Set(['finalizers', 'ownerReferences']);

/** The owned leaf paths of an object. */
export function leafPaths(object: Json): FieldPath[] {
  const paths: FieldPath[] = [];
  const walk = (value: Json, path: FieldPath) => {
    if (isJsonObject(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value))
        walk(child, [...path, key]);
    } else {
      paths.push(path);
    }
  };
  if (!isJsonObject(object)) return paths;
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key === 'metadata' && isJsonObject(value)) {
      for (const [metaKey, metaValue] of Object.entries(value)) {
        if (OWNED_METADATA.has(metaKey)) walk(metaValue, ['metadata', metaKey]);
        else if (ATOMIC_METADATA.has(metaKey))
          paths.push(['metadata', metaKey]);
      }
    } else {
      walk(value, [key]);
    }
  }
  return paths;
}

export function getAt(
  object: Json | undefined,
  path: FieldPath,
): Json | undefined {
  let current = object;
  for (const key of path) {
    if (!isJsonObject(current) || !(key in current)) return undefined;
    current = current[key];
  }
  return current;
}

function setAt(
  object: { [key: string]: Json },
  path: FieldPath,
  value: Json,
): void {
  let current = object;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    if (!isJsonObject(next)) current[key] = {};
    const child = current[key];
    if (isJsonObject(child)) current = child;
  }
  current[path[path.length - 1]] = cloneJson(value);
}

function deleteAt(object: Json, path: FieldPath): void {
  const parent = getAt(object, path.slice(0, -1));
  if (isJsonObject(parent)) delete parent[path[path.length - 1]];
}

function samePath(a: FieldPath, b: FieldPath): boolean {
  return a.length === b.length && a.every((key, i) => key === b[i]);
}

/** One path is the other or lies under it. */
function overlaps(a: FieldPath, b: FieldPath): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatField(path: FieldPath): string {
  return path.map(key => `.${key}`).join('');
}

function withoutEmpty(ownerships: FieldOwnership[]): FieldOwnership[] {
  return ownerships.filter(ownership => ownership.paths.length > 0);
}

function entryFor(
  ownerships: FieldOwnership[],
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  time: string,
): FieldOwnership {
  let entry = ownerships.find(
    o => o.manager === manager && o.operation === operation,
  );
  if (!entry) {
    entry = { manager, operation, apiVersion, time, paths: [] };
    ownerships.push(entry);
  }
  Object.assign(entry, { apiVersion, time });
  return entry;
}

/** The ownership after `manager` changed `before` into `after` by anything but an apply. */
export function recordUpdate(options: {
  ownerships: FieldOwnership[];
  manager: string;
  apiVersion: string;
  time: string;
  before: Json | undefined;
  after: Json;
}): FieldOwnership[] {
  const { manager, apiVersion, time, before, after } = options;
  const changed = leafPaths(after).filter(
    path => !jsonEqual(getAt(before, path), getAt(after, path)),
  );
  const ownerships = options.ownerships.map(o => ({
    ...o,
    paths: o.paths.filter(
      path =>
        getAt(after, path) !== undefined &&
        !(o.manager !== manager && changed.some(c => overlaps(c, path))),
    ),
  }));
  if (changed.length > 0) {
    const entry = entryFor(ownerships, manager, 'Update', apiVersion, time);
    for (const path of changed) {
      if (!entry.paths.some(p => samePath(p, path))) entry.paths.push(path);
    }
  }
  return withoutEmpty(ownerships);
}

/** Server-side apply of `applied` by `manager` onto `current` (undefined when the object is new). */
export function applyConfiguration(options: {
  ownerships: FieldOwnership[];
  manager: string;
  apiVersion: string;
  time: string;
  force: boolean;
  current: Json | undefined;
  applied: Json;
}): { object: { [key: string]: Json }; ownerships: FieldOwnership[] } {
  const { manager, apiVersion, time, force, current, applied } = options;
  const appliedPaths = leafPaths(applied);
  const others = options.ownerships.filter(o => o.manager !== manager);
  const previous = options.ownerships.find(
    o => o.manager === manager && o.operation === 'Apply',
  );
  const object: { [key: string]: Json } = isJsonObject(current)
    ? cloneJson(current)
    : {};
  for (const path of previous?.paths ?? []) {
    const stillApplied = appliedPaths.some(p => overlaps(p, path));
    const ownedElsewhere = options.ownerships.some(
      o => o !== previous && o.paths.some(p => overlaps(p, path)),
    );
    if (!stillApplied && !ownedElsewhere) deleteAt(object, path);
  }
  for (const path of appliedPaths) {
    const value = getAt(applied, path);
    if (value !== undefined) setAt(object, path, value);
  }
  const conflicts: FieldConflict[] = [];
  for (const other of others) {
    for (const path of other.paths) {
      if (
        appliedPaths.some(p => overlaps(p, path)) &&
        !jsonEqual(getAt(current, path), getAt(object, path))
      ) {
        conflicts.push({
          manager: other.manager,
          apiVersion: other.apiVersion,
          field: formatField(path),
        });
      }
    }
  }
  if (conflicts.length > 0 && !force) throw new FieldConflictError(conflicts);
  const ownerships = options.ownerships
    .filter(o => o !== previous)
    .map(o => ({
      ...o,
      paths: o.paths.filter(
        path =>
          getAt(object, path) !== undefined &&
          !conflicts.some(
            c => c.manager === o.manager && c.field === formatField(path),
          ),
      ),
    }));
  ownerships.push({
    manager,
    operation: 'Apply',
    apiVersion,
    time,
    paths: appliedPaths,
  });
  return { object, ownerships: withoutEmpty(ownerships) };
}

/** `metadata.managedFields` as the API shows it. */
export function renderManagedFields(
  ownerships: FieldOwnership[],
): ManagedFieldsEntryDouble[] {
  return ownerships.map(o => {
    const fieldsV1: Record<string, unknown> = {};
    for (const path of o.paths) {
      let node: Record<string, unknown> = fieldsV1;
      for (const key of path) {
        const child = node[`f:${key}`];
        const next: Record<string, unknown> = isJsonObject(child) ? child : {};
        node[`f:${key}`] = next;
        node = next;
      }
    }
    return {
      manager: o.manager,
      operation: o.operation,
      apiVersion: o.apiVersion,
      time: o.time,
      fieldsType: 'FieldsV1',
      fieldsV1,
    };
  });
}
