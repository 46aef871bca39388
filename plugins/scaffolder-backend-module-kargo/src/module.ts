import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createArgoCdApplicationSetAction } from './actions/applicationSet/createApplicationSet';
import { createKargoProjectAction } from './actions/createProject';

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
      },
      async init({ scaffolder, config }) {
        scaffolder.addActions(
          createKargoProjectAction(),
          createArgoCdApplicationSetAction({ config }),
        );
      },
    });
  },
});
