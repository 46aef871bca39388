import express from 'express';
import { ApiRouter } from '@backstage/backend-openapi-utils';
import { InputError } from '@backstage/errors';
import { spec } from '../../schema/openapi/generated/router';
import { AuthorizedKargoServices, Caller } from '../../services';

/** The router generated from `src/schema/openapi.yaml`: paths, parameters, bodies and responses typed by the spec. */
export type KargoApiRouter = ApiRouter<typeof spec>;

/** What route handlers use: the services, with permissions checked, and who is calling. */
export interface RouteContext {
  services: AuthorizedKargoServices;
  /** The caller of a request: users and other backends. */
  callerOf(req: express.Request): Promise<Caller>;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** A page size from the query string: 1 to 200, 50 when absent. */
export function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InputError(
      `limit: must be a whole number from 1 to ${MAX_LIMIT}`,
    );
  }
  return limit;
}
