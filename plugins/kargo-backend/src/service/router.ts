import { WarehouseService } from '../warehouses/WarehouseService';
import { WebhookReceivers } from '../webhooks/WebhookReceivers';
import express from 'express';
import Router from 'express-promise-router';
import {
  AuditorService,
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { JsonObject } from '@backstage/types';
import { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  Promotion,
  StageManifest,
  kargoFreightApprovePermission,
  kargoProjectCreatePermission,
  kargoProjectReadPermission,
  kargoProjectUpdatePermission,
  kargoPromotionAbortPermission,
  kargoStagePromotePermission,
  kargoWarehouseRefreshPermission,
} from '@kargo-portal/plugin-kargo-common';
import { KargoStore } from '../database/KargoStore';
import {
  DefinitionCatalog,
  ProjectDefinition,
} from '../definitions/DefinitionCatalog';
import { DefinitionService } from '../definitions/DefinitionService';
import { createOpenApiRouter } from '../schema/openapi/generated';
import { FreightQueries } from './FreightQueries';
import { KargoAuthorizer } from './KargoAuthorizer';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InputError(
      `limit: must be a whole number from 1 to ${MAX_LIMIT}`,
    );
  }
  return limit;
}

function actorOf(
  credentials: BackstageCredentials<
    BackstageUserPrincipal | BackstageServicePrincipal
  >,
): string {
  const p = credentials.principal;
  return p.type === 'user' ? p.userEntityRef : p.subject;
}

// The OpenAPI validator has checked types and required fields before a handler runs; these read them typed.
function query(req: express.Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}

function bodyString(req: express.Request, field: string): string {
  const value: unknown = req.body?.[field];
  if (typeof value !== 'string') {
    throw new InputError(`${field}: must be a string`);
  }
  return value;
}

function requireProject(
  catalog: DefinitionCatalog,
  name: string,
): ProjectDefinition {
  const project = catalog.getProject(name);
  if (!project) throw new NotFoundError(`Kargo project "${name}" not found`);
  return project;
}

function requireStage(project: ProjectDefinition, name: string): StageManifest {
  const stage = project.stages.find(s => s.metadata.name === name);
  if (!stage) {
    throw new NotFoundError(
      `Stage "${name}" not found in Kargo project "${project.name}"`,
    );
  }
  return stage;
}

/**
 * A promotion as lists show it: each step's status without its log and output, which can be long and are read
 * with the promotion itself.
 */
function withoutStepDetails(promotion: Promotion): Promotion {
  return {
    ...promotion,
    steps: promotion.steps.map(
      ({ log: _log, output: _output, ...step }) => step,
    ),
  };
}

function summary(project: ProjectDefinition) {
  return {
    name: project.name,
    stageCount: project.stages.length,
    warehouseCount: project.warehouses.length,
  };
}

// The spec's validator rejects extra body fields without naming them; this names them first.
const bodyFields: Array<[RegExp, string[]]> = [
  [
    /^\/projects\/[^/]+\/warehouses\/[^/]+\/freight\/?$/,
    ['images', 'commits', 'charts', 'artifacts'],
  ],
  [/^\/projects(\/[^/]+)?\/?$/, ['manifests']],
  [
    /^\/projects\/[^/]+\/stages\/[^/]+\/(approvals|promotions)\/?$/,
    ['freight'],
  ],
];

function rejectUnknownBodyFields(
  req: express.Request,
  _res: express.Response,
  next: express.NextFunction,
) {
  const body: unknown = req.body;
  if (
    (req.method === 'POST' || req.method === 'PUT') &&
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body)
  ) {
    const allowed = bodyFields.find(([pattern]) => pattern.test(req.path))?.[1];
    const extra = allowed && Object.keys(body).find(k => !allowed.includes(k));
    if (allowed && extra) {
      throw new InputError(
        `${extra}: unknown field; the body takes ${allowed.join(', ')}`,
      );
    }
  }
  next();
}

/** Options of {@link createRouter}. */
export interface RouterOptions {
  store: KargoStore;
  definitions: DefinitionService;
  authorizer: KargoAuthorizer;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  /** Discovery and freight creation of warehouses. */
  warehouses: WarehouseService;
  /** Webhook receivers declared in ProjectConfigs. */
  webhooks: WebhookReceivers;
  /** Tells this replica's promotion worker that a promotion was created, so it starts without waiting. */
  onPromotionCreated?: () => void;
  /** Asks for discovery to run soon (the scheduled poll), after a refresh request. */
  triggerPoll?: () => Promise<void>;
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
}

/**
 * The HTTP API under `/api/kargo`, validated against `src/schema/openapi.yaml`. Every route authenticates,
 * authorizes in the backend, and every change records an audit event.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { store, definitions, authorizer, httpAuth, auditor } = options;
  const now = options.now ?? (() => new Date());
  const queries = new FreightQueries(store);
  // Validation first (request shapes per the spec, 400 with the failing field), then the routes.
  const router = Router();

  // Webhook deliveries come from Git hosts and registries, not users: their URL and signature authenticate
  // them, and the signature is computed over the raw body, so this route reads the body itself.
  router.post(
    '/webhooks/:id',
    express.raw({ type: () => true, limit: '5mb' }),
    async (req, res) => {
      const outcome = await options.webhooks.deliver(req.params.id, {
        headers: req.headers,
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      });
      if (outcome.refreshed.length > 0) {
        const event = await auditor.createEvent({
          eventId: 'webhook-refresh',
          severityLevel: 'low',
          meta: {
            project: outcome.project ?? null,
            receiver: outcome.receiver ?? null,
            warehouses: outcome.refreshed,
          },
        });
        await event.success();
        await options.triggerPoll?.();
      }
      res.status(outcome.status).json({ message: outcome.message });
    },
  );

  router.use(express.json({ limit: '2mb' }));
  router.use(rejectUnknownBodyFields);
  router.use(await createOpenApiRouter());

  const credentialsOf = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });

  /** Runs a change and records it: the event carries the actor (from the request), the target and the outcome. */
  async function audited<T>(
    req: express.Request,
    eventId: string,
    meta: JsonObject,
    change: () => Promise<{ result: T; meta?: JsonObject }>,
  ): Promise<T> {
    const event = await auditor.createEvent({
      eventId,
      severityLevel: 'medium',
      request: req,
      meta,
    });
    try {
      const { result, meta: outcome } = await change();
      await event.success({ meta: outcome });
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  }

  async function requireFreight(project: string, ref: string) {
    const freight = await store.getFreight(project, ref);
    if (!freight) {
      throw new NotFoundError(
        `Freight "${ref}" not found in Kargo project "${project}"`,
      );
    }
    return freight;
  }

  /**
   * The start of a change that moves freight at a stage (approve, promote): the stage permission first, then
   * the project and stage must exist; `meta` is the audit target.
   */
  async function freightToStage(
    req: express.Request<{ project: string; stage: string }>,
    permission: ResourcePermission,
  ) {
    const credentials = await credentialsOf(req);
    const { project: projectName, stage: stageName } = req.params;
    await authorizer.requireStage(
      permission,
      projectName,
      stageName,
      credentials,
    );
    const project = requireProject(await definitions.getCatalog(), projectName);
    const stage = requireStage(project, stageName);
    const meta = {
      project: projectName,
      stage: stageName,
      freight: bodyString(req, 'freight'),
    };
    return { credentials, projectName, stageName, stage, meta };
  }

  /** Reads need `kargo.project.read`; authorization comes before existence, so nothing leaks. */
  async function readableProject(req: express.Request, name: string) {
    const credentials = await credentialsOf(req);
    await authorizer.requireProject(
      kargoProjectReadPermission,
      name,
      credentials,
    );
    return requireProject(await definitions.getCatalog(), name);
  }

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/projects', async (req, res) => {
    const credentials = await credentialsOf(req);
    const projects = (await definitions.getCatalog()).listProjects();
    const allowed = new Set(
      await authorizer.filterProjects(
        kargoProjectReadPermission,
        projects.map(p => p.name),
        credentials,
      ),
    );
    res.json({ items: projects.filter(p => allowed.has(p.name)).map(summary) });
  });

  router.post('/projects', async (req, res) => {
    const credentials = await credentialsOf(req);
    await authorizer.requireBasic(kargoProjectCreatePermission, credentials);
    const name = await audited(req, 'project-create', {}, async () => {
      const project = await definitions.createProject(
        bodyString(req, 'manifests'),
        actorOf(credentials),
      );
      return { result: project, meta: { project } };
    });
    const project = requireProject(await definitions.getCatalog(), name);
    res.status(201).json(summary(project));
  });

  router.get('/projects/:project', async (req, res) => {
    res.json(summary(await readableProject(req, req.params.project)));
  });

  router.put('/projects/:project', async (req, res) => {
    const { project } = req.params;
    const credentials = await credentialsOf(req);
    await authorizer.requireProject(
      kargoProjectUpdatePermission,
      project,
      credentials,
    );
    await audited(req, 'project-update', { project }, async () => {
      await definitions.replaceProject(
        project,
        bodyString(req, 'manifests'),
        actorOf(credentials),
      );
      return { result: undefined };
    });
    res.json(summary(requireProject(await definitions.getCatalog(), project)));
  });

  router.delete('/projects/:project', async (req, res) => {
    const { project } = req.params;
    const credentials = await credentialsOf(req);
    await authorizer.requireProject(
      kargoProjectUpdatePermission,
      project,
      credentials,
    );
    await audited(req, 'project-delete', { project }, async () => {
      await definitions.deleteProject(project);
      return { result: undefined };
    });
    res.status(204).end();
  });

  router.get('/projects/:project/pipeline', async (req, res) => {
    const project = await readableProject(req, req.params.project);
    const pipeline = await queries.getPipeline(project, now());
    res.json({
      ...pipeline,
      stages: pipeline.stages.map(stage =>
        stage.lastPromotion
          ? { ...stage, lastPromotion: withoutStepDetails(stage.lastPromotion) }
          : stage,
      ),
    });
  });

  router.get('/projects/:project/freight', async (req, res) => {
    const project = await readableProject(req, req.params.project);
    const limit = parseLimit(query(req, 'limit'));
    const origins = query(req, 'origin')
      ?.split(',')
      .map(o => o.trim())
      .filter(Boolean);
    const cursor = query(req, 'cursor');
    const stageName = query(req, 'stage');
    if (stageName) {
      const stage = requireStage(project, stageName);
      res.json(
        await queries.listEligible({
          project: project.name,
          stage,
          origins,
          limit,
          cursor,
          now: now(),
        }),
      );
      return;
    }
    res.json(
      await store.listFreight({
        project: project.name,
        origins,
        limit,
        cursor,
      }),
    );
  });

  router.get('/projects/:project/freight/:freight', async (req, res) => {
    const project = await readableProject(req, req.params.project);
    const freight = await requireFreight(project.name, req.params.freight);
    res.json(freight);
  });

  router.post(
    '/projects/:project/stages/:stage/approvals',
    async (req, res) => {
      const { credentials, projectName, stageName, stage, meta } =
        await freightToStage(req, kargoFreightApprovePermission);
      const approved = await audited(req, 'freight-approve', meta, async () => {
        const freight = await requireFreight(projectName, meta.freight);
        // As Kargo: approval is for freight of an origin the stage requests.
        if (
          !stage.spec.requestedFreight.some(
            r => r.origin.name === freight.origin.name,
          )
        ) {
          throw new InputError(
            `freight: Stage "${stageName}" does not request freight from Warehouse "${freight.origin.name}"`,
          );
        }
        await store.approveFreight({
          project: projectName,
          freightId: freight.id,
          stage: stageName,
          actor: actorOf(credentials),
          at: now(),
        });
        return { result: (await store.getFreight(projectName, freight.id))! };
      });
      res.status(201).json(approved);
    },
  );

  router.post(
    '/projects/:project/stages/:stage/promotions',
    async (req, res) => {
      const { credentials, projectName, stageName, stage, meta } =
        await freightToStage(req, kargoStagePromotePermission);
      const promotion = await audited(
        req,
        'promotion-create',
        meta,
        async () => {
          const freight = await requireFreight(projectName, meta.freight);
          if (!(await queries.isEligible(projectName, stage, freight, now()))) {
            throw new ConflictError(
              `Freight "${freight.alias}" is not available to stage "${stageName}": it must come from a warehouse the stage takes directly, be verified (and soaked) upstream, or be approved for the stage`,
            );
          }
          const created = await store.createPromotion({
            project: projectName,
            stage: stageName,
            freightId: freight.id,
            actor: actorOf(credentials),
            at: now(),
          });
          return { result: created, meta: { promotion: created.id } };
        },
      );
      options.onPromotionCreated?.();
      res.status(201).json(promotion);
    },
  );

  router.get('/projects/:project/stages/:stage/history', async (req, res) => {
    const project = await readableProject(req, req.params.project);
    const stage = requireStage(project, req.params.stage);
    res.json({
      items: await store.getStageHistory({
        project: project.name,
        stage: stage.metadata.name,
        limit: parseLimit(query(req, 'limit')),
      }),
    });
  });

  router.get('/projects/:project/promotions', async (req, res) => {
    const project = await readableProject(req, req.params.project);
    const page = await store.listPromotions({
      project: project.name,
      stage: query(req, 'stage'),
      limit: parseLimit(query(req, 'limit')),
      cursor: query(req, 'cursor'),
    });
    res.json({ ...page, items: page.items.map(withoutStepDetails) });
  });

  router.get('/projects/:project/promotions/:promotion', async (req, res) => {
    const project = await readableProject(req, req.params.project);
    const promotion = await store.getPromotion(
      project.name,
      req.params.promotion,
    );
    if (!promotion) {
      throw new NotFoundError(
        `Promotion "${req.params.promotion}" not found in Kargo project "${project.name}"`,
      );
    }
    res.json(promotion);
  });

  router.post(
    '/projects/:project/promotions/:promotion/abort',
    async (req, res) => {
      const credentials = await credentialsOf(req);
      const { project: projectName, promotion: id } = req.params;
      // The permission is on the promotion's stage: read it first, with read access required to see it at all.
      await authorizer.requireProject(
        kargoProjectReadPermission,
        projectName,
        credentials,
      );
      const existing = await store.getPromotion(projectName, id);
      if (!existing) {
        throw new NotFoundError(
          `Promotion "${id}" not found in Kargo project "${projectName}"`,
        );
      }
      await authorizer.requireStage(
        kargoPromotionAbortPermission,
        projectName,
        existing.stage,
        credentials,
      );
      const meta = {
        project: projectName,
        stage: existing.stage,
        promotion: id,
      };
      const aborted = await audited(req, 'promotion-abort', meta, async () => ({
        result: await store.requestAbort({
          project: projectName,
          id,
          actor: actorOf(credentials),
          at: now(),
        }),
      }));
      res.json(aborted);
    },
  );

  router.get('/projects/:project/warehouses', async (req, res) => {
    const project = await readableProject(req, req.params.project);
    const states = new Map(
      (await store.listWarehouses(project.name)).map(w => [w.name, w]),
    );
    const items = [];
    for (const w of project.warehouses) {
      const newest = await store.listFreight({
        project: project.name,
        origins: [w.metadata.name],
        limit: 1,
      });
      items.push({
        project: project.name,
        name: w.metadata.name,
        ...states.get(w.metadata.name),
        freightCreationPolicy: w.spec.freightCreationPolicy ?? 'Automatic',
        interval: w.spec.interval ?? '5m0s',
        ...(newest.items[0] ? { latestFreight: newest.items[0].alias } : {}),
      });
    }
    res.json({ items });
  });

  router.post(
    '/projects/:project/warehouses/:warehouse/freight',
    async (req, res) => {
      const credentials = await credentialsOf(req);
      const { project: projectName, warehouse } = req.params;
      await authorizer.requireProject(
        kargoProjectUpdatePermission,
        projectName,
        credentials,
      );
      requireProject(await definitions.getCatalog(), projectName);
      const { freight, created } = await audited(
        req,
        'freight-create',
        { project: projectName, warehouse },
        async () => {
          const result = await options.warehouses.createFromSelection(
            projectName,
            warehouse,
            req.body,
          );
          return {
            result,
            meta: { freight: result.freight.id, created: result.created },
          };
        },
      );
      res.status(created ? 201 : 200).json(freight);
    },
  );

  router.get('/projects/:project/webhooks', async (req, res) => {
    const credentials = await credentialsOf(req);
    await authorizer.requireProject(
      kargoProjectUpdatePermission,
      req.params.project,
      credentials,
    );
    requireProject(await definitions.getCatalog(), req.params.project);
    res.json({ items: await options.webhooks.list(req.params.project) });
  });

  router.post(
    '/projects/:project/warehouses/:warehouse/refresh',
    async (req, res) => {
      const credentials = await credentialsOf(req);
      const { project: projectName, warehouse } = req.params;
      await authorizer.requireProject(
        kargoWarehouseRefreshPermission,
        projectName,
        credentials,
      );
      const project = requireProject(
        await definitions.getCatalog(),
        projectName,
      );
      if (!project.warehouses.some(w => w.metadata.name === warehouse)) {
        throw new NotFoundError(
          `Warehouse "${warehouse}" not found in Kargo project "${projectName}"`,
        );
      }
      const status = await audited(
        req,
        'warehouse-refresh',
        { project: projectName, warehouse },
        async () => ({
          result: await store.requestRefresh({
            project: projectName,
            warehouse,
            actor: actorOf(credentials),
            at: now(),
          }),
        }),
      );
      await options.triggerPoll?.();
      res.status(202).json(status);
    },
  );

  router.get('/definitions', async (req, res) => {
    const credentials = await credentialsOf(req);
    const sources = await definitions.listSources();
    const projects = [...new Set(sources.flatMap(s => s.projects))];
    const readable = new Set(
      await authorizer.filterProjects(
        kargoProjectReadPermission,
        projects,
        credentials,
      ),
    );
    // A source that defines no readable project (or none yet, failing) is shown to project creators only.
    const creator = await authorizer.isAllowedBasic(
      kargoProjectCreatePermission,
      credentials,
    );
    res.json({
      items: sources.filter(s =>
        s.projects.length > 0 ? s.projects.some(p => readable.has(p)) : creator,
      ),
    });
  });

  return router;
}
