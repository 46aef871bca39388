/**
 * Isomorphic model of the Kargo Portal plugins: Kargo manifest schemas and parser, pipeline ordering, catalog
 * annotations and the API client.
 *
 * @packageDocumentation
 */

export * from './manifests';
// The specs of the built-in subscription types, which the backend's artifact sources validate with.
export {
  chartSubscriptionSchema,
  gitSubscriptionSchema,
  imageSubscriptionSchema,
} from './manifests/subscriptions';
export * from './pipeline';
export * from './annotations';
export * from './api/model';
export * from './api/discovery';
export * from './api/types';
export * from './api/KargoClient';
/**
 * The API's request and response types as generated from its OpenAPI spec
 * (plugins/kargo-backend/src/schema/openapi.yaml), e.g. for test fixtures that must hold only what the backend
 * sends. The client's own types above are checked against them.
 */
export type * as KargoApiSchema from './api/generated/schemas';
export * from './permissions';
export * from './freight';
export * from './promotion/stepAlias';
export * from './semver';
export * from './regexp';
