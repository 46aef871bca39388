import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';
import {
  ScmDoubles,
  startScmDoubles,
} from '../../__testUtils__/doubles/scmDoubles';
import { RepositoryModel } from '../../__testUtils__/doubles/repositoryModel';
import { createStepContext } from '../../__testUtils__/stepContext';
import { PullRequestProviders } from '../scm/PullRequestProviders';
import { createGitMergePrStep } from './git-merge-pr';
import { createGitOpenPrStep } from './git-open-pr';
import { createGitWaitForPrStep } from './git-wait-for-pr';

/**
 * git-open-pr, git-wait-for-pr and git-merge-pr on the providers beside GitHub and GitLab, each through its
 * Backstage integration and API double: the same flow a promotion runs, from the config a user writes.
 */
describe('pull request steps on Gitea, Bitbucket Cloud, Bitbucket Server and Azure DevOps', () => {
  let doubles: ScmDoubles;
  let openPr: PromotionStepRunner;
  let waitForPr: PromotionStepRunner;
  let mergePr: PromotionStepRunner;

  beforeAll(async () => {
    doubles = await startScmDoubles();
    const providers = PullRequestProviders.fromConfig(
      doubles.config,
      doubles.providerOptions,
    );
    openPr = createGitOpenPrStep({ providers });
    waitForPr = createGitWaitForPrStep({ providers });
    mergePr = createGitMergePrStep({ providers });
  });
  afterAll(() => doubles.close());

  const cases: [
    string,
    () => {
      repoURL: string;
      git: RepositoryModel;
      mergeMethod: string;
      provider?: string;
    },
  ][] = [
    [
      'gitea',
      () => ({
        repoURL: 'https://gitea.acme.test/team/gitops.git',
        git: doubles.gitea.addRepository('team/gitops').git,
        mergeMethod: 'squash',
      }),
    ],
    [
      'bitbucket',
      () => ({
        repoURL: 'https://bitbucket.org/acme/gitops.git',
        git: doubles.bitbucket.addRepository('acme/gitops').git,
        mergeMethod: 'merge_commit',
      }),
    ],
    [
      'bitbucket (Server / Data Center)',
      () => ({
        repoURL: `${doubles.bitbucketServer.baseUrl}/scm/PLAT/gitops.git`,
        git: doubles.bitbucketServer.addRepository('PLAT/gitops').git,
        mergeMethod: 'squash',
        provider: 'bitbucket',
      }),
    ],
    [
      'azure',
      () => ({
        repoURL: `${doubles.azure.url}/contoso/Platform/_git/gitops`,
        git: doubles.azure.addRepository('contoso/Platform/gitops').git,
        mergeMethod: 'noFastForward',
      }),
    ],
  ];

  it.each(cases)(
    '%s: opens, waits for and merges a pull request, outputting the merge commit',
    async (name, setup) => {
      const { repoURL, git, mergeMethod, provider = name } = setup();
      git.commit('kargo/promo', 'Promote app to 1.2.3', { 'app.yaml': 'v2' });
      const run = (step: PromotionStepRunner, config: object) =>
        step.run(
          createStepContext(),
          step.parseConfig({ repoURL, provider, ...config }),
        );

      const opened = await run(openPr, {
        sourceBranch: 'kargo/promo',
        targetBranch: 'main',
        title: 'Promote app',
      });
      expect(opened).toMatchObject({
        status: 'Succeeded',
        output: { pr: { id: 1, url: expect.stringContaining('1') } },
      });
      // A second run adopts the open pull request instead of opening another.
      await expect(
        run(openPr, { sourceBranch: 'kargo/promo', targetBranch: 'main' }),
      ).resolves.toMatchObject({ output: { pr: { id: 1 } } });

      await expect(run(waitForPr, { prNumber: 1 })).resolves.toMatchObject({
        status: 'Running',
        message: 'pull request 1 is open',
      });

      const merged = await run(mergePr, { prNumber: 1, mergeMethod });
      expect(merged).toEqual({
        status: 'Succeeded',
        output: { commit: git.head('main')!.sha },
      });
      expect(git.head('main')!.files['app.yaml']).toBe('v2');

      await expect(run(waitForPr, { prNumber: 1 })).resolves.toMatchObject({
        status: 'Succeeded',
        output: {
          pr: { id: 1, open: false, merged: true },
          commit: git.head('main')!.sha,
        },
      });
    },
  );
});
