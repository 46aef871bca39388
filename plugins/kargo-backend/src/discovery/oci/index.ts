export { OciRegistryClient } from './OciRegistryClient';
export type {
  ManifestDescriptor,
  OciRegistryClientOptions,
  RegistryRequestOptions,
} from './OciRegistryClient';
export {
  findRegistryCredentials,
  readRegistryCredentials,
} from './credentials';
export type { RegistryCredentials } from './credentials';
export {
  formatImageRepository,
  normalizeRegistryHost,
  parseImageRepository,
} from './reference';
export type { ImageRepository } from './reference';
export type {
  FetchedManifest,
  ImageConfig,
  ImageIndex,
  ImageManifest,
} from './manifests';
