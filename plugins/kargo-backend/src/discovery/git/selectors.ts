import {
  compareSemver,
  compileGoRegexp,
  type GoRegexp,
  parseSemver,
  parseSemverConstraint,
  type GitSubscription,
  type SemVer,
  type SemverConstraint,
} from '@kargo-portal/plugin-kargo-common';
import { matchesPaths, pathSelectors, type PathMatcher } from './pathFilters';

/*
 * Commit selection for Git subscriptions, after Kargo's pkg/controller/git/commit (base, newest-from-branch,
 * tag-based, lexical, semver and newest-tag selectors). Everything here is pure: listing commits, tags and changed
 * paths is injected, so the same rules run against a real mirror and against Kargo's test vectors.
 */

/** Evaluates an expr-lang expression against an environment (Kargo's `expressionFilter`). */
export type FilterEvaluator = (
  expression: string,
  env: Record<string, unknown>,
) => unknown;

/** Checks that an expression compiles, throwing the problem when it does not. */
export type FilterCompiler = (expression: string) => void;

/** A commit as `git log` describes it. */
export interface CommitMetadata {
  id: string;
  commitDate: Date;
  /** `Name <email>`. */
  author: string;
  /** `Name <email>`. */
  committer: string;
  subject: string;
}

/** A tag as `git for-each-ref` describes it. */
export interface TagMetadata {
  tag: string;
  /** The commit the tag points at (through the tag object for annotated tags). */
  id: string;
  /** Creation time of an annotated tag, commit time of a lightweight one. */
  creatorDate: Date;
  author: string;
  committer: string;
  subject: string;
  /** `Name <email>` of an annotated tag's tagger; empty for lightweight tags. */
  tagger: string;
  /** First line of an annotated tag's message; empty for lightweight tags. */
  annotation: string;
}

/**
 * The parts of a Git subscription selection reads. `allowTags` and `ignoreTags` are refused as Kargo's selector
 * refuses them; loaded manifests never carry them here, as the manifest loader reads them as their `…Regexes`
 * equivalents (with a deprecation warning).
 */
export type GitSelection = Pick<
  GitSubscription,
  | 'repoURL'
  | 'commitSelectionStrategy'
  | 'branch'
  | 'strictSemvers'
  | 'semverConstraint'
  | 'allowTagsRegexes'
  | 'ignoreTagsRegexes'
  | 'expressionFilter'
  | 'includePaths'
  | 'excludePaths'
  | 'discoveryLimit'
  | 'since'
> & { allowTags?: string; ignoreTags?: string[] };

/** A subscription compiled for selection. Build it with {@link compileSelector}. */
export interface GitSelector {
  strategy: GitSubscription['commitSelectionStrategy'];
  branch: string;
  discoveryLimit: number;
  since?: Date;
  include?: PathMatcher;
  exclude?: PathMatcher;
  allowTags: GoRegexp[];
  ignoreTags: GoRegexp[];
  strictSemvers: boolean;
  constraint?: SemverConstraint;
  /** Decides whether an environment passes the expression filter; absent when there is no filter. */
  filter?: (env: Record<string, unknown>) => boolean;
}

const BRANCH_PREFIX = 'refs/heads/';
const TAG_PREFIX = 'refs/tags/';
const HEAD_REF = 'HEAD';

/** Above this many matching tags Kargo stops recording tag refs for change detection. */
export const MAX_OBSERVED_TAGS = 1000;

/** Subjects in discovered commits are cut to this length (Kargo's `shortenString(subject, 80)`). */
export const SUBJECT_LENGTH = 80;

const TAG_STRATEGIES = new Set(['SemVer', 'Lexical', 'NewestTag']);

const errorMessage = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

function compileRegexes(sources: readonly string[] | undefined): GoRegexp[] {
  return (sources ?? []).map(source => {
    try {
      // Go RE2 syntax, as Kargo compiles these, matched in linear time.
      return compileGoRegexp(source);
    } catch (error) {
      throw new Error(
        `error compiling regular expression "${source}": ${errorMessage(
          error,
        )}`,
      );
    }
  });
}

/** Go's `strconv.ParseBool`, which Kargo applies to a filter's non-boolean result. */
function parseGoBool(text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new Error(`strconv.ParseBool: parsing "${text}": invalid syntax`);
}

function filterResult(result: unknown): boolean {
  if (typeof result === 'boolean') return result;
  return parseGoBool(
    result === null || result === undefined ? '<nil>' : String(result),
  );
}

/**
 * Compiles a subscription into a selector, failing as Kargo's selector constructors do: an expression that does
 * not compile, a path selector or tag regex that does not parse, the removed `allowTags` / `ignoreTags` fields,
 * an invalid SemVer constraint.
 */
export function compileSelector(
  subscription: GitSelection,
  options: {
    evaluateFilter?: FilterEvaluator;
    compileFilter?: FilterCompiler;
  } = {},
): GitSelector {
  const expression = subscription.expressionFilter ?? '';
  let filter: GitSelector['filter'];
  if (expression !== '') {
    const evaluate = options.evaluateFilter;
    if (!evaluate) {
      throw new Error(
        'error compiling filter expression: no expression evaluator is available to this Git discovery',
      );
    }
    try {
      options.compileFilter?.(expression);
    } catch (error) {
      throw new Error(
        `error compiling filter expression: ${errorMessage(error)}`,
      );
    }
    filter = env => filterResult(evaluate(expression, env));
  }

  let include: PathMatcher | undefined;
  let exclude: PathMatcher | undefined;
  try {
    include = pathSelectors(subscription.includePaths);
  } catch (error) {
    throw new Error(
      `error parsing include path selectors: ${errorMessage(error)}`,
    );
  }
  try {
    exclude = pathSelectors(subscription.excludePaths);
  } catch (error) {
    throw new Error(
      `error parsing exclude path selectors: ${errorMessage(error)}`,
    );
  }

  const strategy = subscription.commitSelectionStrategy ?? 'NewestFromBranch';
  const selector: GitSelector = {
    strategy,
    branch: subscription.branch ?? '',
    discoveryLimit: subscription.discoveryLimit ?? 20,
    since: subscription.since ? new Date(subscription.since) : undefined,
    include,
    exclude,
    allowTags: [],
    ignoreTags: [],
    strictSemvers: subscription.strictSemvers ?? true,
    filter,
  };
  if (!TAG_STRATEGIES.has(strategy)) return selector;

  selector.allowTags = compileRegexes(subscription.allowTagsRegexes);
  if (subscription.allowTags) {
    throw new Error(
      'AllowTags is deprecated and unsupported as of v1.11.0; use AllowTagsRegexes instead',
    );
  }
  selector.ignoreTags = compileRegexes(subscription.ignoreTagsRegexes);
  if (subscription.ignoreTags && subscription.ignoreTags.length > 0) {
    throw new Error(
      'IgnoreTags is deprecated and unsupported as of v1.11.0; use IgnoreTagsRegexes instead',
    );
  }
  if (strategy === 'SemVer' && subscription.semverConstraint) {
    try {
      selector.constraint = parseSemverConstraint(
        subscription.semverConstraint,
      );
    } catch (error) {
      throw new Error(
        `error parsing semver constraint "${
          subscription.semverConstraint
        }": ${errorMessage(error)}`,
      );
    }
  }
  return selector;
}

function hasPathFilters(selector: GitSelector): boolean {
  return selector.include !== undefined || selector.exclude !== undefined;
}

/** Kargo's `MatchesPaths` for this selector. */
export function selectorMatchesPaths(
  selector: GitSelector,
  changedPaths: readonly string[],
): boolean {
  return matchesPaths(selector, changedPaths);
}

function semverOf(selector: GitSelector, tag: string): SemVer | undefined {
  return parseSemver(tag, { strict: selector.strictSemvers });
}

/**
 * Whether a tag name (with or without `refs/tags/`) passes the selector's ignore and allow regexes (ignore first;
 * no allow regex allows all), and for SemVer is a version satisfying the constraint.
 */
export function matchesTag(selector: GitSelector, ref: string): boolean {
  const tag = ref.startsWith(TAG_PREFIX) ? ref.slice(TAG_PREFIX.length) : ref;
  if (selector.ignoreTags.some(regex => regex.test(tag))) return false;
  if (
    selector.allowTags.length > 0 &&
    !selector.allowTags.some(regex => regex.test(tag))
  ) {
    return false;
  }
  if (selector.strategy !== 'SemVer') return true;
  const version = semverOf(selector, tag);
  if (!version) return false;
  return !selector.constraint || selector.constraint.check(version);
}

/**
 * Whether a pushed ref (from a webhook, say) concerns the subscription: `refs/heads/<branch>` for NewestFromBranch
 * (`main` or `master` when no branch is set), a matching `refs/tags/...` for the tag strategies.
 */
export function matchesRef(selector: GitSelector, ref: string): boolean {
  if (selector.strategy === 'NewestFromBranch') {
    if (!ref.startsWith(BRANCH_PREFIX)) return false;
    const branch = ref.slice(BRANCH_PREFIX.length);
    if (selector.branch === '') return branch === 'main' || branch === 'master';
    return branch === selector.branch;
  }
  if (!ref.startsWith(TAG_PREFIX)) return false;
  return matchesTag(selector, ref);
}

/** A ref as `git ls-remote` lists it. */
export interface RemoteRef {
  name: string;
  id: string;
}

/** What a subscription watches of a remote's refs, to tell cheaply whether anything changed. */
export type ObservedRefs =
  | { branchHead: string }
  | { tags: Array<{ name: string; id: string }> };

/** The ls-remote patterns that {@link observeRefs} needs. */
export function observedRefPatterns(selector: GitSelector): string[] {
  if (selector.strategy !== 'NewestFromBranch') return [`${TAG_PREFIX}*`];
  return [selector.branch ? `${BRANCH_PREFIX}${selector.branch}` : HEAD_REF];
}

/**
 * Kargo's `ListRefs`: the head of the watched branch, or the matching tags sorted by name. `null` when the branch
 * does not exist, or when more than {@link MAX_OBSERVED_TAGS} tags match (change detection is then off).
 */
export function observeRefs(
  selector: GitSelector,
  remoteRefs: readonly RemoteRef[],
): ObservedRefs | null {
  if (selector.strategy === 'NewestFromBranch') {
    const ref = selector.branch
      ? `${BRANCH_PREFIX}${selector.branch}`
      : HEAD_REF;
    const found = remoteRefs.find(r => r.name === ref);
    return found ? { branchHead: found.id } : null;
  }
  const tags: Array<{ name: string; id: string }> = [];
  for (const ref of remoteRefs) {
    if (!ref.name.startsWith(TAG_PREFIX) || ref.name.endsWith('^{}')) continue;
    const name = ref.name.slice(TAG_PREFIX.length);
    if (matchesTag(selector, name)) tags.push({ name, id: ref.id });
  }
  if (tags.length > MAX_OBSERVED_TAGS) return null;
  tags.sort((a, b) => compareBytes(a.name, b.name));
  return { tags };
}

/** Go's `strings.Compare`: byte-wise over UTF-8. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Kargo's `shortenString`: cut to `length` with a trailing "..." when longer (and `length` is at least 3). */
export function shortenString(text: string, length: number): string {
  if (length >= 3 && Buffer.byteLength(text) > length) {
    return `${Buffer.from(text, 'utf8')
      .subarray(0, length - 3)
      .toString('utf8')}...`;
  }
  return text;
}

function trim<T>(items: T[], limit: number): T[] {
  return limit <= 0 || items.length <= limit ? items : items.slice(0, limit);
}

function passesFilter(
  selector: GitSelector,
  env: Record<string, unknown>,
  what: string,
): boolean {
  if (!selector.filter) return true;
  try {
    return selector.filter(env);
  } catch (error) {
    throw new Error(`${what}: ${errorMessage(error)}`);
  }
}

/** Where {@link selectBranchCommits} reads history from. */
export interface BranchHistory {
  /** First-parent history of the branch, newest first. */
  listCommits(options: {
    skip: number;
    limit: number;
    since?: Date;
  }): Promise<CommitMetadata[]>;
  /** Paths a commit changed (against its first parent). */
  diffPaths(id: string): Promise<string[]>;
}

/**
 * NewestFromBranch: walks the branch's history newest first in growing batches, keeping commits that pass the
 * expression filter and the path filters, until `discoveryLimit` are found or history ends.
 */
export async function selectBranchCommits(
  selector: GitSelector,
  history: BranchHistory,
): Promise<CommitMetadata[]> {
  const limit = selector.discoveryLimit;
  const selected: CommitMetadata[] = [];
  for (
    let skip = 0, batch = Math.max(limit, 1);
    ;
    skip += batch, batch = Math.min(batch * 2, 1000)
  ) {
    const commits = await history.listCommits({
      skip,
      limit: batch,
      since: selector.since,
    });
    if (commits.length === 0) break;
    if (!hasPathFilters(selector) && !selector.filter) {
      return trim(commits, limit);
    }
    for (const commit of commits) {
      const env = {
        id: commit.id,
        commitDate: commit.commitDate,
        author: commit.author,
        committer: commit.committer,
        subject: commit.subject,
      };
      if (!passesFilter(selector, env, 'error evaluating filter expression')) {
        continue;
      }
      if (hasPathFilters(selector)) {
        let changed: string[];
        try {
          changed = await history.diffPaths(commit.id);
        } catch (error) {
          throw new Error(
            `error getting diff paths for commit "${commit.id}": ${errorMessage(
              error,
            )}`,
          );
        }
        if (!selectorMatchesPaths(selector, changed)) continue;
      }
      selected.push(commit);
      if (selected.length >= limit) return trim(selected, limit);
    }
    if (commits.length < batch) break;
  }
  return trim(selected, limit);
}

/**
 * The tag strategies: allow/ignore (and SemVer) filtering, the expression filter, the strategy's order (Lexical:
 * descending bytes; SemVer: descending precedence, ties by descending original text; NewestTag: the listing's own
 * newest-first order), then the path filters until `discoveryLimit` tags are kept.
 */
export async function selectTags(
  selector: GitSelector,
  tags: readonly TagMetadata[],
  diffPaths: (id: string) => Promise<string[]>,
): Promise<TagMetadata[]> {
  let selected = tags.filter(tag => matchesTag(selector, tag.tag));
  if (selector.filter) {
    selected = selected.filter(tag =>
      passesFilter(
        selector,
        {
          tag: tag.tag,
          id: tag.id,
          creatorDate: tag.creatorDate,
          author: tag.author,
          committer: tag.committer,
          subject: tag.subject,
          tagger: tag.tagger,
          annotation: tag.annotation,
        },
        'error filtering tags by expression: error evaluating tag filter expression',
      ),
    );
  }
  if (selector.strategy === 'Lexical') {
    selected.sort((a, b) => compareBytes(b.tag, a.tag));
  } else if (selector.strategy === 'SemVer') {
    const versioned = selected.flatMap(tag => {
      const version = semverOf(selector, tag.tag);
      return version ? [{ tag, version }] : [];
    });
    versioned.sort(
      (a, b) =>
        compareSemver(b.version, a.version) ||
        compareBytes(b.tag.tag, a.tag.tag),
    );
    selected = versioned.map(({ tag }) => tag);
  }
  if (!hasPathFilters(selector) || selected.length === 0) {
    return trim(selected, selector.discoveryLimit);
  }
  const kept: TagMetadata[] = [];
  for (const tag of selected) {
    let changed: string[];
    try {
      changed = await diffPaths(tag.id);
    } catch (error) {
      throw new Error(
        `error filtering tags by paths: error getting diff paths for tag "${
          tag.tag
        }": ${errorMessage(error)}`,
      );
    }
    if (selectorMatchesPaths(selector, changed)) kept.push(tag);
    if (kept.length >= selector.discoveryLimit) break;
  }
  return kept;
}
