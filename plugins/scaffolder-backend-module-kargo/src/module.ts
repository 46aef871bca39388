import { createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
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
      deps: { scaffolder: scaffolderActionsExtensionPoint },
      async init({ scaffolder }) {
        scaffolder.addActions(createKargoProjectAction());
      },
    });
  },
});
