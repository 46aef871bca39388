import { LoggerService } from '@backstage/backend-plugin-api';
import { ForwardedError, InputError } from '@backstage/errors';
import type { ImageSubscription } from '@kargo-portal/plugin-kargo-common';
import { mapConcurrently } from '../concurrency';
import type { OciRegistryClient } from '../oci/OciRegistryClient';
import type { DiscoveredImageReference, ImageDiscoveryResult } from '../types';
import {
  ImageMetadata,
  ImageMetadataCache,
  ImageReader,
  LruImageMetadataCache,
} from './imageMetadata';
import { PlatformConstraint, platformMatches } from './platform';
import { createImageSelector, ImageSelector } from './selector';

/** What {@link discoverImages} works with. */
export interface ImageDiscoveryDeps {
  /** Shared registry client: it keeps tokens and registry state between polls. */
  client: OciRegistryClient;
  /** Image metadata kept between polls; a process-wide cache by default. */
  cache?: ImageMetadataCache;
  logger?: LoggerService;
  signal?: AbortSignal;
  /**
   * Images read at the same time. Default 20, Kargo's default discovery limit: a poll reads the manifests of the
   * newest 20 tags in one round trip's time rather than three.
   */
  concurrency?: number;
}

const sharedCache = new LruImageMetadataCache();
const DEFAULT_CONCURRENCY = 20;

/** A tagged image, as discovery found it. */
export interface FoundImage extends ImageMetadata {
  tag: string;
}

function matchingPlatform(
  image: ImageMetadata,
  constraint: PlatformConstraint,
) {
  return image.platforms.find(platform =>
    platformMatches(constraint, platform),
  );
}

/**
 * The references reported for found images, best first: the first `limit` (all for 0), each with the image's
 * annotations and, under a platform constraint, the chosen platform's index-entry annotations over them
 * (Kargo's imagesToAPIImages and getAnnotations).
 */
export function imagesToReferences(
  images: readonly FoundImage[],
  limit: number,
  platform?: PlatformConstraint,
): DiscoveredImageReference[] {
  const kept = limit > 0 ? images.slice(0, limit) : images;
  return kept.map(image => {
    const chosen = platform && matchingPlatform(image, platform);
    const annotations = { ...image.annotations, ...chosen?.annotations };
    return {
      tag: image.tag,
      digest: image.digest,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(image.createdAt ? { createdAt: image.createdAt.toISOString() } : {}),
    };
  });
}

/** NewestBuild order: newest build first (no build time counts as oldest), then greatest tag first. */
export function compareNewestBuild(
  a: Pick<FoundImage, 'tag' | 'createdAt'>,
  b: Pick<FoundImage, 'tag' | 'createdAt'>,
): number {
  const at = (image: Pick<FoundImage, 'createdAt'>) =>
    image.createdAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  if (at(a) !== at(b)) return at(a) > at(b) ? -1 : 1;
  if (a.tag === b.tag) return 0;
  return a.tag < b.tag ? 1 : -1;
}

class ImageDiscovery {
  readonly #reader: ImageReader;
  readonly #concurrency: number;

  constructor(
    private readonly selector: ImageSelector,
    deps: ImageDiscoveryDeps,
  ) {
    this.#reader = new ImageReader({
      client: deps.client,
      cache: deps.cache ?? sharedCache,
      signal: deps.signal,
    });
    this.#concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  }

  /** The image of a tag if it exists and suits the platform constraint (Kargo's getImageByTag). */
  async image(tag: string): Promise<FoundImage | undefined> {
    const { repository, platform, cacheByTag } = this.selector;
    let image: ImageMetadata | undefined;
    try {
      image = await this.#reader.byTag(repository, tag, cacheByTag);
    } catch (error) {
      throw new ForwardedError(
        `cannot read image ${repository.registry}/${repository.repository}:${tag}`,
        error,
      );
    }
    if (!image) return undefined;
    if (platform && !matchingPlatform(image, platform)) return undefined;
    return { ...image, tag };
  }

  /** Images of tags tried in order until `limit` suit (all with limit 0); no more reads than needed. */
  async inOrder(tags: string[], limit: number): Promise<FoundImage[]> {
    const wanted = limit > 0 ? limit : tags.length;
    const found: FoundImage[] = [];
    let next = 0;
    while (found.length < wanted && next < tags.length) {
      const batch = tags.slice(next, next + (wanted - found.length));
      next += batch.length;
      const images = await mapConcurrently(batch, this.#concurrency, tag =>
        this.image(tag),
      );
      for (const image of images) if (image) found.push(image);
    }
    return found;
  }

  /** Every candidate's image, newest build first (NewestBuild needs them all to know which is newest). */
  async newestBuilds(tags: string[]): Promise<FoundImage[]> {
    const images = await mapConcurrently(tags, this.#concurrency, tag =>
      this.image(tag),
    );
    const found = images.filter((image): image is FoundImage => !!image);
    return found.sort(compareNewestBuild);
  }
}

/**
 * Discovers the images of an image subscription, best first, at most `discoveryLimit` of them, as Kargo's
 * selectors do (pkg/image): SemVer (newest semantic version satisfying `constraint`), Lexical (greatest tag),
 * NewestBuild (newest build time) and Digest (the current digest of the tag named by `constraint`), each
 * limited by `allowTagsRegexes`/`ignoreTagsRegexes` and `platform`.
 *
 * A digest is the manifest's or index's digest, also when a platform is named (as Kargo records it); an image
 * that is not an index never suits a platform constraint, as in Kargo.
 */
export async function discoverImages(
  subscription: ImageSubscription,
  deps: ImageDiscoveryDeps,
): Promise<ImageDiscoveryResult> {
  const selector = createImageSelector(subscription);
  const { repository, platform, discoveryLimit } = selector;
  const discovery = new ImageDiscovery(selector, deps);
  const result = (images: FoundImage[]): ImageDiscoveryResult => ({
    repoURL: subscription.repoURL,
    ...(subscription.platform ? { platform: subscription.platform } : {}),
    references: imagesToReferences(images, discoveryLimit, platform),
  });
  if (subscription.insecureSkipTLSVerify) {
    deps.logger?.warn(
      `insecureSkipTLSVerify is not supported for image ${subscription.repoURL}: trust the registry's CA with NODE_EXTRA_CA_CERTS instead`,
    );
  }

  if (selector.strategy === 'Digest') {
    if (!selector.mutableTag) {
      throw new InputError(
        `invalid image subscription for "${subscription.repoURL}": constraint must name the tag to follow when imageSelectionStrategy is Digest`,
      );
    }
    const image = await discovery.image(selector.mutableTag);
    return result(image ? [image] : []);
  }

  const tags = await deps.client.listTags(repository, { signal: deps.signal });
  const candidates = selector.candidateTags(tags);
  deps.logger?.debug(
    `image ${repository.registry}/${repository.repository}: ${tags.length} tags, ${candidates.length} candidates (${selector.strategy})`,
  );
  const images =
    selector.strategy === 'NewestBuild'
      ? await discovery.newestBuilds(candidates)
      : await discovery.inOrder(candidates, discoveryLimit);
  return result(images);
}
