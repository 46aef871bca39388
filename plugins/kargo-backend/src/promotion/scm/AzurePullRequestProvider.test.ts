import {
  AzureDevOpsApiDouble,
  AzureRepositoryDouble,
  startAzureDevOpsApiDouble,
} from '../../__testUtils__/doubles/azureDevOpsApi';
import { AzurePullRequestProvider } from './AzurePullRequestProvider';
import { ScmApiError } from './types';

describe('AzurePullRequestProvider', () => {
  let azure: AzureDevOpsApiDouble;
  let repo: AzureRepositoryDouble;
  let provider: AzurePullRequestProvider;
  let count = 0;

  beforeAll(async () => {
    azure = await startAzureDevOpsApiDouble();
  });
  afterAll(() => azure.close());

  const headers = (token: string) => ({
    Authorization: `Basic ${Buffer.from(`:${token}`).toString('base64')}`,
  });

  beforeEach(() => {
    count++;
    repo = azure.addRepository(`contoso/Platform/gitops-${count}`);
    provider = new AzurePullRequestProvider({
      collectionUrl: `${azure.url}/contoso`,
      project: 'Platform',
      repository: `gitops-${count}`,
      headers: headers(azure.token),
      completionPollMs: 1,
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
      labels: ['kargo'],
    });

  it('opens a pull request between branch refs, with labels', async () => {
    const head = promotionBranch();
    expect(await open()).toEqual({
      number: 1,
      url: `${azure.url}/contoso/Platform/_git/gitops-${count}/pullrequest/1`,
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
      labels: ['kargo'],
    });
    expect(
      azure.requests[azure.requests.length - 1].query.get('api-version'),
    ).toBe('7.1');
  });

  it('reports a duplicate with Azure DevOps’ explanation', async () => {
    promotionBranch();
    await open();
    const error = await open().catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.status).toBe(409);
    expect(error.message).toContain('TF401179');
  });

  it('finds active and completed pull requests between two branches', async () => {
    promotionBranch();
    await open();
    expect(
      await provider.findOpenPullRequest('kargo/promotion/p1', 'main'),
    ).toMatchObject({ number: 1 });
    const head = repo.git.head('kargo/promotion/p1')!.sha;
    repo.complete(1);
    expect(
      await provider.findOpenPullRequest('kargo/promotion/p1', 'main'),
    ).toBeUndefined();
    expect(
      await provider.findMergedPullRequest('kargo/promotion/p1', 'main', head),
    ).toMatchObject({
      number: 1,
      merged: true,
      mergeCommitSha: repo.git.head('main')!.sha,
    });
  });

  it('completes a pull request whose merge succeeded, with the checked source commit', async () => {
    promotionBranch();
    await open();
    const result = await provider.mergePullRequest(1, {
      mergeMethod: 'squash',
    });
    expect(result).toMatchObject({
      merged: true,
      pullRequest: { merged: true, mergeCommitSha: repo.git.head('main')!.sha },
    });
    const patch = azure.requests.find(request => request.method === 'PATCH')!;
    expect(patch.body).toMatchObject({
      status: 'completed',
      lastMergeSourceCommit: {
        commitId: repo.git.head('kargo/promotion/p1')!.sha,
      },
      completionOptions: { mergeStrategy: 'squash' },
    });
  });

  it('waits while the merge status is not succeeded or the pull request is a draft', async () => {
    promotionBranch();
    await open();
    repo.pull(1)!.mergeStatus = 'queued';
    await expect(provider.mergePullRequest(1)).resolves.toEqual({
      merged: false,
      reason: 'mergeStatus is queued',
    });
    repo.pull(1)!.mergeStatus = undefined;
    repo.pull(1)!.isDraft = true;
    await expect(provider.mergePullRequest(1)).resolves.toMatchObject({
      merged: false,
    });
    expect(repo.pull(1)!.status).toBe('active');
  });

  it('fails on conflicts, an abandoned pull request and an unknown merge strategy', async () => {
    promotionBranch();
    await open();
    await expect(
      provider.mergePullRequest(1, { mergeMethod: 'merge' }),
    ).rejects.toThrow('unsupported merge method "merge"');
    repo.git.commit('main', 'Conflicting', { 'app.yaml': 'image: app:9\n' });
    await expect(provider.mergePullRequest(1)).rejects.toThrow('has conflicts');
    repo.abandon(1);
    await expect(provider.mergePullRequest(1)).rejects.toThrow('abandoned');
  });

  it('reads branch heads (exact names, not prefixes) and whether a branch changes anything', async () => {
    expect(await provider.getBranchHead('kargo')).toBeUndefined();
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
    const wrongHeaders = headers('wrong-pat');
    const wrong = new AzurePullRequestProvider({
      collectionUrl: `${azure.url}/contoso`,
      project: 'Platform',
      repository: `gitops-${count}`,
      headers: wrongHeaders,
    });
    const error = await wrong.getPullRequest(1).catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.status).toBe(401);
    expect(error.message).not.toContain(wrongHeaders.Authorization);
  });
});
