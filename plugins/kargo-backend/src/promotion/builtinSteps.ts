import { Config } from '@backstage/config';
import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';
import { ArgoCdClusters } from '../argocd/ArgoCdClusters';
import { OciRegistryClient, readRegistryCredentials } from '../discovery/oci';
import { GitClient } from '../git/GitClient';
import { PullRequestProviders } from './scm/PullRequestProviders';
import { GitStepsDeps } from './stepHelpers/gitWorkTree';
import { ExpressionEvaluator } from './stepHelpers/parseFileOutputs';
import { createArgoCdUpdateStep } from './steps/argocd-update';
import { createArgoCdWaitStep } from './steps/argocd-wait';
import { createComposeOutputStep } from './steps/compose-output';
import { createCopyStep } from './steps/copy';
import { createDeleteStep } from './steps/delete';
import { createFailStep } from './steps/fail';
import { createFileWriteStep } from './steps/file-write';
import { createGitClearStep } from './steps/git-clear';
import { createGitCloneStep } from './steps/git-clone';
import { createGitCommitStep } from './steps/git-commit';
import { createGitMergePrStep } from './steps/git-merge-pr';
import { createGitOpenPrStep } from './steps/git-open-pr';
import { createGitPushStep } from './steps/git-push';
import { createGithubPushStep } from './steps/github-push';
import { createGitTagStep } from './steps/git-tag';
import { createGitWaitForPrStep } from './steps/git-wait-for-pr';
import { createHelmTemplateStep } from './steps/helm-template';
import { createHelmUpdateChartStep } from './steps/helm-update-chart';
import { createHttpStep } from './steps/http';
import { createHttpDownloadStep } from './steps/http-download';
import { createJsonParseStep } from './steps/json-parse';
import { createJsonUpdateStep } from './steps/json-update';
import { createKustomizeBuildStep } from './steps/kustomize-build';
import { createKustomizeSetImageStep } from './steps/kustomize-set-image';
import { createTarStep } from './steps/tar';
import { createUntarStep } from './steps/untar';
import { createTomlParseStep } from './steps/toml-parse';
import { createTomlUpdateStep } from './steps/toml-update';
import { createOciDownloadStep } from './steps/oci-download';
import { createOciPushStep } from './steps/oci-push';
import { createSetFreightAliasStep } from './steps/set-freight-alias';
import { createSetMetadataStep } from './steps/set-metadata';
import { createYamlMergeStep } from './steps/yaml-merge';
import { createYamlParseStep } from './steps/yaml-parse';
import { createYamlUpdateStep } from './steps/yaml-update';

/** What the built-in steps need from the backend. */
export interface BuiltinPromotionStepsOptions {
  /** The Backstage config: its GitHub and GitLab integrations are used by the pull request steps. */
  config: Config;
  /** Runs git for the Git steps (its identity is the default author of commits and tags). */
  git: GitClient;
  /** Wait before push attempt `attempt` after the remote branch moved (Kargo's backoff when unset). */
  pushBackoffMs?: (attempt: number) => number;
  /** Evaluates the `fromExpression`s of `yaml-parse` and `json-parse`. */
  evaluateExpression: ExpressionEvaluator;
  /**
   * The Argo CD clusters of the Argo CD steps; read from `config` (`kargo.argocd`, `kubernetes`) when the first
   * Argo CD step runs when unset.
   */
  argoCdClusters?: ArgoCdClusters;
  /** Wait between two looks at an Argo CD sync in progress (default 5 s). */
  argoCdPollIntervalMs?: number;
}

/**
 * Kargo's built-in promotion steps, one per file under `steps/` named by its `uses:` name. The step registry
 * holds them next to the steps of backend modules.
 */
export function builtinPromotionSteps(
  options: BuiltinPromotionStepsOptions,
): PromotionStepRunner[] {
  const { evaluateExpression } = options;
  const git: GitStepsDeps = {
    git: options.git,
    pushBackoffMs: options.pushBackoffMs,
  };
  const providers = PullRequestProviders.fromConfig(options.config);
  let ociClient: OciRegistryClient | undefined;
  const registryClient = () => {
    ociClient ??= OciRegistryClient.create({
      credentials: readRegistryCredentials(options.config),
    });
    return ociClient;
  };
  const tools = {
    kustomize: options.config.getOptionalString(
      'kargo.promotions.tools.kustomize',
    ),
    helm: options.config.getOptionalString('kargo.promotions.tools.helm'),
  };
  let argoCdClusters = options.argoCdClusters;
  const clusters = () => {
    argoCdClusters ??= ArgoCdClusters.fromConfig(options.config);
    return argoCdClusters;
  };
  return [
    // Git working trees in the promotion's work directory.
    createGitCloneStep(git),
    createGitClearStep(git),
    createGitCommitStep(git),
    createGitPushStep(git),
    createGitTagStep(git),
    createGithubPushStep({
      ...git,
      github: repoURL => providers.githubRepository(repoURL),
      settings: {
        maxRevisions: options.config.getOptionalNumber(
          'kargo.promotions.githubPush.maxRevisions',
        ),
        verifyUntrustedCommits: options.config.getOptionalBoolean(
          'kargo.promotions.githubPush.verifyUntrustedCommits',
        ),
      },
    }),
    // Pull requests, through the SCM integrations.
    createGitOpenPrStep({ providers }),
    createGitWaitForPrStep({ providers }),
    createGitMergePrStep({ providers }),
    // Files of the work directory.
    createCopyStep(),
    createDeleteStep(),
    createFileWriteStep(),
    createYamlUpdateStep(),
    createJsonUpdateStep(),
    createYamlParseStep({ evaluateExpression }),
    createJsonParseStep({ evaluateExpression }),
    createTomlUpdateStep(),
    createTomlParseStep({ evaluateExpression }),
    createYamlMergeStep(),
    createKustomizeSetImageStep(),
    // Renderers: the kustomize and helm programs.
    createKustomizeBuildStep(tools),
    createHelmTemplateStep(tools),
    createHelmUpdateChartStep({
      helm: tools.helm,
      credentials: () => readRegistryCredentials(options.config),
    }),
    createTarStep(),
    createUntarStep(),
    // The promotion itself.
    createComposeOutputStep(),
    createSetMetadataStep(),
    createSetFreightAliasStep(),
    createFailStep(),
    createHttpStep(),
    createHttpDownloadStep(),
    // OCI registries, with the credentials of kargo.registries.
    createOciDownloadStep({ client: registryClient }),
    createOciPushStep({ client: registryClient }),
    // Argo CD, through the Kubernetes API of its clusters.
    createArgoCdUpdateStep({
      clusters,
      pollIntervalMs: options.argoCdPollIntervalMs,
    }),
    createArgoCdWaitStep({
      clusters,
      pollIntervalMs: options.argoCdPollIntervalMs,
    }),
  ];
}
