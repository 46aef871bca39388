/*
 * TEST DOUBLE SUPPORT for the Kubernetes API double: the validation kube-apiserver runs before storing an object
 * of the served types, answered as 422 Invalid with one cause per field: names (DNS-1123), label keys and values,
 * annotation values, Secret data (base64; `stringData` folds into `data`), and the fields the Argo CD CRDs'
 * schemas require (Application: `spec.project`, `spec.destination`; ApplicationSet: `spec.template`).
 */
import { isJsonObject } from './kubernetesPatch';
import {
  KubernetesObjectDouble,
  ResourceTypeDouble,
  statusErrors,
} from './kubernetesResources';

const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Cause = { field: string; message: string; reason?: string };

function validKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return LABEL_NAME.test(key);
  const prefix = key.slice(0, slash);
  return (
    prefix.length <= 253 &&
    DNS_SUBDOMAIN.test(prefix) &&
    LABEL_NAME.test(key.slice(slash + 1))
  );
}

function checkStringMap(
  value: unknown,
  field: string,
  checkValue: boolean,
  causes: Cause[],
) {
  if (value === undefined) return;
  if (!isJsonObject(value)) {
    causes.push({
      field,
      message: 'Invalid value: must be an object of strings',
    });
    return;
  }
  for (const [key, entry] of Object.entries(value)) {
    if (!validKey(key))
      causes.push({
        field,
        message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
      });
    if (typeof entry !== 'string')
      causes.push({
        field: `${field}.${key}`,
        message: 'Invalid value: must be a string',
      });
    else if (checkValue && !LABEL_VALUE.test(entry)) {
      causes.push({
        field: `${field}`,
        message: `Invalid value: "${entry}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      });
    }
  }
}

function requireObject(
  object: KubernetesObjectDouble,
  path: string[],
  causes: Cause[],
  kind: 'object' | 'string',
) {
  let current: unknown = object;
  for (const key of path)
    current = isJsonObject(current) ? current[key] : undefined;
  const ok =
    kind === 'object'
      ? isJsonObject(current)
      : typeof current === 'string' && current !== '';
  if (!ok)
    causes.push({
      field: path.join('.'),
      message: 'Required value',
      reason: 'FieldValueRequired',
    });
}

/** Throws a 422 `KubernetesStatusError` when `object` is invalid; folds Secret `stringData` into `data`. */
export function validateObject(
  resource: ResourceTypeDouble,
  object: KubernetesObjectDouble,
): void {
  const causes: Cause[] = [];
  const { name } = object.metadata;
  const namePattern = resource.kind === 'Namespace' ? DNS_LABEL : DNS_SUBDOMAIN;
  if (
    !namePattern.test(name) ||
    name.length > (resource.kind === 'Namespace' ? 63 : 253)
  ) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 ${
        resource.kind === 'Namespace' ? 'label' : 'subdomain'
      } must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  }
  checkStringMap(object.metadata.labels, 'metadata.labels', true, causes);
  checkStringMap(
    object.metadata.annotations,
    'metadata.annotations',
    false,
    causes,
  );
  if (resource.kind === 'Secret') {
    if (object.stringData !== undefined) {
      checkStringMap(object.stringData, 'stringData', false, causes);
      const data = isJsonObject(object.data) ? object.data : {};
      if (isJsonObject(object.stringData)) {
        for (const [key, value] of Object.entries(object.stringData)) {
          if (typeof value === 'string')
            data[key] = Buffer.from(value, 'utf8').toString('base64');
        }
      }
      object.data = data;
      delete object.stringData;
    }
    if (object.data !== undefined) {
      if (!isJsonObject(object.data))
        causes.push({
          field: 'data',
          message: 'Invalid value: must be an object',
        });
      else {
        for (const [key, value] of Object.entries(object.data)) {
          if (typeof value !== 'string' || !BASE64.test(value)) {
            causes.push({
              field: `data[${key}]`,
              message: 'Invalid value: illegal base64 data',
            });
          }
        }
      }
    }
    if (object.type === undefined) object.type = 'Opaque';
  }
  if (resource.kind === 'Application') {
    requireObject(object, ['spec'], causes, 'object');
    requireObject(object, ['spec', 'project'], causes, 'string');
    requireObject(object, ['spec', 'destination'], causes, 'object');
  }
  if (resource.kind === 'ApplicationSet') {
    requireObject(object, ['spec'], causes, 'object');
    requireObject(object, ['spec', 'template'], causes, 'object');
  }
  if (causes.length > 0) throw statusErrors.invalid(resource, name, causes);
}
