import { KargoApiRouter, RouteContext, parseLimit } from './types';

/** Stages: approving freight for a stage, the freight a stage received, its health and its verification. */
export function registerStageRoutes(
  router: KargoApiRouter,
  { services, callerOf }: RouteContext,
): void {
  router.post(
    '/projects/:project/stages/:stage/approvals',
    async (req, res) => {
      const freight = await services.promotions.approve(
        {
          project: req.params.project,
          stage: req.params.stage,
          freight: req.body.freight,
        },
        await callerOf(req),
      );
      res.status(201).json(freight);
    },
  );

  router.get('/projects/:project/stages/:stage/history', async (req, res) => {
    const caller = await callerOf(req);
    const items = await services.promotions.getStageHistory(
      {
        project: req.params.project,
        stage: req.params.stage,
        limit: parseLimit(req.query.limit),
      },
      caller,
    );
    res.json({ items });
  });

  router.post(
    '/projects/:project/stages/:stage/verification',
    async (req, res) => {
      res
        .status(201)
        .json(
          await services.verifications.reverify(
            { project: req.params.project, stage: req.params.stage },
            await callerOf(req),
          ),
        );
    },
  );

  router.post(
    '/projects/:project/stages/:stage/verification/abort',
    async (req, res) => {
      res.json(
        await services.verifications.abort(
          { project: req.params.project, stage: req.params.stage },
          await callerOf(req),
        ),
      );
    },
  );

  // Read from the stage store, where the stage health monitor keeps it current from its watches.
  router.get('/projects/:project/stages/:stage/health', async (req, res) => {
    res.json(
      await services.projects.getStageHealth(
        { project: req.params.project, stage: req.params.stage },
        await callerOf(req),
      ),
    );
  });
}
