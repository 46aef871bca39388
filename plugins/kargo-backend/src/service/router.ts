import express from 'express';
import Router from 'express-promise-router';
import { HttpAuthService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { createOpenApiRouter, spec } from '../schema/openapi/generated';
import { AuthorizedKargoServices } from '../services';
import { registerDefinitionRoutes } from './routes/definitions';
import { registerFreightRoutes } from './routes/freight';
import { registerHealthRoutes } from './routes/health';
import { registerPipelineRoutes } from './routes/pipeline';
import { registerProjectRoutes } from './routes/projects';
import { registerPromotionRoutes } from './routes/promotions';
import { registerStageRoutes } from './routes/stages';
import { RouteContext } from './routes/types';
import {
  createWebhookDeliveryRouter,
  registerWebhookRoutes,
} from './routes/webhooks';
import { rejectUnknownBodyFields } from './unknownBodyFields';
import { readJsonBodies } from './jsonBodies';
import { ConcurrencyLimit } from './ConcurrencyLimit';
import { registerWarehouseRoutes } from './routes/warehouses';

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /** The services, with permissions checked (see `createKargoServices`). */
  services: AuthorizedKargoServices;
  httpAuth: HttpAuthService;
  /**
   * How many requests with a body (and webhook deliveries) are read and handled at once, and how many may wait;
   * 8 and 64 by default.
   */
  concurrency?: ConcurrencyLimit;
  /** How long a request body may take to arrive, in milliseconds; 15 s by default. */
  bodyTimeoutMs?: number;
}

/**
 * The HTTP API under `/api/kargo`, on the router generated from `src/schema/openapi.yaml`: requests are validated
 * against the spec (400 naming the failing field) before a handler runs, and handlers are typed by it. Handlers
 * only translate HTTP to the services, which check permissions, apply the rules and audit every change.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { services, httpAuth } = options;
  const context: RouteContext = {
    services,
    callerOf: async req => ({
      credentials: await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      }),
      request: req,
    }),
  };

  const concurrency = options.concurrency ?? ConcurrencyLimit.create();
  // Bodies are read before the OpenAPI router: its error handler would turn a 413, 415 or 503 into a 400.
  const api = await createOpenApiRouter({
    middleware: [rejectUnknownBodyFields(spec)],
  });
  registerHealthRoutes(api);
  registerProjectRoutes(api, context);
  registerPipelineRoutes(api, context);
  registerFreightRoutes(api, context);
  registerStageRoutes(api, context);
  registerPromotionRoutes(api, context);
  registerWarehouseRoutes(api, context);
  registerWebhookRoutes(api, context);
  registerDefinitionRoutes(api, context);

  const router = Router();
  router.use(createWebhookDeliveryRouter(services.warehouses, concurrency));
  router.use(
    readJsonBodies(spec, { concurrency, timeoutMs: options.bodyTimeoutMs }),
  );
  router.use(api);
  router.use((req: express.Request) => {
    throw new NotFoundError(
      `No route ${req.method} ${req.path} in the Kargo API`,
    );
  });
  return router;
}
