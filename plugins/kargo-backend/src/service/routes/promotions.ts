import { KargoApiRouter, RouteContext, parseLimit } from './types';

/** Promotions: request one into a stage, roll a stage back, resume its auto-promotion, list, read and abort. */
export function registerPromotionRoutes(
  router: KargoApiRouter,
  { services, callerOf }: RouteContext,
): void {
  router.post(
    '/projects/:project/stages/:stage/promotions',
    async (req, res) => {
      const promotion = await services.promotions.promote(
        {
          project: req.params.project,
          stage: req.params.stage,
          freight: req.body.freight,
        },
        await callerOf(req),
      );
      res.status(201).json(promotion);
    },
  );

  router.post(
    '/projects/:project/stages/:stage/rollbacks',
    async (req, res) => {
      const promotion = await services.promotions.rollback(
        {
          project: req.params.project,
          stage: req.params.stage,
          freight: req.body?.freight,
        },
        await callerOf(req),
      );
      res.status(201).json(promotion);
    },
  );

  router.post(
    '/projects/:project/stages/:stage/auto-promotion/resume',
    async (req, res) => {
      res.json(
        await services.promotions.resumeAutoPromotion(
          { project: req.params.project, stage: req.params.stage },
          await callerOf(req),
        ),
      );
    },
  );

  router.get('/projects/:project/promotions', async (req, res) => {
    const caller = await callerOf(req);
    const page = await services.promotions.listPromotions(
      {
        project: req.params.project,
        stage: req.query.stage,
        limit: parseLimit(req.query.limit),
        cursor: req.query.cursor,
      },
      caller,
    );
    res.json(page);
  });

  router.get('/projects/:project/promotions/:promotion', async (req, res) => {
    res.json(
      await services.promotions.getPromotion(
        { project: req.params.project, id: req.params.promotion },
        await callerOf(req),
      ),
    );
  });

  router.post(
    '/projects/:project/promotions/:promotion/abort',
    async (req, res) => {
      res.json(
        await services.promotions.abort(
          { project: req.params.project, id: req.params.promotion },
          await callerOf(req),
        ),
      );
    },
  );
}
