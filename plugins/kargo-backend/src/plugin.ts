import {
  coreServices,
  createBackendPlugin,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
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
  kargoProjectResourceRef,
  kargoProjectRules,
  kargoStageResourceRef,
  kargoStageRules,
} from '@kargo-portal/plugin-kargo-node';
import { DatabaseKargoStore } from './database/DatabaseKargoStore';
import { DefinitionService } from './definitions/DefinitionService';
import { KargoAuthorizer } from './service/KargoAuthorizer';
import { createRouter } from './service/router';

/**
 * The Kargo backend plugin: promotion engine, freight store and HTTP API under `/api/kargo`.
 *
 * @public
 */
export const kargoPlugin = createBackendPlugin({
  pluginId: 'kargo',
  register(env) {
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
        urlReader: coreServices.urlReader,
        catalog: catalogServiceRef,
      },
      async init(deps) {
        const { config, logger, httpRouter, scheduler } = deps;
        const store = await DatabaseKargoStore.create({
          database: deps.database,
        });
        const definitions = DefinitionService.fromConfig({
          config,
          store,
          logger,
          urlReader: deps.urlReader,
        });
        const authorizer = new KargoAuthorizer({
          permissions: deps.permissions,
          catalog: deps.catalog,
          auth: deps.auth,
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

        // One replica reads the configured manifest files and URLs; every replica serves what is stored.
        await scheduler.scheduleTask({
          id: 'kargo-definitions-sync',
          scope: 'global',
          ...(config.has('kargo.definitionsSchedule')
            ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
                config.getConfig('kargo.definitionsSchedule'),
              )
            : { frequency: { minutes: 1 }, timeout: { minutes: 2 } }),
          fn: () => definitions.syncConfiguredSources(),
        });

        httpRouter.use(
          await createRouter({
            store,
            definitions,
            authorizer,
            httpAuth: deps.httpAuth,
            auditor: deps.auditor,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
