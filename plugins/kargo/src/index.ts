/**
 * Kargo Portal frontend plugin: the stage pipeline card and the Kargo tab for catalog entities.
 *
 * The default export is the plugin for Backstage's new frontend system; the legacy plugin and components are
 * exported from `@kargo-portal/plugin-kargo/legacy`.
 *
 * @packageDocumentation
 */

export { kargoPlugin as default } from './plugin';
export { kargoApiRef } from './api';
export { isKargoAvailable } from './filters';
