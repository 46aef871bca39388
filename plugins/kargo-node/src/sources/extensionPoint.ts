import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { ArtifactSource } from './types';

/**
 * Lets backend modules add types of warehouse subscription (artifact sources) to the Kargo backend, next to the
 * built-in `image`, `git` and `chart`. A Warehouse then subscribes with
 * `{ name: <name>, <type>: { config: {...} } }`; the freight it makes carries the revisions as `artifacts`.
 *
 * @public
 */
export interface KargoArtifactSourcesExtensionPoint {
  /**
   * Registers sources by their `type`; a type that is already registered (built-in or by another module) is an
   * error at startup.
   */
  addArtifactSources(...sources: ArtifactSource[]): void;
}

/** @public */
export const kargoArtifactSourcesExtensionPoint =
  createExtensionPoint<KargoArtifactSourcesExtensionPoint>({
    id: 'kargo.artifact-sources',
  });
