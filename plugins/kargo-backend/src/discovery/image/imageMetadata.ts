import { ForwardedError } from '@backstage/errors';
import { mapConcurrently } from '../concurrency';
import type { OciRegistryClient } from '../oci/OciRegistryClient';
import {
  FetchedManifest,
  ImageConfig,
  imageConfigSchema,
} from '../oci/manifests';
import { ImageRepository } from '../oci/reference';

/*
 * What discovery needs to know of an image: its digest, build time, annotations and platforms, read the way
 * Kargo reads them (pkg/image/repository_client.go): the config blob's `created` (or a later creation label, or
 * a creation annotation) for a single image; for an index, each platform's image, the newest of their times
 * unless the index is annotated with its own.
 */

const CREATED_ANNOTATION = 'org.opencontainers.image.created';
const LEGACY_BUILD_DATE = 'org.label-schema.build-date';
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const RFC3339 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export interface ImagePlatform {
  os: string;
  arch: string;
  variant?: string;
  createdAt?: Date;
  /** Annotations of the index entry. */
  annotations?: Record<string, string>;
}

export interface ImageMetadata {
  /** Digest of the manifest or index the tag points at. */
  digest: string;
  createdAt?: Date;
  annotations?: Record<string, string>;
  /** The platforms of an index; empty for a single image. */
  platforms: ImagePlatform[];
}

/** Where image metadata is kept between polls: by digest (immutable), and by tag when a subscription allows. */
export interface ImageMetadataCache {
  get(key: string): ImageMetadata | undefined;
  set(key: string, value: ImageMetadata): void;
}

/** An in-memory cache that forgets the least recently used entries beyond `maxEntries`. */
export class LruImageMetadataCache implements ImageMetadataCache {
  readonly #entries = new Map<string, ImageMetadata>();

  constructor(private readonly maxEntries = 10_000) {}

  get(key: string): ImageMetadata | undefined {
    const value = this.#entries.get(key);
    if (value) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: ImageMetadata): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.maxEntries) break;
      this.#entries.delete(oldest);
    }
  }
}

/** A creation time from annotations or labels, RFC 3339 as Go's time.RFC3339 reads it. */
export function creationTimeFrom(
  metadata: Record<string, string> | null | undefined,
): Date | undefined {
  for (const key of [CREATED_ANNOTATION, LEGACY_BUILD_DATE]) {
    const text = metadata?.[key];
    if (text !== undefined && RFC3339.test(text)) {
      const time = new Date(text);
      if (!Number.isNaN(time.getTime())) return time;
    }
  }
  return undefined;
}

/**
 * Kargo's getCreationTime: a creation annotation of the manifest wins; otherwise the config's `created`, or a
 * creation label when that is later.
 */
export function imageCreationTime(
  annotations: Record<string, string> | undefined,
  config: ImageConfig,
): Date | undefined {
  const annotated = creationTimeFrom(annotations);
  if (annotated) return annotated;
  const created =
    config.created && RFC3339.test(config.created)
      ? new Date(config.created)
      : undefined;
  const labelled = creationTimeFrom(config.config?.Labels);
  if (labelled && (!created || labelled > created)) return labelled;
  return created;
}

function isKnown(value: string | undefined): value is string {
  return value !== undefined && value !== '' && value !== 'unknown';
}

export interface ImageReaderOptions {
  client: OciRegistryClient;
  cache: ImageMetadataCache;
  signal?: AbortSignal;
}

/** Reads image metadata from a registry, by tag or by digest, through the cache. */
export class ImageReader {
  constructor(private readonly options: ImageReaderOptions) {}

  /**
   * The image a tag points at, or undefined when the tag does not exist. With `cacheByTag`, a tag seen before is
   * not asked for again (Kargo's `cacheByTag`: only for tags that never move).
   */
  async byTag(
    repo: ImageRepository,
    tag: string,
    cacheByTag: boolean,
  ): Promise<ImageMetadata | undefined> {
    const tagKey = `${repo.registry}/${repo.repository}:${tag}`;
    if (cacheByTag) {
      const cached = this.options.cache.get(tagKey);
      if (cached) return cached;
    }
    const manifest = await this.options.client.getManifest(repo, tag, {
      signal: this.options.signal,
    });
    if (!manifest) return undefined;
    const image = await this.#fromManifest(repo, manifest, 0);
    if (cacheByTag) this.options.cache.set(tagKey, image);
    return image;
  }

  async #byDigest(
    repo: ImageRepository,
    digest: string,
    depth: number,
  ): Promise<ImageMetadata> {
    const cached = this.options.cache.get(digest);
    if (cached) return cached;
    const manifest = await this.options.client.getManifest(repo, digest, {
      signal: this.options.signal,
    });
    if (!manifest) {
      throw new Error(
        `image index of ${repo.repository} refers to ${digest}, which the registry does not have`,
      );
    }
    return this.#fromManifest(repo, manifest, depth);
  }

  async #fromManifest(
    repo: ImageRepository,
    manifest: FetchedManifest,
    depth: number,
  ): Promise<ImageMetadata> {
    const cached = this.options.cache.get(manifest.digest);
    if (cached) return cached;
    const image =
      manifest.kind === 'image'
        ? await this.#single(repo, manifest)
        : await this.#index(repo, manifest, depth);
    this.options.cache.set(manifest.digest, image);
    return image;
  }

  async #single(
    repo: ImageRepository,
    manifest: Extract<FetchedManifest, { kind: 'image' }>,
  ): Promise<ImageMetadata> {
    const { config: descriptor, annotations } = manifest.manifest;
    const bytes = await this.options.client.getBlob(repo, descriptor.digest, {
      maxBytes: MAX_CONFIG_BYTES,
      signal: this.options.signal,
    });
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new ForwardedError(
        `config ${descriptor.digest} of image ${manifest.digest} is not JSON`,
        error,
      );
    }
    const config = imageConfigSchema.safeParse(json);
    return {
      digest: manifest.digest,
      createdAt: imageCreationTime(
        annotations,
        config.success ? config.data : {},
      ),
      annotations,
      platforms: [],
    };
  }

  async #index(
    repo: ImageRepository,
    manifest: Extract<FetchedManifest, { kind: 'index' }>,
    depth: number,
  ): Promise<ImageMetadata> {
    if (depth > 2) {
      throw new Error(`image index ${manifest.digest} nests too deeply`);
    }
    // Like Kargo, entries without a real platform (attestations have "unknown") are not images to run.
    const entries = manifest.index.manifests.filter(
      entry =>
        isKnown(entry.platform?.os) && isKnown(entry.platform?.architecture),
    );
    if (entries.length === 0) {
      throw new Error(
        `image index ${manifest.digest} of ${repo.repository} lists no platform: empty V2 manifest lists and OCI indexes are not supported`,
      );
    }
    const platforms = await mapConcurrently(entries, 4, async entry => {
      const child = await this.#byDigest(repo, entry.digest, depth + 1);
      const platform: ImagePlatform = {
        os: entry.platform?.os ?? '',
        arch: entry.platform?.architecture ?? '',
        variant: entry.platform?.variant,
        createdAt: creationTimeFrom(entry.annotations) ?? child.createdAt,
        annotations: entry.annotations,
      };
      return platform;
    });
    let newest: Date | undefined;
    for (const { createdAt } of platforms) {
      if (createdAt && (!newest || createdAt > newest)) newest = createdAt;
    }
    return {
      digest: manifest.digest,
      createdAt: creationTimeFrom(manifest.index.annotations) ?? newest,
      annotations: manifest.index.annotations,
      platforms,
    };
  }
}
