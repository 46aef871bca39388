import { z } from 'zod';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { PullRequestProviders } from '../scm/PullRequestProviders';
import { PullRequest, ScmApiError } from '../scm/types';
import {
  providerFor,
  repositoryFields,
  stepError,
} from '../stepHelpers/pullRequestCommon';

/** Kargo's `GitOpenPRConfig` (schemas/git-open-pr-config.json). */
const gitOpenPrConfigSchema = z
  .object({
    ...repositoryFields,
    sourceBranch: z.string().min(1),
    targetBranch: z.string().min(1),
    /**
     * Deprecated in Kargo and a no-op there too; accepted so Kargo's own examples load. A missing target branch
     * fails the step with a message that says the field did not create it.
     */
    createTargetBranch: z.boolean().optional(),
    title: z.string().min(1).optional(),
    description: z.string().min(1).optional(),
    labels: z.array(z.string().min(1)).optional(),
  })
  .strict();

/** The checked config of `git-open-pr`. */
export type GitOpenPrConfig = z.infer<typeof gitOpenPrConfigSchema>;

/**
 * `git-open-pr`: opens a pull request (merge request on GitLab) from `sourceBranch` into `targetBranch`.
 * Output: `pr: { id, url }`, which `git-wait-for-pr` and `git-merge-pr` take as `prNumber`.
 *
 * Opening is idempotent, as in Kargo: an open pull request between the same branches, or one already merged
 * from the current head of the source branch, is adopted instead of opening another. That is what makes a
 * re-run after a backend crash safe. When the source branch changes nothing on the target the step is
 * `Skipped` (there would be nothing to review). Without `title`, the first line of the source branch's head
 * commit message is the title and the rest the description.
 */
export function createGitOpenPrStep(options: {
  providers: PullRequestProviders;
}): PromotionStepRunner<GitOpenPrConfig> {
  return createPromotionStep({
    name: 'git-open-pr',
    schema: gitOpenPrConfigSchema,
    run: (context, config) =>
      openPullRequest(options.providers, context, config),
  });
}

async function openPullRequest(
  providers: PullRequestProviders,
  context: PromotionStepContext,
  config: GitOpenPrConfig,
): Promise<PromotionStepResult> {
  const provider = await providerFor(providers, context, config);
  const { sourceBranch, targetBranch } = config;
  const succeeded = (pull: PullRequest): PromotionStepResult => ({
    status: 'Succeeded',
    output: { pr: { id: pull.number, url: pull.url } },
  });

  try {
    const sourceHead = await provider.getBranchHead(sourceBranch);
    if (!sourceHead) {
      throw new Error(`source branch "${sourceBranch}" does not exist`);
    }

    const existing =
      (await provider.findOpenPullRequest(sourceBranch, targetBranch)) ??
      (await provider.findMergedPullRequest(
        sourceBranch,
        targetBranch,
        sourceHead.sha,
      ));
    if (existing) {
      context.logger.info(
        `adopting existing pull request #${existing.number} (${existing.url})`,
      );
      return succeeded(existing);
    }

    if (!(await provider.getBranchHead(targetBranch))) {
      throw new Error(
        `target branch "${targetBranch}" does not exist${
          config.createTargetBranch
            ? ' (createTargetBranch does not create it: the field is deprecated and does nothing, in Kargo too; push the branch first, e.g. with git-push)'
            : ''
        }`,
      );
    }
    if (!(await provider.hasChanges(sourceBranch, targetBranch))) {
      return {
        status: 'Skipped',
        message: `no changes between ${sourceBranch} and ${targetBranch}`,
      };
    }

    const { title, description } = titleAndDescription(
      config,
      sourceHead.message,
    );
    let pull: PullRequest;
    try {
      pull = await provider.openPullRequest({
        sourceBranch,
        targetBranch,
        title,
        description,
        labels: config.labels,
      });
    } catch (error) {
      // Another run (a replica that resumed the same promotion) may have opened it in between.
      const raced = await provider.findOpenPullRequest(
        sourceBranch,
        targetBranch,
      );
      if (raced && error instanceof ScmApiError && !error.retryable) {
        return succeeded(raced);
      }
      throw error;
    }
    context.logger.info(`opened pull request #${pull.number} (${pull.url})`);
    return succeeded(pull);
  } catch (error) {
    throw stepError(
      error,
      `opening a pull request from ${sourceBranch} into ${targetBranch}`,
    );
  }
}

/**
 * Kargo's defaults: without a title, the first line of the head commit's message is the title and the
 * remainder the description (unless a description is configured); with a title, the description defaults to
 * the whole message.
 */
function titleAndDescription(
  config: GitOpenPrConfig,
  apiMessage: string,
): { title: string; description: string } {
  // Kargo reads the message with `git log --pretty=format:%B` (git_pr_opener.go), which gives it as Git stores
  // it, ending in a newline; hosting APIs may leave that newline out. The description is the same either way.
  const commitMessage = apiMessage.endsWith('\n')
    ? apiMessage
    : `${apiMessage}\n`;
  if (config.title) {
    return {
      title: config.title,
      description: config.description ?? commitMessage,
    };
  }
  const newline = commitMessage.indexOf('\n');
  const firstLine =
    newline === -1 ? commitMessage : commitMessage.slice(0, newline);
  const rest = newline === -1 ? '' : commitMessage.slice(newline + 1);
  return { title: firstLine, description: config.description ?? rest };
}
