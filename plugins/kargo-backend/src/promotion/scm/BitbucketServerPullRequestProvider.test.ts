import {
  BitbucketServerApiDouble,
  BitbucketServerRepositoryDouble,
  startBitbucketServerApiDouble,
} from '../../__testUtils__/doubles/bitbucketServerApi';
import { BitbucketServerPullRequestProvider } from './BitbucketServerPullRequestProvider';
import { ScmApiError } from './types';

describe('BitbucketServerPullRequestProvider', () => {
  let bitbucket: BitbucketServerApiDouble;
  let repo: BitbucketServerRepositoryDouble;
  let provider: BitbucketServerPullRequestProvider;
  let count = 0;

  beforeAll(async () => {
    bitbucket = await startBitbucketServerApiDouble();
  });
  afterAll(() => bitbucket.close());

  const providerWith = (token: string) =>
    new BitbucketServerPullRequestProvider({
      apiBaseUrl: bitbucket.apiBaseUrl,
      projectKey: 'PLAT',
      repoSlug: `gitops-${count}`,
      headers: { Authorization: `Bearer ${token}` },
    });

  beforeEach(() => {
    count++;
    repo = bitbucket.addRepository(`PLAT/gitops-${count}`);
    provider = providerWith(bitbucket.token);
  });

  const promotionBranch = (name = 'kargo/promotion/p1', file = 'app.yaml') =>
    repo.git.commit(name, 'Promote app to 1.2.3', {
      [file]: 'image: app:1.2.3\n',
    });
  const open = (sourceBranch = 'kargo/promotion/p1') =>
    provider.openPullRequest({
      sourceBranch,
      targetBranch: 'main',
      title: 'Promote',
      description: 'Details',
    });

  it('opens a pull request from refs of the repository', async () => {
    const head = promotionBranch();
    const pull = await open();
    expect(pull).toEqual({
      number: 1,
      url: `${bitbucket.baseUrl}/projects/PLAT/repos/gitops-${count}/pull-requests/1`,
      open: true,
      merged: false,
      mergeCommitSha: undefined,
      headSha: head.sha,
      sourceBranch: 'kargo/promotion/p1',
      targetBranch: 'main',
      createdAt: expect.stringMatching(/^2026-/),
    });
    expect(repo.pull(1)).toMatchObject({
      title: 'Promote',
      description: 'Details',
    });
    // Bitbucket refuses a second open pull request of the same branches and names the first: it is adopted.
    await expect(open()).resolves.toMatchObject({ number: 1 });
    expect(repo.pulls).toHaveLength(1);
  });

  it('refuses labels and reports an unknown branch', async () => {
    promotionBranch();
    await expect(
      provider.openPullRequest({
        sourceBranch: 'kargo/promotion/p1',
        targetBranch: 'main',
        title: 'Promote',
        description: '',
        labels: ['kargo'],
      }),
    ).rejects.toThrow('Bitbucket pull requests have no labels');
    const error = await open('nope').catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.status).toBe(404);
    expect(error.message).toContain('has no branch "nope"');
  });

  it('finds open and merged pull requests by branch, across pages', async () => {
    for (let i = 0; i < 3; i++) {
      promotionBranch(`noise-${i}`, `noise-${i}.yaml`);
      await open(`noise-${i}`);
    }
    promotionBranch();
    for (let i = 0; i < 55; i++) {
      // Pull requests of the same source branch into other targets fill pages the filter must go through.
      repo.git.createBranch(`env-${i}`);
      await provider.openPullRequest({
        sourceBranch: 'kargo/promotion/p1',
        targetBranch: `env-${i}`,
        title: `to env-${i}`,
        description: '',
      });
    }
    await open();
    expect(
      await provider.findOpenPullRequest('kargo/promotion/p1', 'main'),
    ).toMatchObject({ number: 59 });
    const head = repo.git.head('noise-1')!.sha;
    repo.merge(2);
    expect(
      await provider.findOpenPullRequest('noise-1', 'main'),
    ).toBeUndefined();
    expect(
      await provider.findMergedPullRequest('noise-1', 'main', head),
    ).toMatchObject({
      number: 2,
      merged: true,
      mergeCommitSha: repo.git.head('main')!.sha,
    });
    expect(
      await provider.findMergedPullRequest('noise-1', 'main', 'f'.repeat(40)),
    ).toBeUndefined();
  });

  it('merges with the version it read and the chosen strategy, and reports the merge commit', async () => {
    promotionBranch();
    await open();
    const result = await provider.mergePullRequest(1, {
      mergeMethod: 'squash',
    });
    expect(result).toMatchObject({
      merged: true,
      pullRequest: { merged: true, mergeCommitSha: repo.git.head('main')!.sha },
    });
    const merge = bitbucket.requests.find(
      r => r.method === 'POST' && r.rawPath.endsWith('/pull-requests/1/merge'),
    );
    expect(merge?.query.get('version')).toBe('0');
    expect(merge?.body).toEqual({ strategyId: 'squash' });
    // Merged already: the next attempt reports it.
    await expect(provider.mergePullRequest(1)).resolves.toMatchObject({
      merged: true,
    });
  });

  it('waits on a veto and when the pull request changed since it was read', async () => {
    promotionBranch();
    await open();
    repo.pull(1)!.veto = 'Requires 1 approval.';
    await expect(provider.mergePullRequest(1)).resolves.toEqual({
      merged: false,
      reason: 'Requires 1 approval.',
    });
    repo.pull(1)!.veto = undefined;
    // Someone edits the pull request between the read and the merge: Bitbucket refuses the old version.
    let edited = false;
    bitbucket.onRequest = request => {
      if (
        !edited &&
        request.method === 'GET' &&
        request.rawPath.endsWith('/merge')
      ) {
        edited = true;
        repo.pull(1)!.version += 1;
      }
    };
    try {
      await expect(provider.mergePullRequest(1)).resolves.toEqual({
        merged: false,
        reason:
          'You are attempting to modify a pull request based on out-of-date information.',
      });
    } finally {
      bitbucket.onRequest = undefined;
    }
    expect(edited).toBe(true);
    // The next attempt reads the new version and merges.
    await expect(provider.mergePullRequest(1)).resolves.toMatchObject({
      merged: true,
    });
  });

  it('fails on a conflict, an unknown strategy or a declined pull request', async () => {
    promotionBranch();
    await open();
    await expect(
      provider.mergePullRequest(1, { mergeMethod: 'octopus' }),
    ).rejects.toThrow('unsupported merge method "octopus"');
    repo.git.commit('main', 'Conflicting', { 'app.yaml': 'image: app:9\n' });
    const conflict = await provider.mergePullRequest(1).catch(e => e);
    expect(conflict).toBeInstanceOf(ScmApiError);
    expect(conflict.retryable).toBe(false);
    expect(conflict.message).toContain('has conflicts');
    repo.decline(1);
    await expect(provider.mergePullRequest(1)).rejects.toThrow(
      'closed but not merged (state: DECLINED)',
    );
  });

  it('reads branch heads and whether a branch changes anything', async () => {
    expect(await provider.getBranchHead('nope')).toBeUndefined();
    const commit = promotionBranch();
    // A branch whose name contains the wanted one is not it.
    repo.git.createBranch('kargo/promotion/p1-old');
    expect(await provider.getBranchHead('kargo/promotion/p1')).toEqual({
      sha: commit.sha,
      message: 'Promote app to 1.2.3',
    });
    expect(await provider.hasChanges('kargo/promotion/p1', 'main')).toBe(true);
    repo.git.createBranch('same');
    expect(await provider.hasChanges('same', 'main')).toBe(false);
  });

  it('keeps the token out of an authentication error', async () => {
    const error = await providerWith('wrong-token')
      .getPullRequest(1)
      .catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.status).toBe(401);
    expect(error.message).not.toContain('wrong-token');
  });
});
