import { ConfigReader } from '@backstage/config';
import {
  isTerminalStepError,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import {
  ScmDoubles,
  startScmDoubles,
} from '../../__testUtils__/doubles/scmDoubles';
import { createStepContext } from '../../__testUtils__/stepContext';
import { PullRequestProviders } from '../scm/PullRequestProviders';
import { createGitWaitForPrStep } from './git-wait-for-pr';

describe('git-wait-for-pr', () => {
  let doubles: ScmDoubles;
  let step: PromotionStepRunner;
  let repoCount = 0;
  let repoName: string;

  beforeAll(async () => {
    doubles = await startScmDoubles();
    step = createGitWaitForPrStep({
      providers: PullRequestProviders.fromConfig(doubles.config),
    });
  });
  afterAll(() => doubles.close());

  beforeEach(async () => {
    repoCount++;
    repoName = `acme/gitops-${repoCount}`;
    const repo = doubles.github.addRepository(repoName);
    repo.git.commit('kargo/promo', 'Promote', { 'app.yaml': 'v2' });
    repo.pulls.push({
      number: 1,
      title: 'Promote',
      body: '',
      head: 'kargo/promo',
      base: 'main',
      state: 'open',
      createdAt: '2026-01-01T00:00:00Z',
      draft: false,
      labels: [],
    });
  });

  const repo = () => doubles.github.repository(repoName)!;
  const run = (config: Record<string, unknown> = {}) =>
    step.run(
      createStepContext(),
      step.parseConfig({
        repoURL: `https://github.com/${repoName}`,
        prNumber: 1,
        ...config,
      }),
    );
  const url = () => `https://github.com/${repoName}/pull/1`;

  it('keeps running while the pull request is open', async () => {
    await expect(run()).resolves.toEqual({
      status: 'Running',
      message: 'pull request 1 is open',
      output: { pr: { id: 1, url: url(), open: true, merged: false } },
      retryAfterMs: 30_000,
    });
    await expect(run({ pollInterval: '1m30s' })).resolves.toMatchObject({
      status: 'Running',
      retryAfterMs: 90_000,
    });
  });

  it('succeeds with the merge commit once merged', async () => {
    await run();
    const commit = repo().mergePull(1);
    await expect(run()).resolves.toEqual({
      status: 'Succeeded',
      output: {
        pr: { id: 1, url: url(), open: false, merged: true },
        commit: commit.sha,
      },
    });
  });

  it('fails when the pull request is closed without merging', async () => {
    repo().closePull(1);
    await expect(run()).resolves.toEqual({
      status: 'Failed',
      message: 'pull request 1 was closed without being merged',
      output: { pr: { id: 1, url: url(), open: false, merged: false } },
    });
  });

  it('waits for GitLab merge requests too', async () => {
    const project = doubles.gitlab.addProject(`team/${repoName}`);
    project.mergeMethod = 'ff';
    project.git.commit('feature', 'change', { 'a.yaml': 'a' });
    project.mergeRequests.push({
      id: 1,
      iid: 3,
      title: 'change',
      description: '',
      sourceBranch: 'feature',
      targetBranch: 'main',
      state: 'opened',
      createdAt: '2026-01-01T00:00:00Z',
      draft: false,
      labels: [],
    });
    const config = {
      repoURL: `https://gitlab.acme.test/team/${repoName}.git`,
      prNumber: 3,
    };
    await expect(run(config)).resolves.toMatchObject({ status: 'Running' });
    project.merge(3);
    await expect(run(config)).resolves.toMatchObject({
      status: 'Succeeded',
      output: { commit: project.git.head('main')!.sha },
    });
  });

  it('ends without retries on a pull request that does not exist', async () => {
    const error = await run({ prNumber: 42 }).catch(e => e);
    expect(isTerminalStepError(error)).toBe(true);
    expect(error.message).toContain('error getting pull request 42');
    expect(error.message).toContain('404');
  });

  it('may retry when the API cannot be reached', async () => {
    const unreachable = createGitWaitForPrStep({
      providers: PullRequestProviders.fromConfig(
        new ConfigReader({
          integrations: {
            github: [
              {
                host: 'github.com',
                apiBaseUrl: 'http://127.0.0.1:9',
                token: 't',
              },
            ],
          },
        }),
      ),
    });
    const error = await unreachable
      .run(
        createStepContext(),
        unreachable.parseConfig({
          repoURL: 'https://github.com/a/b',
          prNumber: 1,
        }),
      )
      .catch(e => e);
    expect(error).toBeInstanceOf(Error);
    expect(isTerminalStepError(error)).toBe(false);
  });

  it.each([
    [{ prNumber: '1' }, 'prNumber'],
    [{ prNumber: 0 }, 'prNumber'],
    [{ prNumber: 1.5 }, 'prNumber'],
    [{ prNumber: 1, pollInterval: 'soon' }, 'pollInterval'],
    [{ prNumber: 1, wait: true }, 'Additional property wait is not allowed'],
  ])('rejects config %j', (config, message) => {
    expect(() =>
      step.parseConfig({ repoURL: 'https://github.com/a/b', ...config }),
    ).toThrow(message);
  });
});
