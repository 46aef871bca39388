/**
 * Scaffolder actions of Kargo Portal: create Kargo projects for new services.
 *
 * @packageDocumentation
 */

export { scaffolderModuleKargo as default } from './module';
export { createKargoProjectAction } from './actions/project/createProject';
export { createArgoCdApplicationSetAction } from './actions/applicationSet/createApplicationSet';
