export { ArtifactChanges } from './ArtifactChanges';
