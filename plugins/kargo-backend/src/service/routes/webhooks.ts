import express from 'express';
import Router from 'express-promise-router';
import { AuthorizedWarehouseViewService } from '../../services';
import { KargoApiRouter, RouteContext } from './types';
import { ConcurrencyLimit } from '../ConcurrencyLimit';

/** A project's webhook receivers and the path each is reached at. */
export function registerWebhookRoutes(
  router: KargoApiRouter,
  { services, callerOf }: RouteContext,
): void {
  router.get('/projects/:project/webhooks', async (req, res) => {
    const items = await services.warehouses.listWebhookReceivers(
      req.params.project,
      await callerOf(req),
    );
    res.json({ items });
  });
}

/**
 * Webhook deliveries. They come from Git hosts and registries, not users: their URL and signature authenticate
 * them, and the signature is computed over the raw body. So this route reads the body itself, as bytes, and is
 * mounted before the OpenAPI router, whose JSON parser would consume it.
 */
export function createWebhookDeliveryRouter(
  warehouses: AuthorizedWarehouseViewService,
  concurrency: ConcurrencyLimit,
): express.Router {
  const router = Router();
  router.post(
    '/webhooks/:id',
    // Deliveries are read by turns with the API's other bodies, so that a flood of them cannot hold many at once.
    async (_req, res) => {
      res.once('close', await concurrency.acquire());
      return 'next';
    },
    express.raw({ type: () => true, limit: '5mb' }),
    async (req, res) => {
      const outcome = await warehouses.deliverWebhook({
        id: req.params.id,
        headers: req.headers,
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      });
      res.status(outcome.status).json({ message: outcome.message });
    },
  );
  return router;
}
