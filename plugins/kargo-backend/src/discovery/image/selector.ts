import { InputError } from '@backstage/errors';
import {
  compareSemver,
  parseSemver,
  parseSemverConstraint,
  SemVer,
  SemverConstraint,
} from '@kargo-portal/plugin-kargo-common';
import { ImageRepository, parseImageRepository } from '../oci/reference';
import { parsePlatformConstraint, PlatformConstraint } from './platform';
import { compileTagRegexes, TagFilter, tagFilterOf } from './tagFilter';

/*
 * How an image subscription picks tags, after Kargo's selectors (pkg/image/*_selector.go): which tags count,
 * and in which order they are tried. Building a selector checks the whole subscription first, so that a bad
 * regex or constraint fails before any request is made.
 */

export type ImageSelectionStrategy =
  | 'SemVer'
  | 'Lexical'
  | 'NewestBuild'
  | 'Digest';

const STRATEGIES: readonly string[] = [
  'SemVer',
  'Lexical',
  'NewestBuild',
  'Digest',
];

function isStrategy(text: string): text is ImageSelectionStrategy {
  return STRATEGIES.includes(text);
}

/**
 * The fields of an image subscription a selector reads. An `ImageSubscription` is one; the strategy may also be
 * "" (SemVer, as in Kargo), and `discoveryLimit` 0 means no limit.
 */
export interface ImageSelectorSpec {
  repoURL: string;
  imageSelectionStrategy?: string;
  strictSemvers?: boolean;
  constraint?: string;
  allowTags?: string;
  allowTagsRegexes?: string[];
  ignoreTags?: string[];
  ignoreTagsRegexes?: string[];
  platform?: string;
  discoveryLimit?: number;
  cacheByTag?: boolean;
}

export interface ImageSelector {
  strategy: ImageSelectionStrategy;
  repository: ImageRepository;
  platform?: PlatformConstraint;
  /** How many images to report; 0 for all. */
  discoveryLimit: number;
  /** Whether image metadata may be cached by tag (tags assumed immutable). Never for Digest. */
  cacheByTag: boolean;
  /** Digest strategy: the (mutable) tag followed. */
  mutableTag?: string;
  /** SemVer strategy: the constraint, when there is one. */
  constraint?: SemverConstraint;
  /** Whether a tag is a candidate. */
  matchesTag(tag: string): boolean;
  /**
   * The candidates among listed tags, in the order images are tried: best first for SemVer and Lexical, as
   * listed for NewestBuild (sorted by build time once fetched) and Digest.
   */
  candidateTags(tags: readonly string[]): string[];
}

function byteOrder(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Checks the tag fields in Kargo's order (pkg/image/tag_based_selector.go newTagBasedSelector). */
function buildTagFilter(spec: ImageSelectorSpec): TagFilter {
  const allow = compileTagRegexes(spec.allowTagsRegexes, 'allowTagsRegexes');
  if (spec.allowTags) {
    throw new Error(
      'AllowTags is deprecated and unsupported as of Kargo v1.11.0; use allowTagsRegexes instead (allowTags)',
    );
  }
  const ignore = compileTagRegexes(spec.ignoreTagsRegexes, 'ignoreTagsRegexes');
  if (spec.ignoreTags && spec.ignoreTags.length > 0) {
    throw new Error(
      'IgnoreTags is deprecated and unsupported as of Kargo v1.11.0; use ignoreTagsRegexes instead (ignoreTags)',
    );
  }
  return tagFilterOf(allow, ignore);
}

function semverSelection(spec: ImageSelectorSpec, filter: TagFilter) {
  const strict = spec.strictSemvers ?? false;
  let constraint: SemverConstraint | undefined;
  if (spec.constraint) {
    try {
      constraint = parseSemverConstraint(spec.constraint);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `error parsing semver constraint (constraint): ${reason}`,
      );
    }
  }
  const parse = (tag: string) => parseSemver(tag, { strict });
  const matchesTag = (tag: string) => {
    if (!filter.matches(tag)) return false;
    const version = parse(tag);
    return version !== undefined && (!constraint || constraint.check(version));
  };
  const candidateTags = (tags: readonly string[]) =>
    tags
      .filter(matchesTag)
      .map(tag => parse(tag))
      .filter((v): v is SemVer => v !== undefined)
      .sort((a, b) => compareSemver(b, a) || byteOrder(b.original, a.original))
      .map(v => v.original);
  return { constraint, matchesTag, candidateTags };
}

/**
 * Builds the selector of an image subscription, checking it as Kargo does. Throws an InputError naming the
 * faulty field: unknown strategy, platform, repository, regexes, deprecated fields, constraint.
 */
export function createImageSelector(spec: ImageSelectorSpec): ImageSelector {
  try {
    return buildSelector(spec);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(
      `invalid image subscription for "${spec.repoURL}": ${reason}`,
    );
  }
}

function buildSelector(spec: ImageSelectorSpec): ImageSelector {
  const strategyText = spec.imageSelectionStrategy || 'SemVer';
  if (!isStrategy(strategyText)) {
    throw new Error(
      `invalid image selection strategy "${
        spec.imageSelectionStrategy
      }" (imageSelectionStrategy): use one of ${STRATEGIES.join(', ')}`,
    );
  }
  const strategy = strategyText;
  let platform: PlatformConstraint | undefined;
  if (spec.platform) platform = parsePlatformConstraint(spec.platform);
  let repository: ImageRepository;
  try {
    repository = parseImageRepository(spec.repoURL);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `error creating repository client for image "${spec.repoURL}" (repoURL): ${reason}`,
    );
  }
  const base = {
    strategy,
    repository,
    platform,
    discoveryLimit: spec.discoveryLimit ?? 0,
  };

  if (strategy === 'Digest') {
    // Like Kargo's selector, an empty tag is only refused when discovery runs (the manifest schema refuses it).
    const mutableTag = spec.constraint ?? '';
    return {
      ...base,
      cacheByTag: false,
      mutableTag,
      matchesTag: tag => tag === mutableTag,
      candidateTags: tags => tags.filter(tag => tag === mutableTag),
    };
  }

  const filter = buildTagFilter(spec);
  const cacheByTag = spec.cacheByTag ?? false;
  if (strategy === 'SemVer') {
    return { ...base, cacheByTag, ...semverSelection(spec, filter) };
  }
  const matchesTag = (tag: string) => filter.matches(tag);
  if (strategy === 'Lexical') {
    return {
      ...base,
      cacheByTag,
      matchesTag,
      candidateTags: tags => tags.filter(matchesTag).sort(byteOrder).reverse(),
    };
  }
  return {
    ...base,
    cacheByTag,
    matchesTag,
    candidateTags: tags => tags.filter(matchesTag),
  };
}
