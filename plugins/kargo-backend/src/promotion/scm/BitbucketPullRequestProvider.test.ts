import {
  BitbucketApiDouble,
  BitbucketRepositoryDouble,
  startBitbucketApiDouble,
} from '../../__testUtils__/doubles/bitbucketApi';
import { BitbucketPullRequestProvider } from './BitbucketPullRequestProvider';
import { ScmApiError } from './types';

describe('BitbucketPullRequestProvider', () => {
  let bitbucket: BitbucketApiDouble;
  let repo: BitbucketRepositoryDouble;
  let provider: BitbucketPullRequestProvider;
  let count = 0;

  beforeAll(async () => {
    bitbucket = await startBitbucketApiDouble();
  });
  afterAll(() => bitbucket.close());

  const headers = (token: string) => ({
    Authorization: `Basic ${Buffer.from(
      `${bitbucket.username}:${token}`,
    ).toString('base64')}`,
  });

  beforeEach(() => {
    count++;
    repo = bitbucket.addRepository(`acme/gitops-${count}`);
    provider = new BitbucketPullRequestProvider({
      apiBaseUrl: bitbucket.apiBaseUrl,
      workspace: 'acme',
      repoSlug: `gitops-${count}`,
      headers: headers(bitbucket.token),
    });
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

  it('opens a pull request and reports full commit hashes, not Bitbucket’s abbreviated ones', async () => {
    const head = promotionBranch();
    const pull = await open();
    expect(pull).toEqual({
      number: 1,
      url: `https://bitbucket.org/${repo.fullName}/pull-requests/1`,
      open: true,
      merged: false,
      mergeCommitSha: undefined,
      headSha: head.sha,
      sourceBranch: 'kargo/promotion/p1',
      targetBranch: 'main',
      createdAt: expect.any(String),
    });
    expect(repo.pull(1)).toMatchObject({
      title: 'Promote',
      description: 'Details',
    });
  });

  it('refuses labels, which Bitbucket pull requests do not have', async () => {
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
    expect(repo.pulls).toHaveLength(0);
  });

  it('finds open and merged pull requests by branch through the query language, across pages', async () => {
    for (let i = 0; i < 55; i++) {
      promotionBranch(`noise-${i}`, `noise-${i}.yaml`);
      await open(`noise-${i}`);
    }
    promotionBranch('feature "quoted"');
    await open('feature "quoted"');
    expect(
      await provider.findOpenPullRequest('feature "quoted"', 'main'),
    ).toMatchObject({ number: 56 });
    const head = repo.git.head('noise-3')!.sha;
    repo.merge(4);
    expect(
      await provider.findOpenPullRequest('noise-3', 'main'),
    ).toBeUndefined();
    expect(
      await provider.findMergedPullRequest('noise-3', 'main', head),
    ).toMatchObject({
      number: 4,
      merged: true,
      mergeCommitSha: repo.git.head('main')!.sha,
    });
    expect(
      await provider.findMergedPullRequest('noise-3', 'main', 'f'.repeat(40)),
    ).toBeUndefined();
  });

  it('merges with the chosen strategy and reports the full merge commit', async () => {
    promotionBranch();
    await open();
    const result = await provider.mergePullRequest(1, {
      mergeMethod: 'squash',
    });
    expect(result).toMatchObject({
      merged: true,
      pullRequest: { merged: true, mergeCommitSha: repo.git.head('main')!.sha },
    });
    await expect(provider.mergePullRequest(1)).resolves.toMatchObject({
      merged: true,
    });
  });

  it('waits on an unmet merge check and fails on a conflict or a declined pull request', async () => {
    promotionBranch();
    await open();
    repo.pull(1)!.unmetMergeCheck = 'You need 1 approval to merge.';
    await expect(provider.mergePullRequest(1)).resolves.toEqual({
      merged: false,
      reason: 'You need 1 approval to merge.',
    });
    repo.pull(1)!.unmetMergeCheck = undefined;
    repo.git.commit('main', 'Conflicting', { 'app.yaml': 'image: app:9\n' });
    await expect(provider.mergePullRequest(1)).rejects.toThrow(
      'There are merge conflicts',
    );
    await expect(
      provider.mergePullRequest(1, { mergeMethod: 'octopus' }),
    ).rejects.toThrow('unsupported merge method "octopus"');
    repo.decline(1);
    await expect(provider.mergePullRequest(1)).rejects.toThrow(
      'closed but not merged (state: DECLINED)',
    );
  });

  it('reads branch heads and whether a branch changes anything', async () => {
    expect(await provider.getBranchHead('nope')).toBeUndefined();
    const commit = promotionBranch();
    expect(await provider.getBranchHead('kargo/promotion/p1')).toEqual({
      sha: commit.sha,
      message: 'Promote app to 1.2.3',
    });
    expect(await provider.hasChanges('kargo/promotion/p1', 'main')).toBe(true);
    repo.git.createBranch('same');
    expect(await provider.hasChanges('same', 'main')).toBe(false);
  });

  it('keeps the credentials out of an authentication error', async () => {
    const wrongHeaders = headers('wrong-token');
    const wrong = new BitbucketPullRequestProvider({
      apiBaseUrl: bitbucket.apiBaseUrl,
      workspace: 'acme',
      repoSlug: `gitops-${count}`,
      headers: wrongHeaders,
    });
    const error = await wrong.getPullRequest(1).catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.status).toBe(401);
    expect(error.message).not.toContain(wrongHeaders.Authorization);
  });
});
