/*
 * TEST DOUBLE SUPPORT for the Kubernetes API double (kubernetesApiServer.ts): the resource types it serves, the
 * object shape, and Kubernetes `Status` errors (the JSON body every failed request answers with).
 */

/** A Kubernetes object as stored and served: `apiVersion`, `kind`, `metadata` and any other fields. */
export interface KubernetesObjectDouble {
  apiVersion: string;
  kind: string;
  metadata: KubernetesMetadataDouble;
  [field: string]: unknown;
}

/** The metadata the double fills in and reads. */
export interface KubernetesMetadataDouble {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: ManagedFieldsEntryDouble[];
  [field: string]: unknown;
}

/** One `metadata.managedFields` entry, FieldsV1 format (`{"f:spec":{"f:project":{}}}`). */
export interface ManagedFieldsEntryDouble {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
}

/** A resource type the double serves. */
export interface ResourceTypeDouble {
  /** `''` for the core group. */
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  /** Custom resources need a resourceVersion on update and refuse strategic merge patches. */
  custom: boolean;
  shortNames?: string[];
}

/** Everything the double serves: Argo CD's CRDs, Namespaces and Secrets. */
export const RESOURCE_TYPES: readonly ResourceTypeDouble[] = [
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    custom: false,
    shortNames: ['ns'],
  },
  {
    group: '',
    version: 'v1',
    plural: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    namespaced: true,
    custom: false,
  },
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'applications',
    singular: 'application',
    kind: 'Application',
    namespaced: true,
    custom: true,
    shortNames: ['app', 'apps'],
  },
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'applicationsets',
    singular: 'applicationset',
    kind: 'ApplicationSet',
    namespaced: true,
    custom: true,
    shortNames: ['appset', 'appsets'],
  },
];

function typeOfKind(kind: string): ResourceTypeDouble {
  const type = RESOURCE_TYPES.find(t => t.kind === kind);
  if (!type) throw new Error(`no resource type ${kind}`);
  return type;
}

/** The served types by name, for tests and in-process controllers. */
export const resourceTypes = {
  namespace: typeOfKind('Namespace'),
  secret: typeOfKind('Secret'),
  application: typeOfKind('Application'),
  applicationSet: typeOfKind('ApplicationSet'),
};

/** `v1` or `argoproj.io/v1alpha1`. */
export function apiVersionOf(type: ResourceTypeDouble): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** `applications.argoproj.io` or `secrets`, as Kubernetes names a resource in messages. */
export function qualifiedResource(type: ResourceTypeDouble): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

export function resourceTypeByKind(
  apiVersion: string,
  kind: string,
): ResourceTypeDouble | undefined {
  return RESOURCE_TYPES.find(
    type => apiVersionOf(type) === apiVersion && type.kind === kind,
  );
}

export function resourceTypeByPath(
  group: string,
  version: string,
  plural: string,
): ResourceTypeDouble | undefined {
  return RESOURCE_TYPES.find(
    type =>
      type.group === group &&
      type.version === version &&
      type.plural === plural,
  );
}

/** A `metav1.StatusCause`. */
export interface StatusCauseDouble {
  reason: string;
  message: string;
  field?: string;
}

/** A `metav1.Status` body. */
export interface KubernetesStatusDouble {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: StatusCauseDouble[];
  };
  code: number;
}

/** An error the double answers as a `Status` with its HTTP code. */
export class KubernetesStatusError extends Error {
  constructor(readonly status: KubernetesStatusDouble) {
    super(status.message);
  }

  get code(): number {
    return this.status.code;
  }
}

/** A `Status` error with any code and reason (for injected failures). */
export function statusError(
  code: number,
  reason: string,
  message: string,
  details?: KubernetesStatusDouble['details'],
): KubernetesStatusError {
  return new KubernetesStatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

function detailsOf(type: ResourceTypeDouble, name: string) {
  return {
    name,
    ...(type.group ? { group: type.group } : {}),
    kind: type.plural,
  };
}

/** The errors the API server answers with, worded as kube-apiserver words them. */
export const statusErrors = {
  badRequest: (message: string) => statusError(400, 'BadRequest', message),
  unauthorized: () => statusError(401, 'Unauthorized', 'Unauthorized'),
  notFound: (type: ResourceTypeDouble, name: string) =>
    statusError(
      404,
      'NotFound',
      `${qualifiedResource(type)} "${name}" not found`,
      detailsOf(type, name),
    ),
  pathNotFound: () =>
    statusError(
      404,
      'NotFound',
      'the server could not find the requested resource',
    ),
  methodNotAllowed: (method: string) =>
    statusError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource (${method})`,
    ),
  alreadyExists: (type: ResourceTypeDouble, name: string) =>
    statusError(
      409,
      'AlreadyExists',
      `${qualifiedResource(type)} "${name}" already exists`,
      detailsOf(type, name),
    ),
  conflict: (type: ResourceTypeDouble, name: string) =>
    statusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(
        type,
      )} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      detailsOf(type, name),
    ),
  applyConflict: (
    type: ResourceTypeDouble,
    name: string,
    conflicts: { manager: string; apiVersion: string; field: string }[],
  ) =>
    statusError(
      409,
      'Conflict',
      `Apply failed with ${conflicts.length} conflict${
        conflicts.length === 1 ? '' : 's'
      }: ${conflicts
        .map(
          c => `conflict with "${c.manager}" using ${c.apiVersion}: ${c.field}`,
        )
        .join('\n')}`,
      {
        ...detailsOf(type, name),
        causes: conflicts.map(c => ({
          reason: 'FieldManagerConflict',
          message: `conflict with "${c.manager}" using ${c.apiVersion}`,
          field: c.field,
        })),
      },
    ),
  gone: (message: string) => statusError(410, 'Expired', message),
  invalidRequest: (message: string) => statusError(422, 'Invalid', message),
  unsupportedMediaType: (contentType: string) =>
    statusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${contentType})`,
    ),
  invalid: (
    type: ResourceTypeDouble,
    name: string,
    causes: { field: string; message: string; reason?: string }[],
  ) =>
    statusError(
      422,
      'Invalid',
      `${type.kind}${
        type.group ? `.${type.group}` : ''
      } "${name}" is invalid: ${causes
        .map(c => `${c.field}: ${c.message}`)
        .join(', ')}`,
      {
        ...detailsOf(type, name),
        kind: type.kind,
        causes: causes.map(c => ({
          reason: c.reason ?? 'FieldValueInvalid',
          message: c.message,
          field: c.field,
        })),
      },
    ),
  internal: (message: string) =>
    statusError(500, 'InternalError', `Internal error occurred: ${message}`),
  serviceUnavailable: (message: string) =>
    statusError(503, 'ServiceUnavailable', message),
};
