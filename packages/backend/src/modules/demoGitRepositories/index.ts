/*
 * DEMO ONLY: the demo's Git hosting. `./portal start` and the browser tests keep the repositories that templates
 * publish as bare repositories in the demo folder (kargoPortalDemo.gitRepositories in app-config.yaml); on a real
 * portal templates publish with publish:github or publish:gitlab and register with catalog:register instead (see
 * the README, "New service template"). Without that config both modules do nothing.
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { readDemoGitRepositoriesSettings } from './config';
import { DemoGitRepositoriesEntityProvider } from './entityProvider';
import { createDemoPublishGitAction } from './publishAction';

/** The scaffolder action demo:publish:git. */
export const scaffolderModuleDemoGit = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'demo-git-repositories',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, config }) {
        const settings = readDemoGitRepositoriesSettings(config);
        if (settings)
          scaffolder.addActions(createDemoPublishGitAction(settings));
      },
    });
  },
});

/** The catalog's entity provider reading the published repositories' catalog-info.yaml. */
export const catalogModuleDemoGit = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'demo-git-repositories',
  register(reg) {
    reg.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
      },
      async init({ catalog, config, logger, scheduler }) {
        const settings = readDemoGitRepositoriesSettings(config);
        if (!settings) return;
        catalog.addEntityProvider(
          new DemoGitRepositoriesEntityProvider({
            settings,
            logger,
            taskRunner: scheduler.createScheduledTaskRunner({
              frequency: { seconds: settings.refreshSeconds },
              timeout: { seconds: 60 },
              scope: 'local',
            }),
          }),
        );
      },
    });
  },
});
