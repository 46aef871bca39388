import { KargoApiRouter, RouteContext } from './types';

/** Projects: list, read, create, replace and delete (the last three for projects made through the API). */
export function registerProjectRoutes(
  router: KargoApiRouter,
  { services, callerOf }: RouteContext,
): void {
  router.get('/projects', async (req, res) => {
    const items = await services.projects.listProjects(await callerOf(req));
    res.json({ items });
  });

  router.post('/projects', async (req, res) => {
    const project = await services.projects.createProject(
      { manifests: req.body.manifests },
      await callerOf(req),
    );
    res.status(201).json(project);
  });

  router.get('/projects/:project', async (req, res) => {
    res.json(
      await services.projects.getProject(
        req.params.project,
        await callerOf(req),
      ),
    );
  });

  router.put('/projects/:project', async (req, res) => {
    const project = await services.projects.replaceProject(
      { project: req.params.project, manifests: req.body.manifests },
      await callerOf(req),
    );
    res.json(project);
  });

  router.delete('/projects/:project', async (req, res) => {
    await services.projects.deleteProject(
      { project: req.params.project },
      await callerOf(req),
    );
    res.status(204).end();
  });
}
