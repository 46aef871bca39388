export { discoverImages } from './discoverImages';
export type { ImageDiscoveryDeps } from './discoverImages';
export { LruImageMetadataCache } from './imageMetadata';
export type { ImageMetadata, ImageMetadataCache } from './imageMetadata';
export { createImageSelector } from './selector';
export type {
  ImageSelectionStrategy,
  ImageSelector,
  ImageSelectorSpec,
} from './selector';
