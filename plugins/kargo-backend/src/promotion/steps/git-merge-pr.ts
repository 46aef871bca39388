import { z } from 'zod';
import { isError } from '@backstage/errors';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { PullRequestProviders } from '../scm/PullRequestProviders';
import { MergeResult, ScmApiError } from '../scm/types';
import {
  goDurationField,
  prNumberField,
  providerFor,
  repositoryFields,
} from '../stepHelpers/pullRequestCommon';

/** Kargo's suggested interval between merge attempts while `wait` is on. */
const DEFAULT_POLL_INTERVAL_MS = 10_000;

/** Kargo's `GitMergePRConfig` (schemas/git-merge-pr-config.json). */
const gitMergePrConfigSchema = z
  .object({
    ...repositoryFields,
    prNumber: prNumberField,
    wait: z.boolean().optional(),
    pollInterval: goDurationField.optional(),
    mergeMethod: z.string().min(1).optional(),
  })
  .strict();

/** The checked config of `git-merge-pr` (`pollInterval` in milliseconds). */
export type GitMergePrConfig = z.infer<typeof gitMergePrConfigSchema>;

/**
 * `git-merge-pr`: merges a pull request, with `mergeMethod` when given (GitHub: `merge`, `squash`, `rebase`;
 * GitLab: `merge`, `squash`). Output: `commit`, the commit the merge left on the target branch.
 *
 * A pull request that is not mergeable yet (checks pending, approvals missing, mergeability still being
 * computed) fails the step, or with `wait: true` makes it `Running` to try again after `pollInterval` (10s).
 * A pull request that can never be merged (closed, conflicting, a refused merge method) fails it. A pull
 * request that is already merged, by an earlier run that crashed or by a person, succeeds without a second
 * merge.
 */
export function createGitMergePrStep(options: {
  providers: PullRequestProviders;
}): PromotionStepRunner<GitMergePrConfig> {
  return createPromotionStep({
    name: 'git-merge-pr',
    schema: gitMergePrConfigSchema,
    run: (context, config) =>
      mergePullRequest(options.providers, context, config),
  });
}

async function mergePullRequest(
  providers: PullRequestProviders,
  context: PromotionStepContext,
  config: GitMergePrConfig,
): Promise<PromotionStepResult> {
  const provider = await providerFor(providers, context, config);
  let result: MergeResult;
  try {
    result = await provider.mergePullRequest(config.prNumber, {
      mergeMethod: config.mergeMethod,
    });
  } catch (error) {
    if (error instanceof ScmApiError && error.retryable) {
      throw new Error(
        `error merging pull request ${config.prNumber}: ${error.message}`,
        { cause: error },
      );
    }
    // As in Kargo, everything else (closed, conflicts, refused, not found, bad credentials) ends the step.
    return {
      status: 'Failed',
      message: `error merging pull request ${config.prNumber}: ${
        isError(error) ? error.message : String(error)
      }`,
    };
  }

  if (!result.merged) {
    if (config.wait) {
      return {
        status: 'Running',
        message: `pull request ${config.prNumber} is not ready to merge: ${result.reason}`,
        retryAfterMs: config.pollInterval ?? DEFAULT_POLL_INTERVAL_MS,
      };
    }
    return {
      status: 'Failed',
      message: `pull request ${config.prNumber} is not ready to merge and wait is disabled (${result.reason})`,
    };
  }

  const commit = result.pullRequest.mergeCommitSha ?? '';
  context.logger.info(
    `pull request ${config.prNumber} is merged${commit ? ` as ${commit}` : ''}`,
  );
  return { status: 'Succeeded', output: { commit } };
}
