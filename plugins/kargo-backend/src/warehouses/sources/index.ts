import { ArtifactSource } from '@kargo-portal/plugin-kargo-node';
import { ArtifactSourceRegistry } from './ArtifactSourceRegistry';
import { WarehouseDiscoverers, builtInArtifactSources } from './builtInSources';

export {
  ArtifactSourceRegistry,
  collectArtifacts,
} from './ArtifactSourceRegistry';
export type { ResolvedSubscription } from './ArtifactSourceRegistry';
export {
  builtInArtifactSources,
  chartSource,
  gitSource,
  imageSource,
} from './builtInSources';
export type { WarehouseDiscoverers } from './builtInSources';

/** The registry of the built-in types discovering with `discoverers`, and of `more` (modules' types). */
export function artifactSources(
  discoverers: WarehouseDiscoverers,
  ...more: ArtifactSource[]
): ArtifactSourceRegistry {
  return ArtifactSourceRegistry.create(
    builtInArtifactSources(discoverers),
    more,
  );
}
