import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createArgoCdApplicationSetAction } from './actions/applicationSet/createApplicationSet';
import { createKargoProjectAction } from './actions/project/createProject';

/**
 * Adds the Kargo actions to the scaffolder.
 *
 * @public
 */
export const scaffolderModuleKargo = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'kargo',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
      },
      async init({ scaffolder, config, auth, discovery }) {
        scaffolder.addActions(
          createKargoProjectAction({ auth, discovery, config }),
          createArgoCdApplicationSetAction({ config }),
        );
      },
    });
  },
});
