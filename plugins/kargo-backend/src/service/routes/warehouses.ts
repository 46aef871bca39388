import { KargoApiRouter, RouteContext } from './types';

/** Warehouses: their state and refresh requests (manual freight is with the freight routes). */
export function registerWarehouseRoutes(
  router: KargoApiRouter,
  { services, callerOf }: RouteContext,
): void {
  router.get('/projects/:project/warehouses', async (req, res) => {
    const items = await services.warehouses.listWarehouses(
      req.params.project,
      await callerOf(req),
    );
    res.json({ items });
  });

  router.post(
    '/projects/:project/warehouses/:warehouse/refresh',
    async (req, res) => {
      const status = await services.warehouses.refresh(
        { project: req.params.project, warehouse: req.params.warehouse },
        await callerOf(req),
      );
      res.status(202).json(status);
    },
  );
}
