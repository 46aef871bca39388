import { RequestHandler } from 'express';
import { InputError } from '@backstage/errors';

/** The part of an OpenAPI document this reads: paths, their request bodies and component schemas. */
interface SpecLike {
  paths: Record<string, Partial<Record<string, unknown>>>;
  components?: { schemas?: Record<string, unknown> };
}

interface ClosedBody {
  method: string;
  path: RegExp;
  fields: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/** The JSON schema of an operation's body, its `$ref` to a component resolved. */
function bodySchemaOf(spec: SpecLike, operation: unknown) {
  const content = objectOf(objectOf(objectOf(operation)?.requestBody)?.content);
  const schema = objectOf(objectOf(content?.['application/json'])?.schema);
  const ref = schema?.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/components/schemas/', '');
    return objectOf(spec.components?.schemas?.[name]);
  }
  return schema;
}

/** The operations whose JSON body is an object with `additionalProperties: false`, and the fields it takes. */
function closedBodiesOf(spec: SpecLike): ClosedBody[] {
  const closed: ClosedBody[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const path = new RegExp(
      `^${template
        .split(/\{[^}]+\}/)
        .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]+')}/?$`,
    );
    for (const [method, operation] of Object.entries(item)) {
      const schema = bodySchemaOf(spec, operation);
      const properties = objectOf(schema?.properties);
      if (schema?.additionalProperties === false && properties) {
        closed.push({
          method: method.toUpperCase(),
          path,
          fields: Object.keys(properties),
        });
      }
    }
  }
  return closed;
}

/**
 * Rejects a JSON body field the spec does not declare, naming it and the fields the body takes. The OpenAPI
 * validator refuses such bodies too, but its message does not say which field is unknown. Which bodies are
 * closed, and to which fields, is read from the spec (`additionalProperties: false`).
 */
export function rejectUnknownBodyFields(spec: SpecLike): RequestHandler {
  const closed = closedBodiesOf(spec);
  return (req, _res, next) => {
    const body = objectOf(req.body);
    const match =
      body &&
      closed.find(c => c.method === req.method && c.path.test(req.path));
    const extra =
      match && Object.keys(body).find(k => !match.fields.includes(k));
    if (match && extra) {
      throw new InputError(
        `${extra}: unknown field; the body takes ${match.fields.join(', ')}`,
      );
    }
    next();
  };
}
