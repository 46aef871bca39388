import express from 'express';
import Router from 'express-promise-router';
import { HttpAuthService } from '@backstage/backend-plugin-api';
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
import { registerWarehouseRoutes } from './routes/warehouses';

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /** The services, with permissions checked (see `createKargoServices`). */
  services: AuthorizedKargoServices;
  httpAuth: HttpAuthService;
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

  const api = await createOpenApiRouter({
    middleware: [express.json({ limit: '2mb' }), rejectUnknownBodyFields(spec)],
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
  router.use(createWebhookDeliveryRouter(services.warehouses));
  router.use(api);
  return router;
}
