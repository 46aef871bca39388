export { spec, createOpenApiRouter } from './router';
