import { Request, RequestHandler, Response } from 'express';
import { InputError } from '@backstage/errors';
import {
  JsonDepthScanner,
  MAX_JSON_DEPTH,
  parseBoundedJson,
} from '../json/boundedJson';
import { HttpLimitError } from './HttpLimitError';
import { ConcurrencyLimit } from './ConcurrencyLimit';

/** The largest JSON body of an ordinary route (freight choices, approvals, promotions). */
export const JSON_BODY_LIMIT = 32 * 1024;
/**
 * The largest body of a route that takes manifests: their text may be 1 MiB (`MAX_MANIFEST_TEXT_LENGTH`), and
 * JSON escapes make it longer.
 */
export const MANIFESTS_BODY_LIMIT = 2 * 1024 * 1024;
/**
 * How long a body may take to arrive, in milliseconds: a body that trickles in would hold one of the few turns
 * (see `ConcurrencyLimit`) for as long as its sender likes.
 */
export const BODY_TIMEOUT_MS = 15_000;

/** Options of {@link readJsonBodies}. */
export interface JsonBodyOptions {
  /** Limit of ordinary bodies, in bytes; {@link JSON_BODY_LIMIT} by default. */
  bodyLimit?: number;
  /** Limit of bodies that hold manifests, in bytes; {@link MANIFESTS_BODY_LIMIT} by default. */
  manifestsLimit?: number;
  /** Deepest nesting of a body; {@link MAX_JSON_DEPTH} by default. */
  maxDepth?: number;
  /** How long a body may take to arrive; {@link BODY_TIMEOUT_MS} by default. */
  timeoutMs?: number;
  /** Requests with a body that may be read and handled at once, and how many may wait for their turn. */
  concurrency: ConcurrencyLimit;
}

/** The part of an OpenAPI document this reads. */
interface SpecLike {
  paths: Record<string, Partial<Record<string, unknown>>>;
}

interface BodyRoute {
  method: string;
  path: RegExp;
  required: boolean;
  limit: number;
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The operations that take a JSON body, each with its limit: manifests routes take more. */
function bodyRoutesOf(
  spec: SpecLike,
  limits: { body: number; manifests: number },
): BodyRoute[] {
  const routes: BodyRoute[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const path = new RegExp(
      `^${template
        .split(/\{[^}]+\}/)
        .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]+')}/?$`,
    );
    for (const [method, operation] of Object.entries(item)) {
      const requestBody = objectOf(objectOf(operation)?.requestBody);
      const json = objectOf(
        objectOf(requestBody?.content)?.['application/json'],
      );
      if (!json) continue;
      const ref = objectOf(json.schema)?.$ref;
      routes.push({
        method: method.toUpperCase(),
        path,
        required: requestBody?.required === true,
        limit:
          ref === '#/components/schemas/ManifestsInput'
            ? limits.manifests
            : limits.body,
      });
    }
  }
  return routes;
}

const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined ||
  Number(req.headers['content-length'] ?? 0) > 0;

const tooLarge = (limit: number) =>
  new HttpLimitError(
    413,
    `body: larger than the ${limit} bytes this route accepts`,
  );

/** Reads a body up to `limit` bytes, checking its nesting as it arrives; stops keeping it at the first problem. */
function readBody(
  req: Request,
  res: Response,
  limits: { bytes: number; depth: number; timeoutMs: number },
): Promise<Buffer> {
  const { bytes: limit, depth: maxDepth, timeoutMs } = limits;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const scanner = new JsonDepthScanner(maxDepth);
    let size = 0;
    let done = false;
    const timeout: { timer?: NodeJS.Timeout } = {};
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timeout.timer);
      if (!error) {
        resolve(Buffer.concat(chunks));
        return;
      }
      chunks.length = 0;
      // The rest of the body is never read: the request stays paused, and the connection is closed once the
      // answer is sent (Node closes a `Connection: close` response's socket when it finishes).
      res.setHeader('Connection', 'close');
      req.pause();
      reject(error);
    };
    timeout.timer = setTimeout(
      () =>
        finish(
          new HttpLimitError(408, `body: not received within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        finish(tooLarge(limit));
        return;
      }
      try {
        scanner.write(chunk);
      } catch (error) {
        finish(error as Error);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish());
    req.on('error', error => finish(error));
    req.on('close', () => {
      if (!req.complete)
        finish(new InputError('body: the request was aborted'));
    });
  });
}

/**
 * Reads the JSON body of the routes that take one, in place of `express.json()`, with limits an anonymous or
 * signed-in caller cannot get around: a size per route (small for ordinary routes, larger only where manifests are
 * posted), a nesting depth checked on the bytes before `JSON.parse` builds anything, and a bound on how many such
 * requests are read and handled at once (the others wait unread, or get a 503 when too many wait). A request
 * without a body, or with another content type, is told what the route takes.
 */
export function readJsonBodies(
  spec: SpecLike,
  options: JsonBodyOptions,
): RequestHandler {
  const routes = bodyRoutesOf(spec, {
    body: options.bodyLimit ?? JSON_BODY_LIMIT,
    manifests: options.manifestsLimit ?? MANIFESTS_BODY_LIMIT,
  });
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  return async (req, res, next) => {
    const route = routes.find(
      r => r.method === req.method && r.path.test(req.path),
    );
    if (!route) {
      next();
      return;
    }
    const what = `${req.method} ${req.path}`;
    if (!hasBody(req)) {
      if (route.required) {
        throw new InputError(
          `${what} takes a JSON body (Content-Type: application/json); the request has none`,
        );
      }
      next();
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
    if (!/^application\/([\w.+-]+\+)?json$/i.test(type)) {
      throw new HttpLimitError(
        415,
        `${what} takes a JSON body: Content-Type must be application/json, got ${
          type ? `"${type}"` : 'none'
        }`,
      );
    }
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding !== 'identity') {
      throw new HttpLimitError(
        415,
        `${what}: Content-Encoding "${encoding}" is not accepted; send the body as is`,
      );
    }
    if (Number(req.headers['content-length'] ?? 0) > route.limit) {
      res.setHeader('Connection', 'close');
      throw tooLarge(route.limit);
    }
    const release = await options.concurrency.acquire();
    res.once('close', release);
    if (res.destroyed || req.socket.destroyed) {
      // The caller left while waiting for its turn.
      release();
      return;
    }
    const bytes = await readBody(req, res, {
      bytes: route.limit,
      depth: maxDepth,
      timeoutMs: options.timeoutMs ?? BODY_TIMEOUT_MS,
    });
    req.body = parseBoundedJson(bytes, 'body', maxDepth);
    next();
  };
}
