/**
 * The Freight artifact model, with the field names of Kargo's `kargo.akuity.io/v1alpha1` Freight
 * (`api/v1alpha1/freight_types.go`, `stage_types.go`, `warehouse_types.go`).
 *
 * @packageDocumentation
 */

import { FreightOrigin } from '../manifests/types';

/**
 * A specific commit of a Git repository, as Freight carries it.
 *
 * @public
 */
export interface GitCommit {
  /** URL of the repository. Normalized (not stored normalized) when the Freight id is computed. */
  repoURL: string;
  /** The commit's full SHA. */
  id: string;
  /** The branch the commit was found on, when the subscription follows a branch. */
  branch?: string;
  /** The tag the commit was found by; part of the Freight id when set. */
  tag?: string;
  message?: string;
  author?: string;
  committer?: string;
  /**
   * Name of the warehouse subscription that discovered the commit. Part of the Freight id when
   * non-empty; an empty or missing name gives the same id as Kargo versions without this field.
   */
  subscriptionName?: string;
}

/**
 * A specific version of a container image, as Freight carries it.
 *
 * @public
 */
export interface Image {
  /** Repository of the image, e.g. `ghcr.io/example/app`. Hashed as given, not normalized. */
  repoURL: string;
  /** The tag; may be empty when only the digest is known. */
  tag: string;
  /** The digest, e.g. `sha256:...`; may be empty when only the tag is known. */
  digest: string;
  /** Arbitrary metadata about the image (not part of the Freight id). */
  annotations?: Record<string, string>;
  /** Name of the warehouse subscription that discovered the image; see {@link GitCommit.subscriptionName}. */
  subscriptionName?: string;
}

/**
 * A specific version of a Helm chart, as Freight carries it.
 *
 * @public
 */
export interface Chart {
  /**
   * URL of a classic (HTTP/S) chart repository, or of an OCI repository (`oci://...`), which then
   * points at one chart and leaves {@link Chart.name} empty.
   */
  repoURL: string;
  /** Name of the chart within a classic repository; empty for OCI repositories. */
  name: string;
  version: string;
  /** Name of the warehouse subscription that discovered the chart; see {@link GitCommit.subscriptionName}. */
  subscriptionName?: string;
}

/**
 * A specific revision of a generic artifact discovered by a custom subscriber (Kargo's
 * `ArtifactReference`).
 *
 * @public
 */
export interface ArtifactReference {
  /** Type of the artifact, often but not always its media type. */
  artifactType: string;
  /** Name of the subscription that discovered the artifact; always part of the Freight id. */
  subscriptionName: string;
  /** Identifies the revision of the artifact. */
  version: string;
  /** Mostly opaque attributes, understood by the subscriber that produced them (not part of the id). */
  metadata?: Record<string, unknown>;
}

/**
 * The artifacts a piece of Freight bundles: everything its id is computed from, apart from its
 * origin.
 *
 * @public
 */
export interface FreightArtifacts {
  commits?: GitCommit[];
  images?: Image[];
  charts?: Chart[];
  artifacts?: ArtifactReference[];
}

/**
 * An immutable bundle of artifact versions that moves through the stages of a project.
 *
 * @public
 */
export interface Freight {
  /** Content id: SHA-1 of the origin and artifacts, computed exactly as Kargo does (40 hex digits). */
  id: string;
  /** Human-friendly name (`<descriptor>-<animal>`), unique within the project. */
  alias: string;
  /** The project (Kargo namespace) the Freight belongs to. */
  project: string;
  /** The warehouse that produced the Freight. */
  origin: FreightOrigin;
  commits: GitCommit[];
  images: Image[];
  charts: Chart[];
  /** Generic artifacts from custom subscribers, when there are any. */
  artifacts?: ArtifactReference[];
  /** ISO-8601 time the Freight was created (discovered). */
  createdAt: string;
}
