import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { DefinitionCatalog } from './definitions/DefinitionCatalog';
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
      },
      async init({ config, logger, httpRouter }) {
        const definitions = await DefinitionCatalog.create({ config, logger });
        logger.info(
          `Loaded ${definitions.listProjects().length} Kargo project(s)`,
        );
        httpRouter.use(await createRouter({ definitions }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
