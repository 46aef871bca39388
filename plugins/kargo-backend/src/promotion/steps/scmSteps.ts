import { Config } from '@backstage/config';
import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';
import { PullRequestProviders } from '../scm/PullRequestProviders';
import { createGitMergePrStep } from './git-merge-pr';
import { createGitOpenPrStep } from './git-open-pr';
import { createGitWaitForPrStep } from './git-wait-for-pr';

/**
 * The pull request steps (`git-open-pr`, `git-wait-for-pr`, `git-merge-pr`), talking to GitHub and GitLab
 * with the credentials of the Backstage integrations in `config` (`integrations.github`,
 * `integrations.gitlab`).
 */
export function scmSteps(deps: { config: Config }): PromotionStepRunner[] {
  const providers = PullRequestProviders.fromConfig(deps.config);
  return [
    createGitOpenPrStep({ providers }),
    createGitWaitForPrStep({ providers }),
    createGitMergePrStep({ providers }),
  ];
}
