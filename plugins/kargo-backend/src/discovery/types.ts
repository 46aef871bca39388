/**
 * Discovery results are part of the API model (served by the warehouse routes), so their types live in
 * kargo-common; they are re-exported here for the discovery code.
 */
export type {
  ChartDiscoveryResult,
  DiscoveredArtifacts,
  DiscoveredCommit,
  DiscoveredImageReference,
  GitDiscoveryResult,
  ImageDiscoveryResult,
} from '@kargo-portal/plugin-kargo-common';

/** Username/password (or token) for a registry or repository. Never logged. */
export interface BasicCredentials {
  username: string;
  password: string;
}
