import express from 'express';
import Router from 'express-promise-router';
import { NotFoundError } from '@backstage/errors';
import {
  KARGO_COLOR_ANNOTATION,
  Pipeline,
  ProjectList,
  orderStages,
} from '@kargo-portal/plugin-kargo-common';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';

/** Builds the HTTP API of the plugin, mounted at `/api/kargo`. */
export async function createRouter(options: {
  definitions: DefinitionCatalog;
}): Promise<express.Router> {
  const { definitions } = options;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/projects', (_req, res) => {
    const body: ProjectList = {
      items: definitions.listProjects().map(p => ({
        name: p.name,
        stageCount: p.stages.length,
        warehouseCount: p.warehouses.length,
      })),
    };
    res.json(body);
  });

  router.get('/projects/:project/pipeline', (req, res) => {
    const project = definitions.getProject(req.params.project);
    if (!project) {
      throw new NotFoundError(
        `Kargo project "${req.params.project}" not found`,
      );
    }
    const stages = new Map(project.stages.map(s => [s.metadata.name, s]));
    const body: Pipeline = {
      project: project.name,
      warehouses: project.warehouses.map(w => w.metadata.name).sort(),
      stages: orderStages(project.stages).map(node => ({
        ...node,
        color: stages.get(node.name)?.metadata.annotations?.[
          KARGO_COLOR_ANNOTATION
        ],
      })),
    };
    res.json(body);
  });

  return router;
}
