import { z } from 'zod';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { PullRequestProviders } from '../scm/PullRequestProviders';
import { PullRequest } from '../scm/types';
import {
  goDurationField,
  prNumberField,
  providerFor,
  repositoryFields,
  stepError,
} from '../stepHelpers/pullRequestCommon';

/** Kargo's suggested interval between two looks at an open pull request. */
const DEFAULT_POLL_INTERVAL_MS = 30_000;

/** Kargo's `GitWaitForPRConfig` (schemas/git-wait-for-pr-config.json). */
const gitWaitForPrConfigSchema = z
  .object({
    ...repositoryFields,
    prNumber: prNumberField,
    pollInterval: goDurationField.optional(),
  })
  .strict();

/** The checked config of `git-wait-for-pr` (`pollInterval` in milliseconds). */
export type GitWaitForPrConfig = z.infer<typeof gitWaitForPrConfigSchema>;

/**
 * `git-wait-for-pr`: waits until a pull request is merged (`Succeeded`) or closed without merging
 * (`Failed`). While it is open the step is `Running` and asks to be run again after `pollInterval` (30s).
 * Output, on every run: `pr: { id, url, open, merged }`, and `commit` (the merge commit) once merged.
 */
export function createGitWaitForPrStep(options: {
  providers: PullRequestProviders;
}): PromotionStepRunner<GitWaitForPrConfig> {
  return createPromotionStep({
    name: 'git-wait-for-pr',
    schema: gitWaitForPrConfigSchema,
    run: (context, config) =>
      waitForPullRequest(options.providers, context, config),
  });
}

async function waitForPullRequest(
  providers: PullRequestProviders,
  context: PromotionStepContext,
  config: GitWaitForPrConfig,
): Promise<PromotionStepResult> {
  const provider = await providerFor(providers, context, config);
  let pull: PullRequest;
  try {
    pull = await provider.getPullRequest(config.prNumber);
  } catch (error) {
    throw stepError(error, `getting pull request ${config.prNumber}`);
  }

  const output = waiterOutput(pull);
  if (pull.open) {
    return {
      status: 'Running',
      message: `pull request ${pull.number} is open`,
      output,
      retryAfterMs: config.pollInterval ?? DEFAULT_POLL_INTERVAL_MS,
    };
  }
  if (!pull.merged) {
    return {
      status: 'Failed',
      message: `pull request ${pull.number} was closed without being merged`,
      output,
    };
  }
  context.logger.info(
    `pull request ${pull.number} was merged${
      pull.mergeCommitSha ? ` as ${pull.mergeCommitSha}` : ''
    }`,
  );
  return { status: 'Succeeded', output };
}

/** Kargo's output of `git-wait-for-pr`: `commit` only when the provider reports a merge commit. */
function waiterOutput(pull: PullRequest): Record<string, unknown> {
  return {
    pr: {
      id: pull.number,
      url: pull.url,
      open: pull.open,
      merged: pull.merged,
    },
    ...(pull.mergeCommitSha ? { commit: pull.mergeCommitSha } : {}),
  };
}
