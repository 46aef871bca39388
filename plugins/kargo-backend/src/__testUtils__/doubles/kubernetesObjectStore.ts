/*
 * TEST DOUBLE SUPPORT for the Kubernetes API double: the in-memory "etcd" behind kubernetesApiServer.ts, also
 * used directly (in-process) by the Argo CD simulator and by tests to seed and inspect objects.
 *
 * One global resourceVersion counter, as etcd's revision; every write bumps it, records a watch event in a
 * bounded history and tells the listeners. Watches resume from the history; a resourceVersion older than the
 * history (or than `compact()`) is "too old" and gives 410 Gone. Writes enforce what kube-apiserver enforces for
 * these resources: names, existing namespaces, resourceVersion preconditions (409), validation (422), field
 * ownership (see kubernetesManagedFields.ts). Errors are `KubernetesStatusError`s.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  applyConfiguration,
  FieldConflictError,
  FieldOwnership,
  recordUpdate,
  renderManagedFields,
} from './kubernetesManagedFields';
import {
  applyJsonPatch,
  applyMergePatch,
  cloneJson,
  isJsonObject,
  Json,
  JsonPatchError,
  jsonEqual,
  toJson,
} from './kubernetesPatch';
import {
  apiVersionOf,
  KubernetesObjectDouble,
  RESOURCE_TYPES,
  ResourceTypeDouble,
  resourceTypeByKind,
  resourceTypes,
  statusErrors,
} from './kubernetesResources';
import {
  asObject,
  checkBody,
  key,
  SERVER_METADATA,
  withoutServerFields,
} from './kubernetesObjectBody';
import { validateObject } from './kubernetesValidation';

/** A change as watchers see it. */
export interface StoreChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: ResourceTypeDouble;
  /** The object after the change (for DELETED: as it was, with the deletion's resourceVersion). */
  object: KubernetesObjectDouble;
  /** The object before the change, for MODIFIED. */
  previous?: KubernetesObjectDouble;
  resourceVersion: number;
}

/** Who writes: the `fieldManager` (kube-apiserver defaults it from the User-Agent). */
export interface WriteOptions {
  manager: string;
  /** `dryRun=All`: validate and answer, store nothing. */
  dryRun?: boolean;
}

interface Entry {
  object: KubernetesObjectDouble;
  ownerships: FieldOwnership[];
}

/** The in-memory object store with watch history. */
export class KubernetesObjectStore {
  /** The served types, e.g. `store.resourceTypes.application`. */
  readonly resourceTypes = resourceTypes;
  private readonly entries = new Map<string, Entry>();
  private readonly history: StoreChange[] = [];
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private revision = 1000;
  /** Resource versions up to this one are too old to watch from. */
  private oldestWatchable = 1000;

  constructor(
    private readonly options: {
      /** Clock for timestamps; the real one by default. */
      now?: () => Date;
      /** Watch events kept for resuming watches; older resourceVersions answer 410. Default 1000. */
      historyLimit?: number;
    } = {},
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private timestamp(): string {
    return `${this.now().toISOString().slice(0, 19)}Z`;
  }

  /** The current resourceVersion (what a list answers in `metadata.resourceVersion`). */
  get resourceVersion(): string {
    return String(this.revision);
  }

  /** Whether a watch may start from `resourceVersion`. */
  isWatchable(resourceVersion: number): boolean {
    return resourceVersion >= this.oldestWatchable;
  }

  /** Forgets the watch history: every resourceVersion given out so far is now too old (410 on watch). */
  compact(): void {
    this.history.length = 0;
    this.oldestWatchable = this.revision;
  }

  /** Changes after `resourceVersion` still in the history, oldest first. */
  changesSince(resourceVersion: number): StoreChange[] {
    return this.history.filter(
      change => change.resourceVersion > resourceVersion,
    );
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(
    resource: ResourceTypeDouble,
    namespace: string | undefined,
    name: string,
  ) {
    const entry = this.entries.get(key(resource, namespace, name));
    return entry ? cloneJson(entry.object) : undefined;
  }

  /** Objects of a type, in one namespace or all, ordered by namespace and name as etcd keys are. */
  list(
    resource: ResourceTypeDouble,
    namespace?: string,
  ): KubernetesObjectDouble[] {
    const prefix = `${resource.plural}.${resource.group}/${
      namespace && resource.namespaced ? `${namespace}/` : ''
    }`;
    return [...this.entries.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, entry]) => cloneJson(entry.object));
  }

  private requireNamespace(
    resource: ResourceTypeDouble,
    namespace: string | undefined,
  ) {
    if (!resource.namespaced) return;
    const namespaces = resourceTypes.namespace;
    if (
      !namespace ||
      !this.entries.has(key(namespaces, undefined, namespace))
    ) {
      throw statusErrors.notFound(namespaces, namespace ?? '');
    }
  }

  private commit(
    resource: ResourceTypeDouble,
    type: StoreChange['type'],
    object: KubernetesObjectDouble,
    ownerships: FieldOwnership[],
    previous: KubernetesObjectDouble | undefined,
    dryRun: boolean | undefined,
  ): KubernetesObjectDouble {
    const stored = cloneJson(object);
    if (type !== 'DELETED')
      stored.metadata.managedFields = renderManagedFields(ownerships);
    if (dryRun) return stored;
    this.revision += 1;
    stored.metadata.resourceVersion = String(this.revision);
    const k = key(resource, stored.metadata.namespace, stored.metadata.name);
    if (type === 'DELETED') this.entries.delete(k);
    else this.entries.set(k, { object: stored, ownerships });
    const change: StoreChange = {
      type,
      resource,
      object: cloneJson(stored),
      ...(previous ? { previous: cloneJson(previous) } : {}),
      resourceVersion: this.revision,
    };
    this.history.push(change);
    const limit = this.options.historyLimit ?? 1000;
    if (this.history.length > limit) {
      const dropped = this.history.splice(0, this.history.length - limit);
      this.oldestWatchable = dropped[dropped.length - 1].resourceVersion;
    }
    for (const listener of [...this.listeners]) listener(change);
    return cloneJson(stored);
  }

  /** Creates an object (POST). `namespace` is the one in the URL. */
  create(
    resource: ResourceTypeDouble,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions,
  ): KubernetesObjectDouble {
    const json = toJson(body);
    if (
      isJsonObject(json) &&
      isJsonObject(json.metadata) &&
      !json.metadata.name
    ) {
      const generateName = json.metadata.generateName;
      if (typeof generateName === 'string' && generateName !== '') {
        json.metadata.name = `${generateName}${randomBytes(4)
          .toString('hex')
          .slice(0, 5)}`;
      }
    }
    const object = checkBody(resource, namespace, json, undefined);
    this.requireNamespace(resource, namespace);
    if (this.entries.has(key(resource, namespace, object.metadata.name))) {
      throw statusErrors.alreadyExists(resource, object.metadata.name);
    }
    const created = this.initialize(resource, object);
    validateObject(resource, created);
    const ownerships = recordUpdate({
      ownerships: [],
      manager: options.manager,
      apiVersion: apiVersionOf(resource),
      time: this.timestamp(),
      before: undefined,
      after: toJson(created),
    });
    return this.commit(
      resource,
      'ADDED',
      created,
      ownerships,
      undefined,
      options.dryRun,
    );
  }

  private initialize(
    resource: ResourceTypeDouble,
    object: KubernetesObjectDouble,
  ) {
    const created = cloneJson(object);
    for (const field of SERVER_METADATA) delete created.metadata[field];
    created.metadata.uid = randomUUID();
    created.metadata.creationTimestamp = this.timestamp();
    if (resource.custom) created.metadata.generation = 1;
    return created;
  }

  private existing(
    resource: ResourceTypeDouble,
    namespace: string | undefined,
    name: string,
  ): Entry {
    const entry = this.entries.get(key(resource, namespace, name));
    if (!entry) throw statusErrors.notFound(resource, name);
    return entry;
  }

  /** Stores `next` as the new state of an existing object; no event when nothing changed. */
  private replace(
    resource: ResourceTypeDouble,
    entry: Entry,
    next: KubernetesObjectDouble,
    ownerships: FieldOwnership[],
    options: WriteOptions,
  ): KubernetesObjectDouble {
    const current = entry.object;
    const updated = cloneJson(next);
    updated.metadata.uid = current.metadata.uid;
    updated.metadata.creationTimestamp = current.metadata.creationTimestamp;
    updated.metadata.generation = current.metadata.generation;
    if (updated.metadata.generation === undefined)
      delete updated.metadata.generation;
    updated.metadata.resourceVersion = current.metadata.resourceVersion;
    validateObject(resource, updated);
    if (
      jsonEqual(
        withoutServerFields(toJson(updated)),
        withoutServerFields(toJson(current)),
      )
    ) {
      return cloneJson(current);
    }
    const { metadata: _before, ...specBefore } = current;
    const { metadata: _after, ...specAfter } = updated;
    if (resource.custom && !jsonEqual(specBefore, specAfter)) {
      updated.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
    return this.commit(
      resource,
      'MODIFIED',
      updated,
      ownerships,
      current,
      options.dryRun,
    );
  }

  private preconditions(
    resource: ResourceTypeDouble,
    entry: Entry,
    resourceVersion: unknown,
  ) {
    if (
      resourceVersion !== undefined &&
      resourceVersion !== entry.object.metadata.resourceVersion
    ) {
      throw statusErrors.conflict(resource, entry.object.metadata.name);
    }
  }

  /** Replaces an object (PUT). Custom resources need `metadata.resourceVersion`; a stale one is a 409. */
  update(
    resource: ResourceTypeDouble,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions,
  ): KubernetesObjectDouble {
    const object = checkBody(resource, namespace, toJson(body), name);
    const entry = this.existing(resource, namespace, name);
    if (resource.custom && !object.metadata.resourceVersion) {
      throw statusErrors.invalid(resource, name, [
        {
          field: 'metadata.resourceVersion',
          message: 'Invalid value: 0x0: must be specified for an update',
        },
      ]);
    }
    this.preconditions(resource, entry, object.metadata.resourceVersion);
    return this.writeUpdate(resource, entry, object, options);
  }

  private writeUpdate(
    resource: ResourceTypeDouble,
    entry: Entry,
    next: KubernetesObjectDouble,
    options: WriteOptions,
  ) {
    const ownerships = recordUpdate({
      ownerships: entry.ownerships,
      manager: options.manager,
      apiVersion: apiVersionOf(resource),
      time: this.timestamp(),
      before: toJson(entry.object),
      after: toJson(next),
    });
    return this.replace(resource, entry, next, ownerships, options);
  }

  /** Merge or JSON patch (PATCH). A `metadata.resourceVersion` in the result acts as a precondition. */
  patch(
    resource: ResourceTypeDouble,
    namespace: string | undefined,
    name: string,
    kind: 'merge' | 'json',
    patch: unknown,
    options: WriteOptions,
  ): KubernetesObjectDouble {
    const entry = this.existing(resource, namespace, name);
    let patched: Json;
    try {
      patched =
        kind === 'merge'
          ? applyMergePatch(entry.object, patch)
          : applyJsonPatch(entry.object, patch);
    } catch (error) {
      if (error instanceof JsonPatchError) {
        throw statusErrors.invalid(resource, name, [
          { field: 'patch', message: error.message },
        ]);
      }
      throw error;
    }
    const object = checkBody(resource, namespace, patched, name);
    this.preconditions(resource, entry, object.metadata.resourceVersion);
    return this.writeUpdate(resource, entry, object, options);
  }

  /** Server-side apply (PATCH `application/apply-patch+yaml`); creates the object when it does not exist. */
  apply(
    resource: ResourceTypeDouble,
    namespace: string | undefined,
    name: string,
    applied: unknown,
    options: WriteOptions & { force: boolean },
  ): KubernetesObjectDouble {
    const configuration = checkBody(resource, namespace, toJson(applied), name);
    const entry = this.entries.get(key(resource, namespace, name));
    if (!entry) this.requireNamespace(resource, namespace);
    else
      this.preconditions(
        resource,
        entry,
        configuration.metadata.resourceVersion,
      );
    let result: ReturnType<typeof applyConfiguration>;
    try {
      result = applyConfiguration({
        ownerships: entry?.ownerships ?? [],
        manager: options.manager,
        apiVersion: apiVersionOf(resource),
        time: this.timestamp(),
        force: options.force,
        current: entry ? toJson(entry.object) : undefined,
        applied: toJson(configuration),
      });
    } catch (error) {
      if (error instanceof FieldConflictError) {
        throw statusErrors.applyConflict(resource, name, error.conflicts);
      }
      throw error;
    }
    const object = asObject(
      {
        ...result.object,
        metadata: {
          ...(isJsonObject(result.object.metadata)
            ? result.object.metadata
            : {}),
          name,
          ...(resource.namespaced ? { namespace: namespace ?? null } : {}),
        },
      },
      resource,
    );
    if (!entry) {
      const created = this.initialize(resource, object);
      validateObject(resource, created);
      return this.commit(
        resource,
        'ADDED',
        created,
        result.ownerships,
        undefined,
        options.dryRun,
      );
    }
    return this.replace(resource, entry, object, result.ownerships, options);
  }

  /** Deletes an object (and, for a Namespace, everything in it). */
  delete(
    resource: ResourceTypeDouble,
    namespace: string | undefined,
    name: string,
    options: WriteOptions & { resourceVersion?: string; uid?: string },
  ): KubernetesObjectDouble {
    const entry = this.existing(resource, namespace, name);
    this.preconditions(resource, entry, options.resourceVersion);
    if (
      options.uid !== undefined &&
      options.uid !== entry.object.metadata.uid
    ) {
      throw statusErrors.conflict(resource, name);
    }
    if (resource.kind === 'Namespace' && !options.dryRun) {
      for (const type of RESOURCE_TYPES.filter(t => t.namespaced)) {
        for (const object of this.list(type, name)) {
          this.delete(type, name, object.metadata.name, {
            manager: options.manager,
          });
        }
      }
    }
    return this.commit(
      resource,
      'DELETED',
      entry.object,
      [],
      undefined,
      options.dryRun,
    );
  }

  /**
   * For tests and fixtures: creates or replaces an object from its `apiVersion`/`kind`, without preconditions
   * (creating its namespace when missing). Returns the stored object.
   */
  put(object: unknown, manager = 'test-fixture'): KubernetesObjectDouble {
    const json = toJson(object);
    const resource = isJsonObject(json)
      ? resourceTypeByKind(String(json.apiVersion), String(json.kind))
      : undefined;
    if (!resource) throw new Error('the double does not serve this object');
    const candidate = asObject(json, resource);
    const { name } = candidate.metadata;
    const namespace = resource.namespaced
      ? candidate.metadata.namespace ?? 'default'
      : undefined;
    if (namespace && !this.get(resourceTypes.namespace, undefined, namespace)) {
      this.put(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
        manager,
      );
    }
    const current = this.get(resource, namespace, name);
    const body = {
      ...candidate,
      metadata: {
        ...candidate.metadata,
        namespace,
        resourceVersion: current?.metadata.resourceVersion,
      },
    };
    return current
      ? this.update(resource, namespace, name, body, { manager })
      : this.create(resource, namespace, body, { manager });
  }

  /**
   * For in-process controllers (the Argo CD simulator) and tests: changes an object with `mutate`, as an Update
   * by `manager`. Returns the stored object, or undefined when it does not exist.
   */
  modify(
    resource: ResourceTypeDouble,
    namespace: string | undefined,
    name: string,
    manager: string,
    mutate: (object: KubernetesObjectDouble) => void,
  ): KubernetesObjectDouble | undefined {
    const entry = this.entries.get(key(resource, namespace, name));
    if (!entry) return undefined;
    const next = cloneJson(entry.object);
    mutate(next);
    return this.writeUpdate(resource, entry, next, { manager });
  }
}
