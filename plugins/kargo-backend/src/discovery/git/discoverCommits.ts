import type { GitSubscription } from '@kargo-portal/plugin-kargo-common';
import type { GitCredentialsLookup } from '../../git/credentials';
import { redactUrl } from '../../git/redact';
import type { DiscoveredCommit, GitDiscoveryResult } from '../types';
import type { GitMirrorCache } from './GitMirrorCache';
import {
  compileSelector,
  selectBranchCommits,
  selectTags,
  shortenString,
  SUBJECT_LENGTH,
  type FilterCompiler,
  type FilterEvaluator,
} from './selectors';

/** What {@link discoverCommits} needs. @public */
export interface GitDiscoveryDeps {
  /** Where repositories are mirrored between polls. */
  mirrors: GitMirrorCache;
  /** Credentials for the repository URL (e.g. {@link credentialsFromIntegrations}). */
  credentials?: GitCredentialsLookup;
  /**
   * Evaluates `expressionFilter` (expr-lang) against a commit's or tag's fields. Its result is used as Kargo uses
   * it: a boolean as is, anything else through Go's `strconv.ParseBool` of its text. Without it, a subscription
   * with a filter fails.
   */
  evaluateFilter?: FilterEvaluator;
  /** Checks that `expressionFilter` compiles before any repository is fetched. */
  compileFilter?: FilterCompiler;
  signal?: AbortSignal;
}

function iso(date: Date): string {
  // RFC 3339 in UTC with whole seconds, as Kargo's metav1.Time serializes.
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Discovers the commits a Git subscription selects, best first, at most `discoveryLimit` of them, the way Kargo's
 * commit selectors do:
 *
 * - `NewestFromBranch`: the first-parent history of `branch` (the remote's default branch when empty), optionally
 *   from `since`, filtered by `expressionFilter` (`id`, `commitDate`, `author`, `committer`, `subject`) and by
 *   `includePaths` / `excludePaths`;
 * - `SemVer`, `Lexical`, `NewestTag`: tags filtered by `allowTagsRegexes` / `ignoreTagsRegexes` (and for SemVer by
 *   `semverConstraint` and `strictSemvers`), by `expressionFilter` (`tag`, `id`, `creatorDate`, `author`,
 *   `committer`, `subject`, `tagger`, `annotation`), ordered by the strategy, then by the path filters.
 *
 * @public
 */
export async function discoverCommits(
  subscription: GitSubscription,
  deps: GitDiscoveryDeps,
): Promise<GitDiscoveryResult> {
  const selector = compileSelector(subscription, deps);
  const { repoURL } = subscription;
  const credentials = await deps.credentials?.(repoURL);
  const access = {
    credentials,
    insecureSkipTLSVerify: subscription.insecureSkipTLSVerify,
    blobless: subscription.blobless,
    signal: deps.signal,
  };

  const commits = await deps.mirrors.withMirror(
    repoURL,
    access,
    async mirror => {
      if (selector.strategy === 'NewestFromBranch') {
        const branch = selector.branch || mirror.defaultBranch;
        if (!branch) {
          throw new Error(
            `error cloning git repo "${redactUrl(
              repoURL,
            )}": the repository has no default branch`,
          );
        }
        if (!(await mirror.hasBranch(branch))) {
          throw new Error(
            `error cloning git repo "${redactUrl(
              repoURL,
            )}": remote branch "${branch}" not found`,
          );
        }
        const selected = await selectBranchCommits(selector, {
          listCommits: options => mirror.listCommits(branch, options),
          diffPaths: id => mirror.diffPaths(id),
        }).catch(error => {
          throw new Error(
            `error selecting relevant commits from branch: ${
              error instanceof Error ? error.message : String(error)
            }`,
          );
        });
        return selected.map(
          (commit): DiscoveredCommit => ({
            id: commit.id,
            ...(selector.branch ? { branch: selector.branch } : {}),
            subject: shortenString(commit.subject, SUBJECT_LENGTH),
            author: commit.author,
            committer: commit.committer,
            creatorDate: iso(commit.commitDate),
          }),
        );
      }
      const tags = await selectTags(selector, await mirror.listTags(), id =>
        mirror.diffPaths(id),
      );
      return tags.map(
        (tag): DiscoveredCommit => ({
          id: tag.id,
          tag: tag.tag,
          subject: shortenString(tag.subject, SUBJECT_LENGTH),
          author: tag.author,
          committer: tag.committer,
          creatorDate: iso(tag.creatorDate),
        }),
      );
    },
  );
  return { repoURL, commits };
}
