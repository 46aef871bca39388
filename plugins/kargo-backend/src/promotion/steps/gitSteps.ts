import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';
import { createGitClearStep } from './git-clear';
import { createGitCloneStep } from './git-clone';
import { createGitCommitStep } from './git-commit';
import { createGitPushStep } from './git-push';
import { createGitTagStep } from './git-tag';
import { GitStepsDeps } from '../stepHelpers/gitWorkTree';

export type { GitStepsDeps } from '../stepHelpers/gitWorkTree';

/**
 * The Git steps that work on a clone in the promotion's work directory: `git-clone`, `git-clear`, `git-commit`,
 * `git-push` and `git-tag`. Credentials come from the step context (`context.credentials.git`).
 */
export function gitSteps(deps: GitStepsDeps): PromotionStepRunner[] {
  return [
    createGitCloneStep(deps),
    createGitClearStep(deps),
    createGitCommitStep(deps),
    createGitPushStep(deps),
    createGitTagStep(deps),
  ];
}
