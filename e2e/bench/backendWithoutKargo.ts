// The baseline of the memory benchmark (memory.bench.ts): the portal's backend (packages/backend/src/index.ts)
// without the Kargo plugin. memory.bench.ts checks that this list is the backend's minus that one line, so the
// two cannot drift apart unnoticed.
import { createBackend } from '@backstage/backend-defaults';
import {
  catalogModuleDemoGit,
  scaffolderModuleDemoGit,
} from '../../packages/backend/src/modules/demoGitRepositories';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('../../packages/backend/src/modules/testGuestProvider'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('../../packages/backend/src/modules/permissionPolicy'));
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@kargo-portal/plugin-scaffolder-backend-module-kargo'));
backend.add(scaffolderModuleDemoGit);
backend.add(catalogModuleDemoGit);
backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

backend.start();
