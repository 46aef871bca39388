import { KargoApiRouter, RouteContext, parseLimit } from './types';

/** Freight: lists (all, or what a stage may receive), single freight, and manual freight of a warehouse. */
export function registerFreightRoutes(
  router: KargoApiRouter,
  { services, callerOf }: RouteContext,
): void {
  router.get('/projects/:project/freight', async (req, res) => {
    const caller = await callerOf(req);
    const { origin, stage, cursor } = req.query;
    const page = await services.freight.listFreight(
      {
        project: req.params.project,
        stage,
        origins: origin
          ?.split(',')
          .map(o => o.trim())
          .filter(Boolean),
        limit: parseLimit(req.query.limit),
        cursor,
      },
      caller,
    );
    res.json(page);
  });

  router.get('/projects/:project/freight/:freight', async (req, res) => {
    res.json(
      await services.freight.getFreight(
        { project: req.params.project, freight: req.params.freight },
        await callerOf(req),
      ),
    );
  });

  router.post(
    '/projects/:project/warehouses/:warehouse/freight',
    async (req, res) => {
      const { freight, created } = await services.freight.createManualFreight(
        {
          project: req.params.project,
          warehouse: req.params.warehouse,
          selection: req.body,
        },
        await callerOf(req),
      );
      res.status(created ? 201 : 200).json(freight);
    },
  );
}
