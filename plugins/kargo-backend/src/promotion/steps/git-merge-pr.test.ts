import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';
import {
  ScmDoubles,
  startScmDoubles,
} from '../../__testUtils__/doubles/scmDoubles';
import { createStepContext } from '../../__testUtils__/stepContext';
import { PullRequestProviders } from '../scm/PullRequestProviders';
import { createGitMergePrStep } from './git-merge-pr';

describe('git-merge-pr', () => {
  let doubles: ScmDoubles;
  let step: PromotionStepRunner;
  let repoCount = 0;
  let repoName: string;

  beforeAll(async () => {
    doubles = await startScmDoubles();
    step = createGitMergePrStep({
      providers: PullRequestProviders.fromConfig(doubles.config),
    });
  });
  afterAll(() => doubles.close());

  beforeEach(() => {
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
  const mergeCalls = () =>
    doubles.github.requests.filter(r => r.method === 'PUT').length;

  it('merges and outputs the commit on the target branch', async () => {
    const result = await run({ mergeMethod: 'squash' });
    const main = repo().git.head('main')!;
    expect(result).toEqual({
      status: 'Succeeded',
      output: { commit: main.sha },
    });
    expect(main.message).toBe('Promote (#1)');
    expect(repo().pull(1)!.state).toBe('closed');
  });

  it('fails when the pull request is not ready and wait is off', async () => {
    repo().pull(1)!.mergeableState = 'unknown';
    await expect(run()).resolves.toEqual({
      status: 'Failed',
      message:
        'pull request 1 is not ready to merge and wait is disabled (mergeable_state is unknown)',
    });
  });

  it('keeps running until the pull request becomes mergeable with wait', async () => {
    repo().pull(1)!.mergeableState = 'blocked';
    await expect(run({ wait: true })).resolves.toEqual({
      status: 'Running',
      message: expect.stringContaining('pull request 1 is not ready to merge'),
      retryAfterMs: 10_000,
    });
    await expect(
      run({ wait: true, pollInterval: '2s' }),
    ).resolves.toMatchObject({ status: 'Running', retryAfterMs: 2_000 });

    repo().pull(1)!.mergeableState = undefined;
    const result = await run({ wait: true });
    expect(result).toEqual({
      status: 'Succeeded',
      output: { commit: repo().git.head('main')!.sha },
    });
  });

  it('does not merge twice when run again after a merge', async () => {
    const first = await run();
    const before = mergeCalls();
    await expect(run()).resolves.toEqual(first);
    expect(mergeCalls()).toBe(before);
  });

  it.each([
    [
      'a conflict',
      () => repo().git.commit('main', 'other', { 'app.yaml': 'v3' }),
      'has conflicts and cannot be merged',
    ],
    [
      'a closed pull request',
      () => repo().closePull(1),
      'closed but not merged',
    ],
    [
      'a refused merge method',
      () => repo().allowedMergeMethods.delete('merge'),
      'Merge commits are not allowed',
    ],
  ])('fails on %s, even with wait', async (_, arrange, message) => {
    arrange();
    const result = await run({ wait: true });
    expect(result.status).toBe('Failed');
    expect(result.message).toContain(message);
  });

  it('merges GitLab merge requests, squashed on request', async () => {
    const project = doubles.gitlab.addProject(`team/${repoName}`);
    project.git.commit('feature', 'change', { 'a.yaml': 'a' });
    project.mergeRequests.push({
      id: 1,
      iid: 1,
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
      repoURL: `https://gitlab.acme.test/team/${repoName}`,
      mergeMethod: 'squash',
    };
    project.mergeRequest(1)!.detailedMergeStatus = 'ci_still_running';
    await expect(run({ ...config, wait: true })).resolves.toMatchObject({
      status: 'Running',
    });
    project.mergeRequest(1)!.detailedMergeStatus = undefined;
    const result = await run(config);
    expect(result).toEqual({
      status: 'Succeeded',
      output: { commit: project.mergeRequest(1)!.mergeCommitSha },
    });
    expect(project.mergeRequest(1)!.squashCommitSha).toBeDefined();
  });

  it.each([
    [{ mergeMethod: '' }, 'mergeMethod'],
    [{ wait: 'yes' }, 'wait'],
    [{ pollInterval: 5 }, 'pollInterval'],
    [{ labels: [] }, 'Additional property labels is not allowed'],
  ])('rejects config %j', (config, message) => {
    expect(() =>
      step.parseConfig({
        repoURL: 'https://github.com/a/b',
        prNumber: 1,
        ...config,
      }),
    ).toThrow(message);
  });
});
