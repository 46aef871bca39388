import { KargoApiRouter, RouteContext } from './types';

/** A project's stages in pipeline order, with their freight, last promotion and eligible freight counts. */
export function registerPipelineRoutes(
  router: KargoApiRouter,
  { services, callerOf }: RouteContext,
): void {
  router.get('/projects/:project/pipeline', async (req, res) => {
    res.json(
      await services.projects.getPipeline(
        req.params.project,
        await callerOf(req),
      ),
    );
  });
}
