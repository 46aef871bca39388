/*
 * TEST DOUBLE SUPPORT for the Kubernetes API double's object store: request bodies checked against the URL
 * (apiVersion/kind, name, namespace) as kube-apiserver checks them, and the store's keys.
 */
import { cloneJson, isJsonObject, Json } from './kubernetesPatch';
import {
  apiVersionOf,
  KubernetesObjectDouble,
  ResourceTypeDouble,
  resourceTypeByKind,
  statusErrors,
} from './kubernetesResources';

/** Metadata only the server sets. */
export const SERVER_METADATA = [
  'uid',
  'creationTimestamp',
  'generation',
  'resourceVersion',
  'managedFields',
];

export function key(
  resource: ResourceTypeDouble,
  namespace: string | undefined,
  name: string,
) {
  return `${resource.plural}.${resource.group}/${
    resource.namespaced ? namespace ?? '' : ''
  }/${name}`;
}

export function withoutServerFields(object: Json): Json {
  const copy = cloneJson(object);
  if (isJsonObject(copy) && isJsonObject(copy.metadata)) {
    for (const field of SERVER_METADATA) delete copy.metadata[field];
  }
  return copy;
}

export function asObject(
  value: Json,
  resource: ResourceTypeDouble,
): KubernetesObjectDouble {
  const metadata = isJsonObject(value) ? value.metadata : undefined;
  const name = isJsonObject(metadata) ? metadata.name : undefined;
  if (
    !isJsonObject(value) ||
    !isJsonObject(metadata) ||
    typeof name !== 'string' ||
    name === ''
  ) {
    throw statusErrors.badRequest('Object has no metadata.name');
  }
  const { namespace, ...otherMetadata } = metadata;
  return {
    ...value,
    apiVersion: apiVersionOf(resource),
    kind: resource.kind,
    metadata: {
      ...otherMetadata,
      name,
      ...(typeof namespace === 'string' ? { namespace } : {}),
    },
  };
}

/** Validates a request body against the URL and returns it as an object. */
export function checkBody(
  resource: ResourceTypeDouble,
  namespace: string | undefined,
  body: Json,
  name: string | undefined,
): KubernetesObjectDouble {
  if (
    isJsonObject(body) &&
    (body.apiVersion !== undefined || body.kind !== undefined)
  ) {
    const declared = resourceTypeByKind(
      String(body.apiVersion),
      String(body.kind),
    );
    if (declared !== resource) {
      throw statusErrors.badRequest(
        `the API version in the data (${String(
          body.apiVersion,
        )}) does not match the expected API version (${apiVersionOf(
          resource,
        )})`,
      );
    }
  }
  const object = asObject(body, resource);
  if (name !== undefined && object.metadata.name !== name) {
    throw statusErrors.badRequest(
      `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  if (resource.namespaced) {
    if (object.metadata.namespace === undefined)
      object.metadata.namespace = namespace;
    if (object.metadata.namespace !== namespace) {
      throw statusErrors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
  } else {
    delete object.metadata.namespace;
  }
  return object;
}
