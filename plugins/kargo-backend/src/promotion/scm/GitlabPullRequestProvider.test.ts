import {
  GitlabApiDouble,
  GitlabProjectDouble,
  startGitlabApiDouble,
} from '../../__testUtils__/doubles/gitlabApi';
import { GitlabPullRequestProvider } from './GitlabPullRequestProvider';
import { ScmApiError } from './types';

describe('GitlabPullRequestProvider', () => {
  let gitlab: GitlabApiDouble;
  let project: GitlabProjectDouble;
  let provider: GitlabPullRequestProvider;
  let projectCount = 0;

  beforeAll(async () => {
    gitlab = await startGitlabApiDouble();
  });
  afterAll(() => gitlab.close());

  beforeEach(() => {
    projectCount++;
    const path = `platform/deploy/gitops-${projectCount}`;
    project = gitlab.addProject(path);
    provider = new GitlabPullRequestProvider({
      apiBaseUrl: gitlab.apiBaseUrl,
      projectPath: path,
      token: gitlab.token,
    });
  });

  const promotionBranch = (name = 'kargo/promotion/p1', file = 'app.yaml') =>
    project.git.commit(name, 'Promote app to 1.2.3', {
      [file]: 'image: app:1.2.3\n',
    });

  const open = (sourceBranch = 'kargo/promotion/p1') =>
    provider.openPullRequest({
      sourceBranch,
      targetBranch: 'main',
      title: 'Promote',
      description: 'Details',
      labels: ['kargo', 'promotion'],
    });

  it('opens a merge request in a project addressed by its encoded path', async () => {
    promotionBranch();
    const mr = await open();

    expect(mr).toMatchObject({
      number: 1,
      url: `https://gitlab.com/${project.pathWithNamespace}/-/merge_requests/1`,
      open: true,
      merged: false,
      mergeCommitSha: undefined,
      headSha: project.git.head('kargo/promotion/p1')!.sha,
    });
    expect(project.mergeRequest(1)).toMatchObject({
      title: 'Promote',
      description: 'Details',
      labels: ['kargo', 'promotion'],
    });
    expect(gitlab.requests[gitlab.requests.length - 1].rawPath).toBe(
      `/api/v4/projects/${encodeURIComponent(
        project.pathWithNamespace,
      )}/merge_requests`,
    );
  });

  it('reports a duplicate merge request with GitLab’s explanation', async () => {
    promotionBranch();
    await open();
    const error = await open().catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.status).toBe(409);
    expect(error.message).toContain(
      'Another open merge request already exists for this source branch: !1',
    );
  });

  it('finds open and merged merge requests between two branches', async () => {
    const head = promotionBranch();
    const mr = await open();
    await expect(
      provider.findOpenPullRequest('kargo/promotion/p1', 'main'),
    ).resolves.toEqual(mr);
    await expect(
      provider.findOpenPullRequest('kargo/promotion/p1', 'other'),
    ).resolves.toBeUndefined();

    project.merge(mr.number);
    await expect(
      provider.findOpenPullRequest('kargo/promotion/p1', 'main'),
    ).resolves.toBeUndefined();
    await expect(
      provider.findMergedPullRequest('kargo/promotion/p1', 'main', head.sha),
    ).resolves.toMatchObject({ number: mr.number, merged: true });
    await expect(
      provider.findMergedPullRequest(
        'kargo/promotion/p1',
        'main',
        'f'.repeat(40),
      ),
    ).resolves.toBeUndefined();
  });

  it('follows X-Next-Page when listing', async () => {
    const head = promotionBranch();
    for (let iid = 1; iid <= 120; iid++) {
      project.mergeRequests.push({
        id: 10_000 + iid,
        iid,
        title: `old ${iid}`,
        description: '',
        sourceBranch: 'kargo/promotion/p1',
        targetBranch: 'main',
        state: 'merged',
        frozenSha: iid === 2 ? head.sha : 'a'.repeat(40),
        mergeCommitSha: 'b'.repeat(40),
        createdAt: '2026-01-01T00:00:00Z',
        draft: false,
        labels: [],
      });
    }
    const before = gitlab.requests.length;
    await expect(
      provider.findMergedPullRequest('kargo/promotion/p1', 'main', head.sha),
    ).resolves.toMatchObject({ number: 2 });
    expect(gitlab.requests.slice(before).map(r => r.query.get('page'))).toEqual(
      ['1', '2'],
    );
  });

  describe('mergePullRequest', () => {
    let number: number;
    beforeEach(async () => {
      promotionBranch();
      ({ number } = await open());
    });
    const mergeCalls = () =>
      gitlab.requests.filter(r => r.method === 'PUT').length;

    it('merges a mergeable merge request with a merge commit', async () => {
      const result = await provider.mergePullRequest(number);
      const main = project.git.head('main')!;
      expect(result).toEqual({
        merged: true,
        pullRequest: expect.objectContaining({
          merged: true,
          open: false,
          mergeCommitSha: main.sha,
        }),
      });
      expect(main.parents).toHaveLength(2);
    });

    it('squashes when asked', async () => {
      const result = await provider.mergePullRequest(number, {
        mergeMethod: 'squash',
      });
      expect(result.merged).toBe(true);
      expect(project.mergeRequest(number)!.squashCommitSha).toBeDefined();
    });

    it('reports the source head as the commit of a fast-forward merge', async () => {
      project.mergeMethod = 'ff';
      const head = project.git.head('kargo/promotion/p1')!.sha;
      await expect(provider.mergePullRequest(number)).resolves.toEqual({
        merged: true,
        pullRequest: expect.objectContaining({ mergeCommitSha: head }),
      });
      expect(project.git.head('main')!.sha).toBe(head);
    });

    it.each(['ci_still_running', 'not_approved', 'checking'])(
      'waits without a merge attempt while detailed_merge_status is %s',
      async status => {
        project.mergeRequest(number)!.detailedMergeStatus = status;
        const before = mergeCalls();
        await expect(provider.mergePullRequest(number)).resolves.toEqual({
          merged: false,
          reason: `detailed_merge_status is ${status}`,
        });
        expect(mergeCalls()).toBe(before);
      },
    );

    it('waits for a draft', async () => {
      project.mergeRequest(number)!.draft = true;
      await expect(provider.mergePullRequest(number)).resolves.toEqual({
        merged: false,
        reason: 'the merge request is a draft',
      });
    });

    it('returns an already merged merge request', async () => {
      project.merge(number);
      const before = mergeCalls();
      await expect(provider.mergePullRequest(number)).resolves.toMatchObject({
        merged: true,
      });
      expect(mergeCalls()).toBe(before);
    });

    it('fails on a closed merge request', async () => {
      project.close(number);
      await expect(provider.mergePullRequest(number)).rejects.toThrow(
        `merge request ${number} is closed but not merged`,
      );
    });

    it('fails on a merge method GitLab does not offer', async () => {
      const before = gitlab.requests.length;
      await expect(
        provider.mergePullRequest(number, { mergeMethod: 'rebase' }),
      ).rejects.toThrow('unsupported merge method "rebase"');
      expect(gitlab.requests.length).toBe(before);
    });
  });

  it('reads branch heads and compares branches', async () => {
    const commit = promotionBranch('kargo/promotion/x');
    project.git.createBranch('same');
    await expect(provider.getBranchHead('kargo/promotion/x')).resolves.toEqual({
      sha: commit.sha,
      message: 'Promote app to 1.2.3',
    });
    await expect(provider.getBranchHead('nope')).resolves.toBeUndefined();
    await expect(
      provider.hasChanges('kargo/promotion/x', 'main'),
    ).resolves.toBe(true);
    await expect(provider.hasChanges('same', 'main')).resolves.toBe(false);
  });

  it('is refused without the right token, and keeps the token out of the error', async () => {
    const wrong = new GitlabPullRequestProvider({
      apiBaseUrl: gitlab.apiBaseUrl,
      projectPath: project.pathWithNamespace,
      token: 'glpat-wrong',
    });
    const error = await wrong.getPullRequest(1).catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.status).toBe(401);
    expect(error.message).toContain('401 Unauthorized');
    expect(error.message).not.toContain('glpat-wrong');
  });

  it('reports an unknown project as GitLab does', async () => {
    const missing = new GitlabPullRequestProvider({
      apiBaseUrl: gitlab.apiBaseUrl,
      projectPath: 'nobody/nothing',
      token: gitlab.token,
    });
    await expect(missing.getPullRequest(1)).rejects.toThrow(
      '404 Project Not Found',
    );
  });
});
