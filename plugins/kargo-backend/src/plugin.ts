import os from 'node:os';
import path from 'node:path';
import {
  coreServices,
  createBackendPlugin,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  kargoFreightApprovePermission,
  kargoProjectCreatePermission,
  kargoProjectReadPermission,
  kargoProjectUpdatePermission,
  kargoPromotionAbortPermission,
  kargoStagePromotePermission,
  kargoWarehouseRefreshPermission,
} from '@kargo-portal/plugin-kargo-common';
import {
  ArtifactSource,
  HealthChecker,
  PromotionStepRunner,
  kargoArtifactSourcesExtensionPoint,
  kargoHealthCheckersExtensionPoint,
  kargoPromotionStepsExtensionPoint,
  kargoProjectResourceRef,
  kargoProjectRules,
  kargoStageResourceRef,
  kargoStageRules,
} from '@kargo-portal/plugin-kargo-node';
import { ArgoCdClusters } from './argocd/ArgoCdClusters';
import {
  argoCdContextChecks,
  createArgoCdHealthChecker,
} from './argocd/ArgoCdHealthChecker';
import { AutoPromoter } from './autopromotion/AutoPromoter';
import { StageEvents } from './autopromotion/StageEvents';
import { DatabaseKargoStores } from './database/DatabaseKargoStores';
import { HealthCheckers } from './health/HealthCheckers';
import { StageHealthMonitor } from './health/StageHealthMonitor';
import { GitClient, credentialsFromIntegrations, readGitSshKeys } from './git';
import { StepRegistry, createStepExpressions } from './promotion/engine';
import { evaluateExpression } from './expressions';
import { builtinPromotionSteps } from './promotion/builtinSteps';
import { createPromotionWorker } from './promotion/worker';
import { DefinitionService } from './definitions/DefinitionService';
import { createRouter } from './service/router';
import { KargoAuthorizer, createKargoServices } from './services';
import { ProjectConfigMaps, ProjectSecrets } from './secrets';
import { VerificationWorker } from './verification/VerificationWorker';
import { createDiscoverers } from './warehouses/discoverers';
import { artifactSources } from './warehouses/sources';
import { WarehouseService } from './warehouses/WarehouseService';
import { WebhookReceivers } from './webhooks/WebhookReceivers';

/**
 * The Kargo backend plugin: promotion engine, freight store and HTTP API under `/api/kargo`.
 *
 * @public
 */
export const kargoPlugin = createBackendPlugin({
  pluginId: 'kargo',
  register(env) {
    // Steps added by backend modules, registered before this plugin's init runs.
    const moduleSteps: PromotionStepRunner<any>[] = [];
    env.registerExtensionPoint(kargoPromotionStepsExtensionPoint, {
      addSteps: (...steps) => {
        moduleSteps.push(...steps);
      },
    });
    // Artifact sources (subscription types) added by backend modules, likewise.
    const moduleSources: ArtifactSource[] = [];
    env.registerExtensionPoint(kargoArtifactSourcesExtensionPoint, {
      addArtifactSources: (...sources) => {
        moduleSources.push(...sources);
      },
    });
    // Kinds of health checks added by backend modules, likewise.
    const moduleHealthCheckers: HealthChecker[] = [];
    env.registerExtensionPoint(kargoHealthCheckersExtensionPoint, {
      addHealthCheckers: (...checkers) => {
        moduleHealthCheckers.push(...checkers);
      },
    });
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        auditor: coreServices.auditor,
        database: coreServices.database,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        urlReader: coreServices.urlReader,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
      },
      async init(deps) {
        const { config, logger, httpRouter, scheduler } = deps;
        const stores = await DatabaseKargoStores.create({
          database: deps.database,
        });
        const definitions = DefinitionService.fromConfig({
          config,
          store: stores.definitions,
          logger,
          urlReader: deps.urlReader,
        });
        const authorizer = new KargoAuthorizer({
          permissions: deps.permissions,
          catalog: deps.catalog,
          auth: deps.auth,
          declaredOwners: async project =>
            (await definitions.getCatalog()).getProjectOwners(project),
        });

        deps.permissionsRegistry.addPermissions([kargoProjectCreatePermission]);
        deps.permissionsRegistry.addResourceType({
          resourceRef: kargoProjectResourceRef,
          permissions: [
            kargoProjectReadPermission,
            kargoProjectUpdatePermission,
            kargoWarehouseRefreshPermission,
          ],
          rules: Object.values(kargoProjectRules),
          getResources: refs => authorizer.getProjectResources(refs),
        });
        deps.permissionsRegistry.addResourceType({
          resourceRef: kargoStageResourceRef,
          permissions: [
            kargoStagePromotePermission,
            kargoFreightApprovePermission,
            kargoPromotionAbortPermission,
          ],
          rules: Object.values(kargoStageRules),
          getResources: refs => authorizer.getStageResources(refs),
        });

        // What changes a project's stages (new freight, promotions, verifications, definitions), for
        // auto-promotion, which is built once the services exist.
        const stageEvents = StageEvents.create();

        // One replica reads the configured manifest files and URLs; every replica serves what is stored.
        await scheduler.scheduleTask({
          id: 'kargo-definitions-sync',
          scope: 'global',
          ...(config.has('kargo.definitionsSchedule')
            ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
                config.getConfig('kargo.definitionsSchedule'),
              )
            : { frequency: { minutes: 1 }, timeout: { minutes: 2 } }),
          fn: async () => {
            await definitions.syncConfiguredSources();
            // Promotion policies or windows may have changed.
            stageEvents.changed();
          },
        });

        const secrets = ProjectSecrets.fromConfig(config);
        const workDir =
          config.getOptionalString('kargo.workDir') ??
          path.join(os.tmpdir(), 'kargo-portal');
        // The built-in subscription types and those of backend modules (a duplicate type fails the startup).
        const sources = artifactSources(
          await createDiscoverers({
            config,
            logger,
            cacheDir: path.join(workDir, 'git-mirrors'),
          }),
          ...moduleSources,
        );
        const warehouses = new WarehouseService({
          stores,
          getCatalog: () => definitions.getCatalog(),
          sources,
          logger,
          onFreightCreated: project => stageEvents.changed(project),
        });
        const WAREHOUSES_TASK = 'kargo-warehouses-poll';
        await scheduler.scheduleTask({
          id: WAREHOUSES_TASK,
          scope: 'global',
          ...(config.has('kargo.warehousesSchedule')
            ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
                config.getConfig('kargo.warehousesSchedule'),
              )
            : { frequency: { seconds: 15 }, timeout: { minutes: 10 } }),
          fn: () => warehouses.pollDue(),
        });
        const triggerPoll = async () => {
          try {
            await scheduler.triggerTask(WAREHOUSES_TASK);
          } catch (error) {
            // Already running: the refresh request is stored and the next poll picks it up.
            logger.debug(`Warehouse poll not triggered: ${error}`);
          }
        };
        const webhooks = new WebhookReceivers({
          getCatalog: () => definitions.getCatalog(),
          secrets,
          sources,
          refresh: async (project, warehouse, actor) => {
            await stores.warehouses.requestRefresh({
              project,
              warehouse,
              actor,
              at: new Date(),
            });
          },
          wakePromotions: async (prUrl, project) =>
            (
              await stores.promotions.wakeWaitingForPullRequest({
                prUrl,
                project,
                now: new Date(),
              })
            ).map(woken => `${woken.project}/${woken.id}`),
        });

        // The promotion runner: every replica runs promotions from the shared database (claims with
        // compare-and-set and heartbeats; one Running promotion per stage), with the built-in steps and those of
        // backend modules (a duplicate name fails the startup).
        const gitCredentials = credentialsFromIntegrations(config);
        const argoCdClusters = ArgoCdClusters.fromConfig(config);
        // Its spawner process (which starts the git processes) ends with the worker, below.
        const promotionGit = await GitClient.create({
          logger,
          sshKeys: readGitSshKeys(config),
        });
        const registry = StepRegistry.create(
          builtinPromotionSteps({
            config,
            git: promotionGit,
            evaluateExpression,
            argoCdClusters,
          }),
          moduleSteps,
        );

        // Stage health: the health checkers by kind (Argo CD's, from the argocd module), kept current from
        // watches; the monitor writes each stage's health to the stage store when it changes and announces the
        // change on the project's signal channel (the payload names the stage only: readers fetch the health
        // through the API, which checks their permission).
        const healthMonitor = StageHealthMonitor.create({
          stores,
          definitions,
          checkers: HealthCheckers.create(
            createArgoCdHealthChecker({
              clusters: argoCdClusters,
              logger: logger.child({ component: 'argocd-watch' }),
            }),
            ...moduleHealthCheckers,
          ),
          linkOnlyChecks: argoCdContextChecks,
          logger: logger.child({ component: 'stage-health' }),
          onHealthChanged: ({ project, stage }) =>
            deps.signals.publish({
              recipients: { type: 'broadcast' },
              channel: `kargo:project:${project}`,
              message: { kind: 'stage-health', project, stage },
            }),
        });
        const worker = createPromotionWorker({
          stores,
          definitions,
          registry,
          logger,
          config,
          expressions: createStepExpressions({
            secrets,
            configMaps: ProjectConfigMaps.fromConfig(config),
          }),
          credentials: { git: repoURL => gitCredentials(repoURL) },
          uiBaseUrl: config.getOptionalString('app.baseUrl'),
          onStageActivity: (project, stage) => {
            healthMonitor.notifyStage(project, stage);
            // A promotion started or finished (and, without verification, verified its freight at once).
            stageEvents.changed(project);
          },
        });
        deps.lifecycle.addStartupHook(() => worker.start());
        deps.lifecycle.addShutdownHook(async () => {
          await worker.stop();
          await promotionGit.close();
        });
        // The first pass runs in the background: health is served as last stored meanwhile.
        deps.lifecycle.addStartupHook(() => {
          void healthMonitor.start();
        });
        deps.lifecycle.addShutdownHook(() => healthMonitor.stop());

        // Verification: every replica runs it from the shared database (claims with compare-and-set and a
        // lease, measurements stored between runs); it starts once a stage is healthy and no promotion runs.
        const verifier = VerificationWorker.create({
          stores,
          definitions,
          secret: (project, name) => secrets.get(project, name),
          logger: logger.child({ component: 'verification' }),
          pollIntervalMs: config.getOptionalNumber(
            'kargo.verification.pollIntervalMs',
          ),
          onChange: ({ project, stage }) => {
            deps.signals.publish({
              recipients: { type: 'broadcast' },
              channel: `kargo:project:${project}`,
              message: { kind: 'stage-verification', project, stage },
            });
            // A finished verification may make freight eligible downstream: auto-promotion looks at once.
            stageEvents.changed(project);
          },
        });
        deps.lifecycle.addStartupHook(() => verifier.start());
        deps.lifecycle.addShutdownHook(() => verifier.stop());

        // The rules, shared by the routes and the loops to come; the routes use the wrappers that check
        // permissions.
        const { services, authorized } = createKargoServices({
          stores,
          definitions,
          warehouses,
          webhooks,
          authorizer,
          auditor: deps.auditor,
          triggerPoll,
          onPromotionCreated: () => worker.notify(),
          onPromotionsWoken: () => worker.notify(),
          onAutoPromotionResumed: project => stageEvents.changed(project),
        });
        // Auto-promotion: a pass over a project within moments of a change there on this replica (new freight,
        // a promotion started or finished, freight verified), and a sweep of every project for the rest.
        const autoPromoter = AutoPromoter.create({
          stores,
          definitions,
          promotions: services.promotions,
          logger: logger.child({ component: 'auto-promotion' }),
          sweepIntervalMs:
            config.getOptionalNumber('kargo.autoPromotion.sweepIntervalMs') ??
            5_000,
        });
        stageEvents.listen(project => autoPromoter.notify(project));
        deps.lifecycle.addStartupHook(() => autoPromoter.start());
        deps.lifecycle.addShutdownHook(() => autoPromoter.stop());

        httpRouter.use(
          await createRouter({ services: authorized, httpAuth: deps.httpAuth }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        // Deliveries are authenticated by their receiver URL and provider signature instead.
        httpRouter.addAuthPolicy({
          path: '/webhooks',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
