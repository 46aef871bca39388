import { KargoApiRouter, RouteContext } from './types';

/** Manifest sources, limited to those defining projects the caller may read. */
export function registerDefinitionRoutes(
  router: KargoApiRouter,
  { services, callerOf }: RouteContext,
): void {
  router.get('/definitions', async (req, res) => {
    const items = await services.projects.listDefinitionSources(
      await callerOf(req),
    );
    res.json({ items });
  });
}
