/**
 * What warehouse subscriptions discover, newest/best first, shaped after Kargo's `DiscoveredArtifacts`
 * (`api/v1alpha1/warehouse_types.go`). Freight is made from the first entry of each subscription (`Automatic`),
 * or users choose among them (`Manual`).
 */

import type { ArtifactReference } from '../freight/types';

/** One image revision found by an image subscription. */
/** @public */
export interface DiscoveredImageReference {
  tag: string;
  /** Digest of the manifest (or of the platform's manifest when the subscription names a platform). */
  digest: string;
  /** OCI annotations of the manifest, when any. */
  annotations?: Record<string, string>;
  /** Creation time from the image config blob (ISO-8601), when it was fetched (always for NewestBuild). */
  createdAt?: string;
}

/** @public */
export interface ImageDiscoveryResult {
  repoURL: string;
  platform?: string;
  references: DiscoveredImageReference[];
}

/** One commit found by a Git subscription. */
/** @public */
export interface DiscoveredCommit {
  /** Full SHA. */
  id: string;
  branch?: string;
  tag?: string;
  /** First line of the commit message. */
  subject?: string;
  author?: string;
  committer?: string;
  /** Commit time for branches, tag creation time for tags (ISO-8601). */
  creatorDate?: string;
}

/** @public */
export interface GitDiscoveryResult {
  repoURL: string;
  commits: DiscoveredCommit[];
}

/** @public */
export interface ChartDiscoveryResult {
  repoURL: string;
  /** Chart name in a classic repository; empty for OCI repositories. */
  name: string;
  semverConstraint?: string;
  versions: string[];
}

/**
 * What a subscription of a type a backend module registers found (Kargo's `DiscoveryResult`), with the type and
 * the label the UI shows for it.
 *
 * @public
 */
export interface GenericDiscoveryResult {
  /** The subscription's type: the field naming it in the Warehouse. */
  type: string;
  /** How the UI names the type. */
  label: string;
  subscriptionName: string;
  artifactReferences: ArtifactReference[];
}

/** Everything a warehouse's subscriptions found in its last successful discovery. @public */
export interface DiscoveredArtifacts {
  discoveredAt: string;
  images?: ImageDiscoveryResult[];
  commits?: GitDiscoveryResult[];
  charts?: ChartDiscoveryResult[];
  /** Results of subscriptions of other types. */
  results?: GenericDiscoveryResult[];
}
