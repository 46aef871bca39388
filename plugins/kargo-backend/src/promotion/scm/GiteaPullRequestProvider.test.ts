import {
  GiteaApiDouble,
  GiteaRepositoryDouble,
  startGiteaApiDouble,
} from '../../__testUtils__/doubles/giteaApi';
import { GiteaPullRequestProvider } from './GiteaPullRequestProvider';
import { ScmApiError } from './types';

describe('GiteaPullRequestProvider', () => {
  let gitea: GiteaApiDouble;
  let repo: GiteaRepositoryDouble;
  let provider: GiteaPullRequestProvider;
  let count = 0;

  beforeAll(async () => {
    gitea = await startGiteaApiDouble();
  });
  afterAll(() => gitea.close());

  const basic = () =>
    `Basic ${Buffer.from(`${gitea.username}:${gitea.password}`).toString(
      'base64',
    )}`;

  beforeEach(() => {
    count++;
    repo = gitea.addRepository(`platform/gitops-${count}`);
    provider = new GiteaPullRequestProvider({
      apiBaseUrl: `${gitea.baseUrl}/api/v1`,
      owner: 'platform',
      repo: `gitops-${count}`,
      authorization: basic(),
      secrets: [gitea.password],
    });
  });

  const promotionBranch = (name = 'kargo/promotion/p1', file = 'app.yaml') =>
    repo.git.commit(name, 'Promote app to 1.2.3', {
      [file]: 'image: app:1.2.3\n',
    });
  const open = (labels: string[] = []) =>
    provider.openPullRequest({
      sourceBranch: 'kargo/promotion/p1',
      targetBranch: 'main',
      title: 'Promote',
      description: 'Details',
      labels,
    });

  it('opens a pull request with labels resolved to the repository’s label ids', async () => {
    promotionBranch();
    const kargoId = repo.addLabel('kargo');
    repo.addLabel('unrelated');
    const pull = await open(['kargo']);
    expect(pull).toMatchObject({
      number: 1,
      url: `https://gitea.acme.test/${repo.fullName}/pulls/1`,
      open: true,
      merged: false,
      headSha: repo.git.head('kargo/promotion/p1')!.sha,
      sourceBranch: 'kargo/promotion/p1',
      targetBranch: 'main',
    });
    expect(repo.pull(1)).toMatchObject({
      title: 'Promote',
      body: 'Details',
      labelIds: [kargoId],
    });
  });

  it('refuses a label the repository does not have, opening nothing', async () => {
    promotionBranch();
    const error = await open(['missing']).catch(e => e);
    expect(error.message).toContain(
      'labels not found in the Gitea repository: missing',
    );
    expect(repo.pulls).toHaveLength(0);
  });

  it('reports a duplicate with Gitea’s explanation', async () => {
    promotionBranch();
    await open();
    const error = await open().catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.status).toBe(409);
    expect(error.message).toContain('pull request already exists');
  });

  it('finds open and merged pull requests between two branches', async () => {
    promotionBranch();
    promotionBranch('other');
    await open();
    expect(
      await provider.findOpenPullRequest('kargo/promotion/p1', 'main'),
    ).toMatchObject({ number: 1 });
    expect(await provider.findOpenPullRequest('other', 'main')).toBeUndefined();
    const head = repo.git.head('kargo/promotion/p1')!.sha;
    repo.merge(1);
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
    expect(
      await provider.findMergedPullRequest('kargo/promotion/p1', 'main', 'f00'),
    ).toBeUndefined();
  });

  it('merges a mergeable pull request with the chosen style and reports the merge commit', async () => {
    promotionBranch();
    await open();
    const result = await provider.mergePullRequest(1, {
      mergeMethod: 'squash',
    });
    expect(result).toMatchObject({
      merged: true,
      pullRequest: { merged: true, mergeCommitSha: repo.git.head('main')!.sha },
    });
    expect(repo.git.head('main')!.parents).toHaveLength(1);
    // Merged already: asking again reports it without merging twice.
    await expect(provider.mergePullRequest(1)).resolves.toMatchObject({
      merged: true,
    });
  });

  it('does not merge yet while Gitea does not report it mergeable', async () => {
    promotionBranch();
    await open();
    repo.pull(1)!.blocked = true;
    await expect(provider.mergePullRequest(1)).resolves.toEqual({
      merged: false,
      reason: 'Gitea does not report it mergeable yet',
    });
    expect(repo.pull(1)!.merged).toBe(false);
  });

  it('refuses a closed pull request and an unknown merge method', async () => {
    promotionBranch();
    await open();
    await expect(
      provider.mergePullRequest(1, { mergeMethod: 'octopus' }),
    ).rejects.toThrow('unsupported merge method "octopus"');
    repo.close(1);
    await expect(provider.mergePullRequest(1)).rejects.toThrow(
      'pull request 1 is closed but not merged',
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
    const wrong = new GiteaPullRequestProvider({
      apiBaseUrl: `${gitea.baseUrl}/api/v1`,
      owner: 'platform',
      repo: `gitops-${count}`,
      authorization: 'Basic d3Jvbmc6c2VjcmV0',
      secrets: ['secret'],
    });
    const error = await wrong.getBranchHead('main').catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain('d3Jvbmc6c2VjcmV0');
  });
});
