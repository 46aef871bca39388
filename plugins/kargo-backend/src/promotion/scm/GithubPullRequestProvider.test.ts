import {
  GithubApiDouble,
  GithubRepositoryDouble,
  startGithubApiDouble,
} from '../../__testUtils__/doubles/githubApi';
import { GithubPullRequestProvider } from './GithubPullRequestProvider';
import { ScmApiError } from './types';

describe('GithubPullRequestProvider', () => {
  let github: GithubApiDouble;
  let repo: GithubRepositoryDouble;
  let provider: GithubPullRequestProvider;

  beforeAll(async () => {
    github = await startGithubApiDouble();
  });
  afterAll(() => github.close());

  beforeEach(() => {
    repo = github.addRepository('acme/gitops');
    provider = new GithubPullRequestProvider({
      apiBaseUrl: github.apiBaseUrl,
      owner: 'acme',
      repo: 'gitops',
      token: github.token,
    });
  });

  const promotionBranch = (name = 'kargo/promotion/p1', file = 'app.yaml') =>
    repo.git.commit(name, 'Promote app to 1.2.3\n\nBody line', {
      [file]: 'image: app:1.2.3\n',
    });

  it('opens a pull request with title, body and labels', async () => {
    promotionBranch();
    const pull = await provider.openPullRequest({
      sourceBranch: 'kargo/promotion/p1',
      targetBranch: 'main',
      title: 'Promote',
      description: 'Details',
      labels: ['kargo', 'promotion'],
    });

    expect(pull).toMatchObject({
      number: 1,
      url: 'https://github.com/acme/gitops/pull/1',
      open: true,
      merged: false,
      mergeCommitSha: undefined,
      headSha: repo.git.head('kargo/promotion/p1')!.sha,
      sourceBranch: 'kargo/promotion/p1',
      targetBranch: 'main',
    });
    expect(repo.pull(1)).toMatchObject({
      title: 'Promote',
      body: 'Details',
      head: 'kargo/promotion/p1',
      base: 'main',
      labels: ['kargo', 'promotion'],
    });
  });

  it('reports GitHub validation errors with their explanation', async () => {
    const error = await provider
      .openPullRequest({
        sourceBranch: 'missing',
        targetBranch: 'main',
        title: 't',
        description: '',
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.status).toBe(422);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('Validation Failed: head is invalid');
  });

  it('finds the open pull request between two branches, not others', async () => {
    promotionBranch('a');
    promotionBranch('b');
    repo.git.createBranch('stage/prod');
    await provider.openPullRequest({
      sourceBranch: 'a',
      targetBranch: 'main',
      title: 'a',
      description: '',
    });
    const wanted = await provider.openPullRequest({
      sourceBranch: 'b',
      targetBranch: 'main',
      title: 'b',
      description: '',
    });
    await provider.openPullRequest({
      sourceBranch: 'b',
      targetBranch: 'stage/prod',
      title: 'b to prod',
      description: '',
    });

    await expect(provider.findOpenPullRequest('b', 'main')).resolves.toEqual(
      wanted,
    );
    await expect(
      provider.findOpenPullRequest('c', 'main'),
    ).resolves.toBeUndefined();
    repo.closePull(wanted.number);
    await expect(
      provider.findOpenPullRequest('b', 'main'),
    ).resolves.toBeUndefined();
  });

  it('finds a merged pull request by its head commit, across pages', async () => {
    const head = promotionBranch('p');
    // 150 closed pull requests from the same branch fill the first page of 100.
    for (let n = 1; n <= 150; n++) {
      repo.pulls.push({
        number: n,
        title: `old ${n}`,
        body: '',
        head: 'p',
        base: 'main',
        state: 'closed',
        frozenHeadSha: n === 3 ? head.sha : `${'0'.repeat(39)}${n % 10}`,
        mergedAt: '2026-01-01T00:00:00Z',
        mergeCommitSha: 'c'.repeat(40),
        createdAt: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}Z`,
        draft: false,
        labels: [],
      });
    }

    const before = github.requests.length;
    const found = await provider.findMergedPullRequest('p', 'main', head.sha);
    expect(found).toMatchObject({ number: 3, merged: true, open: false });
    expect(github.requests.slice(before).map(r => r.query.get('page'))).toEqual(
      [null, '2'],
    );
    await expect(
      provider.findMergedPullRequest('p', 'main', 'f'.repeat(40)),
    ).resolves.toBeUndefined();
  });

  it('reads a pull request; the merge commit only once merged', async () => {
    promotionBranch();
    const { number } = await provider.openPullRequest({
      sourceBranch: 'kargo/promotion/p1',
      targetBranch: 'main',
      title: 't',
      description: '',
    });
    await expect(provider.getPullRequest(number)).resolves.toMatchObject({
      open: true,
      merged: false,
      mergeCommitSha: undefined,
    });

    const mergeCommit = repo.mergePull(number, 'squash');
    await expect(provider.getPullRequest(number)).resolves.toMatchObject({
      open: false,
      merged: true,
      mergeCommitSha: mergeCommit.sha,
    });

    const missing = await provider.getPullRequest(99).catch(e => e);
    expect(missing).toBeInstanceOf(ScmApiError);
    expect(missing.status).toBe(404);
  });

  describe('mergePullRequest', () => {
    let number: number;
    beforeEach(async () => {
      promotionBranch();
      ({ number } = await provider.openPullRequest({
        sourceBranch: 'kargo/promotion/p1',
        targetBranch: 'main',
        title: 't',
        description: '',
      }));
    });
    const mergeCalls = () =>
      github.requests.filter(r => r.method === 'PUT').length;

    it('merges a clean pull request with the requested method', async () => {
      const result = await provider.mergePullRequest(number, {
        mergeMethod: 'rebase',
      });
      expect(result).toEqual({
        merged: true,
        pullRequest: expect.objectContaining({
          merged: true,
          mergeCommitSha: repo.git.head('main')!.sha,
        }),
      });
      // A rebase leaves one parent: the method reached GitHub.
      expect(repo.git.head('main')!.parents).toHaveLength(1);
    });

    it('returns an already merged pull request without merging again', async () => {
      const commit = repo.mergePull(number);
      const before = mergeCalls();
      await expect(provider.mergePullRequest(number)).resolves.toEqual({
        merged: true,
        pullRequest: expect.objectContaining({ mergeCommitSha: commit.sha }),
      });
      expect(mergeCalls()).toBe(before);
    });

    it.each(['unknown', 'draft'])(
      'waits without a merge attempt while mergeable_state is %s',
      async state => {
        repo.pull(number)!.mergeableState = state;
        const before = mergeCalls();
        await expect(provider.mergePullRequest(number)).resolves.toEqual({
          merged: false,
          reason: `mergeable_state is ${state}`,
        });
        expect(mergeCalls()).toBe(before);
      },
    );

    it('tries a blocked pull request and waits when GitHub refuses', async () => {
      repo.pull(number)!.mergeableState = 'blocked';
      const before = mergeCalls();
      const result = await provider.mergePullRequest(number);
      expect(result).toEqual({
        merged: false,
        reason: expect.stringContaining('approving review'),
      });
      expect(mergeCalls()).toBe(before + 1);
      expect(repo.pull(number)!.state).toBe('open');
    });

    it('merges a blocked pull request when the token may bypass the rules', async () => {
      // GitHub reports "blocked" but lets a bypass actor merge: the double's merge endpoint sees "clean".
      const original = repo.mergeableState.bind(repo);
      let reads = 0;
      repo.mergeableState = pull =>
        reads++ === 0 ? 'blocked' : original(pull);
      await expect(provider.mergePullRequest(number)).resolves.toMatchObject({
        merged: true,
      });
    });

    it('fails on a conflict', async () => {
      repo.git.commit('main', 'conflicting change', { 'app.yaml': 'other\n' });
      await expect(provider.mergePullRequest(number)).rejects.toThrow(
        `pull request ${number} has conflicts and cannot be merged`,
      );
    });

    it('fails when the merge method is not allowed', async () => {
      repo.allowedMergeMethods.delete('squash');
      await expect(
        provider.mergePullRequest(number, { mergeMethod: 'squash' }),
      ).rejects.toThrow('Squash merges are not allowed on this repository.');
    });

    it('waits when GitHub reports a moved base', async () => {
      repo.pull(number)!.mergeRefusal =
        'Base branch was modified. Review and try the merge again.';
      await expect(provider.mergePullRequest(number)).resolves.toMatchObject({
        merged: false,
      });
    });

    it('fails on an unexplained refusal of a clean pull request', async () => {
      repo.pull(number)!.mergeRefusal = 'Repository rule violations found';
      await expect(provider.mergePullRequest(number)).rejects.toThrow(
        'Repository rule violations found',
      );
    });

    it('fails on a closed pull request', async () => {
      repo.closePull(number);
      await expect(provider.mergePullRequest(number)).rejects.toThrow(
        `pull request ${number} is closed but not merged`,
      );
    });
  });

  it('reads branch heads, with slashes in names', async () => {
    const commit = promotionBranch('kargo/promotion/x');
    await expect(provider.getBranchHead('kargo/promotion/x')).resolves.toEqual({
      sha: commit.sha,
      message: 'Promote app to 1.2.3\n\nBody line',
    });
    await expect(provider.getBranchHead('nope')).resolves.toBeUndefined();
  });

  it('tells whether a branch changes files of the target', async () => {
    promotionBranch('changed');
    repo.git.createBranch('same');
    repo.git.commit('reverted', 'add', { 'x.txt': 'x' });
    repo.git.commit('reverted', 'remove', { 'x.txt': null });

    await expect(provider.hasChanges('changed', 'main')).resolves.toBe(true);
    await expect(provider.hasChanges('same', 'main')).resolves.toBe(false);
    await expect(provider.hasChanges('reverted', 'main')).resolves.toBe(false);
  });

  it('is refused without the right token, and keeps the token out of the error', async () => {
    const wrong = new GithubPullRequestProvider({
      apiBaseUrl: github.apiBaseUrl,
      owner: 'acme',
      repo: 'gitops',
      token: 'ghp_wrongtoken',
    });
    const error = await wrong.getPullRequest(1).catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.status).toBe(401);
    expect(error.message).toContain('Bad credentials');
    expect(error.message).not.toContain('ghp_wrongtoken');

    const anonymous = new GithubPullRequestProvider({
      apiBaseUrl: github.apiBaseUrl,
      owner: 'acme',
      repo: 'gitops',
    });
    await expect(anonymous.getBranchHead('main')).rejects.toThrow(
      'Requires authentication',
    );
  });

  it('reports an exhausted rate limit as retryable', async () => {
    github.rateLimitExhausted = true;
    try {
      const error = await provider.getPullRequest(1).catch(e => e);
      expect(error).toBeInstanceOf(ScmApiError);
      expect(error.status).toBe(403);
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('API rate limit exceeded');
    } finally {
      github.rateLimitExhausted = false;
    }
  });

  it('reports an unreachable API as retryable', async () => {
    const unreachable = new GithubPullRequestProvider({
      apiBaseUrl: 'http://127.0.0.1:9',
      owner: 'acme',
      repo: 'gitops',
      token: 'ghp_secret',
    });
    const error = await unreachable.getPullRequest(1).catch(e => e);
    expect(error).toBeInstanceOf(ScmApiError);
    expect(error.retryable).toBe(true);
    expect(error.message).not.toContain('ghp_secret');
  });

  it('serves GitHub Enterprise under /api/v3', async () => {
    const enterprise = await startGithubApiDouble({
      enterprise: true,
      webHost: 'ghe.example.test',
    });
    try {
      enterprise.addRepository('team/app');
      const ghe = new GithubPullRequestProvider({
        apiBaseUrl: enterprise.apiBaseUrl,
        owner: 'team',
        repo: 'app',
        token: enterprise.token,
      });
      expect(enterprise.apiBaseUrl).toMatch(/\/api\/v3$/);
      await expect(ghe.getBranchHead('main')).resolves.toMatchObject({
        message: 'Initial commit',
      });
    } finally {
      await enterprise.close();
    }
  });
});
