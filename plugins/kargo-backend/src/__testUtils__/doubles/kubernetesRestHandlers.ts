/*
 * TEST DOUBLE SUPPORT for the Kubernetes API double: the REST routes (everything but watch) on the object store.
 *   GET    /version, /api, /api/v1, /apis, /apis/argoproj.io/v1alpha1        version and discovery
 *   GET    <collection>?labelSelector&fieldSelector                         list (`<Kind>List`)
 *   POST   <collection>?fieldManager&dryRun                                 create, 201
 *   GET    <item>                                                           get
 *   PUT    <item>?fieldManager                                              update (409 on a stale resourceVersion)
 *   PATCH  <item>?fieldManager&force    merge-patch+json | json-patch+json | apply-patch+yaml (SSA)
 *   DELETE <item>                       with optional `preconditions` body, answers the deleted object
 * where <collection> is `/api/v1/namespaces`, `/api/v1/[namespaces/{ns}/]secrets` or
 * `/apis/argoproj.io/v1alpha1/[namespaces/{ns}/]applications|applicationsets` and <item> adds `/{name}`.
 */
import { parse as parseYaml } from 'yaml';
import {
  parseLabelSelector,
  matchesLabelSelector,
  LabelSelector,
} from './kubernetesLabelSelector';
import { KubernetesObjectStore } from './kubernetesObjectStore';
import { isJsonObject } from './kubernetesPatch';
import {
  apiVersionOf,
  KubernetesObjectDouble,
  RESOURCE_TYPES,
  ResourceTypeDouble,
  resourceTypeByPath,
  statusErrors,
} from './kubernetesResources';

/** A decoded request. */
export interface KubernetesRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string;
  userAgent: string;
  /** The raw body text. */
  body: string;
}

/** Where a path points: a collection (no name) or an item. */
export interface ResourceRoute {
  resource: ResourceTypeDouble;
  namespace?: string;
  name?: string;
}

/** Parses a resource path; undefined for anything else (discovery, unknown paths). */
export function parseResourcePath(path: string): ResourceRoute | undefined {
  const segments = path
    .split('/')
    .filter(s => s !== '')
    .map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1];
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  const version = segments[0] === 'api' ? segments[1] : segments[2];
  const find = (plural: string) => resourceTypeByPath(group, version, plural);
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const resource = find(rest[2]);
    if (!resource?.namespaced || rest.length > 4) return undefined;
    return { resource, namespace: rest[1], name: rest[3] };
  }
  const resource = find(rest[0]);
  if (
    !resource ||
    rest.length > 2 ||
    (resource.namespaced && rest.length === 2)
  )
    return undefined;
  return { resource, name: rest[1] };
}

/** An object filter from `labelSelector` and `fieldSelector` (metadata.name / metadata.namespace). */
export function objectFilter(
  query: URLSearchParams,
): (object: KubernetesObjectDouble) => boolean {
  let labels: LabelSelector;
  try {
    labels = parseLabelSelector(query.get('labelSelector') ?? '');
  } catch (error) {
    throw statusErrors.badRequest(
      error instanceof Error ? error.message : String(error),
    );
  }
  const fields = (query.get('fieldSelector') ?? '')
    .split(',')
    .filter(term => term.trim() !== '')
    .map(term => {
      const match = /^\s*([^!=\s]+)\s*(==|=|!=)\s*([^\s]*)\s*$/.exec(term);
      if (
        !match ||
        !['metadata.name', 'metadata.namespace'].includes(match[1])
      ) {
        throw statusErrors.badRequest(
          `field label not supported: ${match?.[1] ?? term}`,
        );
      }
      return { field: match[1], negate: match[2] === '!=', value: match[3] };
    });
  return object =>
    matchesLabelSelector(labels, object.metadata.labels) &&
    fields.every(({ field, negate, value }) => {
      const actual =
        field === 'metadata.name'
          ? object.metadata.name
          : object.metadata.namespace ?? '';
      return (actual === value) !== negate;
    });
}

function parseBody(request: KubernetesRequest): unknown {
  if (request.body.trim() === '')
    throw statusErrors.badRequest('the request body is empty');
  try {
    return request.contentType === 'application/apply-patch+yaml'
      ? parseYaml(request.body)
      : JSON.parse(request.body);
  } catch (error) {
    throw statusErrors.badRequest(
      `error decoding ${request.contentType || 'body'}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

/** `fieldManager`, defaulted as kube-apiserver does from the User-Agent's program name. */
function fieldManager(request: KubernetesRequest): string {
  const given = request.query.get('fieldManager');
  if (given !== null) {
    if (given.length > 128)
      throw statusErrors.invalidRequest(
        'fieldManager: Too long: must have at most 128 bytes',
      );
    return given;
  }
  return request.userAgent.split('/')[0] || 'unknown';
}

function listOf(
  route: ResourceRoute,
  store: KubernetesObjectStore,
  query: URLSearchParams,
) {
  const filter = objectFilter(query);
  const { resource } = route;
  const items = store.list(resource, route.namespace).filter(filter);
  return {
    kind: `${resource.kind}List`,
    apiVersion: apiVersionOf(resource),
    metadata: { resourceVersion: store.resourceVersion },
    // Typed core lists leave kind and apiVersion out of their items; custom resource lists keep them.
    items: resource.custom
      ? items
      : items.map(({ apiVersion: _v, kind: _k, ...item }) => item),
  };
}

/** Answers discovery and version paths; undefined when `path` is none of them. */
export function discovery(path: string): unknown {
  const trimmed = path.replace(/\/+$/, '');
  const resources = (group: string, version: string) => ({
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: RESOURCE_TYPES.filter(
      t => t.group === group && t.version === version,
    ).map(t => ({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
    })),
  });
  switch (trimmed) {
    case '/version':
      return {
        major: '1',
        minor: '31',
        gitVersion: 'v1.31.0-double',
        platform: 'linux/amd64',
      };
    case '/api':
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [],
      };
    case '/api/v1':
      return resources('', 'v1');
    case '/apis':
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [
          {
            name: 'argoproj.io',
            versions: [
              { groupVersion: 'argoproj.io/v1alpha1', version: 'v1alpha1' },
            ],
            preferredVersion: {
              groupVersion: 'argoproj.io/v1alpha1',
              version: 'v1alpha1',
            },
          },
        ],
      };
    case '/apis/argoproj.io/v1alpha1':
      return resources('argoproj.io', 'v1alpha1');
    default:
      return undefined;
  }
}

/** Answers a non-watch request on a resource path: `[status, body]`; throws `KubernetesStatusError`. */
export function handleResourceRequest(
  store: KubernetesObjectStore,
  route: ResourceRoute,
  request: KubernetesRequest,
): [number, unknown] {
  const { resource, namespace, name } = route;
  const dryRun = request.query.get('dryRun') === 'All';
  const force = request.query.get('force');
  if (
    force !== null &&
    !(
      request.method === 'PATCH' &&
      request.contentType === 'application/apply-patch+yaml'
    )
  ) {
    throw statusErrors.invalidRequest(
      'force: Forbidden: may not be specified for non-apply patch',
    );
  }
  if (name === undefined) {
    if (request.method === 'GET')
      return [200, listOf(route, store, request.query)];
    if (request.method === 'POST') {
      if (resource.namespaced && namespace === undefined)
        throw statusErrors.methodNotAllowed('POST');
      return [
        201,
        store.create(resource, namespace, parseBody(request), {
          manager: fieldManager(request),
          dryRun,
        }),
      ];
    }
    throw statusErrors.methodNotAllowed(request.method);
  }
  switch (request.method) {
    case 'GET': {
      const object = store.get(resource, namespace, name);
      if (!object) throw statusErrors.notFound(resource, name);
      return [200, object];
    }
    case 'PUT':
      return [
        200,
        store.update(resource, namespace, name, parseBody(request), {
          manager: fieldManager(request),
          dryRun,
        }),
      ];
    case 'PATCH': {
      const manager = fieldManager(request);
      switch (request.contentType) {
        case 'application/merge-patch+json':
          return [
            200,
            store.patch(
              resource,
              namespace,
              name,
              'merge',
              parseBody(request),
              { manager, dryRun },
            ),
          ];
        case 'application/strategic-merge-patch+json':
          // Custom resources refuse strategic merge patches; for the core types the double merges plainly.
          if (resource.custom)
            throw statusErrors.unsupportedMediaType(request.contentType);
          return [
            200,
            store.patch(
              resource,
              namespace,
              name,
              'merge',
              parseBody(request),
              { manager, dryRun },
            ),
          ];
        case 'application/json-patch+json':
          return [
            200,
            store.patch(resource, namespace, name, 'json', parseBody(request), {
              manager,
              dryRun,
            }),
          ];
        case 'application/apply-patch+yaml': {
          if (request.query.get('fieldManager') === null) {
            throw statusErrors.invalidRequest(
              'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
            );
          }
          const existed = store.get(resource, namespace, name) !== undefined;
          const applied = store.apply(
            resource,
            namespace,
            name,
            parseBody(request),
            {
              manager,
              dryRun,
              force: force === 'true' || force === '1',
            },
          );
          return [existed ? 200 : 201, applied];
        }
        default:
          throw statusErrors.unsupportedMediaType(request.contentType);
      }
    }
    case 'DELETE': {
      const options = request.body.trim() === '' ? {} : parseBody(request);
      const preconditions =
        isJsonObject(options) && isJsonObject(options.preconditions)
          ? options.preconditions
          : {};
      return [
        200,
        store.delete(resource, namespace, name, {
          manager: fieldManager(request),
          dryRun,
          resourceVersion:
            typeof preconditions.resourceVersion === 'string'
              ? preconditions.resourceVersion
              : undefined,
          uid:
            typeof preconditions.uid === 'string'
              ? preconditions.uid
              : undefined,
        }),
      ];
    }
    default:
      throw statusErrors.methodNotAllowed(request.method);
  }
}
