import { createBackend } from '@backstage/backend-defaults';
import {
  catalogModuleDemoGit,
  scaffolderModuleDemoGit,
} from './modules/demoGitRepositories';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

// auth: the guest provider lets the demo sign in without an identity provider
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// browser tests only: a second guest identity (a release manager), set up only where auth.providers configures it
backend.add(import('./modules/testGuestProvider'));

// catalog
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permissions: the demo policy (owners promote to non-production stages, release-managers everywhere)
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('./modules/permissionPolicy'));

// scaffolder, with the Kargo actions
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@kargo-portal/plugin-scaffolder-backend-module-kargo'));

// demo only: the demo's Git hosting (bare repositories in the demo folder) for templates to publish to, and the
// catalog reading them; does nothing without kargoPortalDemo.gitRepositories in app-config
backend.add(scaffolderModuleDemoGit);
backend.add(catalogModuleDemoGit);

// Kargo
backend.add(import('@kargo-portal/plugin-kargo-backend'));

// user settings, notifications and signals
backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

backend.start();
