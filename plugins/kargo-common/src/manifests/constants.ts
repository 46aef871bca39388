/** The API version of every Kargo manifest the portal accepts. @public */
export const KARGO_API_VERSION = 'kargo.akuity.io/v1alpha1';
