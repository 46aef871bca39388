import {
  isTerminalStepError,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import {
  ScmDoubles,
  startScmDoubles,
} from '../../__testUtils__/doubles/scmDoubles';
import { ConfigReader } from '@backstage/config';
import { startGithubApiDouble } from '../../__testUtils__/doubles/githubApi';
import { createStepContext } from '../../__testUtils__/stepContext';
import { selfSignedCertificate } from '../../__testUtils__/services/tls';
import { PullRequestProviders } from '../scm/PullRequestProviders';
import { createGitOpenPrStep } from './git-open-pr';

describe('git-open-pr', () => {
  let doubles: ScmDoubles;
  let step: PromotionStepRunner;
  let repoCount = 0;
  let repoName: string;

  beforeAll(async () => {
    doubles = await startScmDoubles();
    step = createGitOpenPrStep({
      providers: PullRequestProviders.fromConfig(doubles.config),
    });
  });
  afterAll(() => doubles.close());

  beforeEach(() => {
    repoCount++;
    repoName = `acme/gitops-${repoCount}`;
    doubles.github.addRepository(repoName);
  });

  const repo = () => doubles.github.repository(repoName)!;
  const pushPromotion = (branch = 'kargo/promo-1') =>
    repo().git.commit(branch, 'Promote app to 1.2.3\n\nFreight abc123', {
      'app.yaml': 'image: app:1.2.3\n',
    });
  const run = (
    config: Record<string, unknown>,
    context = createStepContext(),
  ) =>
    step.run(
      context,
      step.parseConfig({
        repoURL: `https://github.com/${repoName}.git`,
        sourceBranch: 'kargo/promo-1',
        targetBranch: 'main',
        ...config,
      }),
    );
  const posts = () =>
    doubles.github.requests.filter(
      r => r.method === 'POST' && r.rawPath.endsWith('/pulls'),
    ).length;

  it('is registered by Kargo’s name', () => {
    expect(step.name).toBe('git-open-pr');
  });

  describe('config', () => {
    it.each([
      [
        { repoURL: 'https://github.com/a/b', sourceBranch: 'x' },
        'targetBranch is required',
      ],
      [
        {
          repoURL: 'https://github.com/a/b',
          sourceBranch: 'x',
          targetBranch: 'y',
          draft: true,
        },
        'Additional property draft is not allowed',
      ],
      [
        {
          repoURL: 'https://github.com/a/b',
          sourceBranch: 'x',
          targetBranch: 'y',
          provider: 'svn',
        },
        'provider',
      ],
      [
        {
          repoURL: 'https://github.com/a/b',
          sourceBranch: 'x',
          targetBranch: 'y',
          labels: [''],
        },
        'labels.0',
      ],
      [{ repoURL: '', sourceBranch: 'x', targetBranch: 'y' }, 'repoURL'],
      [
        {
          repoURL: 'https://github.com/a/b',
          sourceBranch: 'x',
          targetBranch: 'y',
          title: '',
        },
        'title',
      ],
    ])('rejects %j', (config, message) => {
      let caught: unknown;
      try {
        step.parseConfig(config);
      } catch (error) {
        caught = error;
      }
      expect(isTerminalStepError(caught)).toBe(true);
      expect(String(caught)).toContain(message);
    });

    it('accepts every Kargo field, the deprecated createTargetBranch included', () => {
      const config = {
        repoURL: 'https://github.com/a/b',
        provider: 'github',
        insecureSkipTLSVerify: false,
        sourceBranch: 'x',
        targetBranch: 'y',
        createTargetBranch: true,
        title: 't',
        description: 'd',
        labels: ['l'],
      };
      expect(step.parseConfig(config)).toEqual(config);
    });
  });

  it('opens a pull request titled after the head commit, with Kargo’s output', async () => {
    pushPromotion();
    const result = await run({});

    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        pr: { id: 1, url: `https://github.com/${repoName}/pull/1` },
      },
    });
    expect(repo().pull(1)).toMatchObject({
      title: 'Promote app to 1.2.3',
      // The rest of the message as Git stores it, newline included, as Kargo reads it with `git log`.
      body: '\nFreight abc123\n',
      head: 'kargo/promo-1',
      base: 'main',
    });
  });

  it('uses the configured title, description and labels', async () => {
    pushPromotion();
    await run({ title: 'Deploy to test', labels: ['infra', 'needs-review'] });
    expect(repo().pull(1)).toMatchObject({
      title: 'Deploy to test',
      // With a title, the description defaults to the whole commit message.
      body: 'Promote app to 1.2.3\n\nFreight abc123\n',
      labels: ['infra', 'needs-review'],
    });

    pushPromotion('kargo/promo-2');
    await run({ sourceBranch: 'kargo/promo-2', description: 'Custom' });
    expect(repo().pull(2)).toMatchObject({
      title: 'Promote app to 1.2.3',
      body: 'Custom',
    });
  });

  it('adopts the pull request an earlier run opened instead of opening another', async () => {
    pushPromotion();
    const first = await run({});
    const before = posts();
    const second = await run({});
    expect(second).toEqual(first);
    expect(posts()).toBe(before);
    expect(repo().pulls).toHaveLength(1);
  });

  it('adopts a pull request merged since an earlier run opened it', async () => {
    pushPromotion();
    const first = await run({});
    repo().mergePull(1);
    const before = posts();
    await expect(run({})).resolves.toEqual(first);
    expect(posts()).toBe(before);
  });

  it('opens a new pull request when the earlier one was closed unmerged', async () => {
    pushPromotion();
    await run({});
    repo().closePull(1);
    await expect(run({})).resolves.toMatchObject({
      status: 'Succeeded',
      output: { pr: { id: 2 } },
    });
  });

  it('adopts the pull request another run opened while this one was deciding', async () => {
    pushPromotion();
    doubles.github.onRequest = request => {
      if (request.method === 'POST' && request.rawPath.endsWith('/pulls')) {
        doubles.github.onRequest = undefined;
        repo().pulls.push({
          number: 7,
          title: 'opened by another replica',
          body: '',
          head: 'kargo/promo-1',
          base: 'main',
          state: 'open',
          createdAt: new Date().toISOString(),
          draft: false,
          labels: [],
        });
      }
    };
    await expect(run({})).resolves.toEqual({
      status: 'Succeeded',
      output: { pr: { id: 7, url: `https://github.com/${repoName}/pull/7` } },
    });
    expect(repo().pulls).toHaveLength(1);
  });

  it('is skipped when the source branch changes nothing', async () => {
    repo().git.createBranch('kargo/promo-1');
    await expect(run({})).resolves.toEqual({
      status: 'Skipped',
      message: 'no changes between kargo/promo-1 and main',
    });
    expect(repo().pulls).toHaveLength(0);
  });

  it('errors, retryably, when a branch does not exist', async () => {
    pushPromotion();
    const missingTarget = await run({ targetBranch: 'stage/prod' }).catch(
      e => e,
    );
    expect(missingTarget.message).toContain(
      'target branch "stage/prod" does not exist',
    );
    expect(isTerminalStepError(missingTarget)).toBe(false);

    const notCreated = await run({
      targetBranch: 'stage/prod',
      createTargetBranch: true,
    }).catch(e => e);
    expect(notCreated.message).toContain(
      'target branch "stage/prod" does not exist (createTargetBranch does not create it',
    );
    expect(repo().git.branches.has('stage/prod')).toBe(false);

    const missingSource = await run({ sourceBranch: 'nope' }).catch(e => e);
    expect(missingSource.message).toContain(
      'source branch "nope" does not exist',
    );
  });

  it('opens merge requests on GitLab, idempotently', async () => {
    const project = doubles.gitlab.addProject(`platform/${repoName}`);
    project.git.commit('kargo/promo-1', 'Promote', { 'a.yaml': 'a' });
    const config = {
      repoURL: `https://gitlab.acme.test/platform/${repoName}.git`,
      labels: ['kargo'],
    };
    const first = await run(config);
    expect(first).toEqual({
      status: 'Succeeded',
      output: {
        pr: {
          id: 1,
          url: `https://gitlab.acme.test/platform/${repoName}/-/merge_requests/1`,
        },
      },
    });
    expect(project.mergeRequest(1)).toMatchObject({ labels: ['kargo'] });
    await expect(run(config)).resolves.toEqual(first);
    expect(project.mergeRequests).toHaveLength(1);
  });

  it('ends without retries when the provider cannot be told or refuses the token', async () => {
    const unknown = await run({
      repoURL: 'https://git.example.org/a/b.git',
    }).catch(e => e);
    expect(isTerminalStepError(unknown)).toBe(true);
    expect(unknown.message).toContain('repoURL: cannot tell the Git provider');

    pushPromotion();
    const wrongToken = createGitOpenPrStep({
      providers: PullRequestProviders.fromConfig(doubles.configWithWrongTokens),
    });
    const refused = await wrongToken
      .run(
        createStepContext(),
        wrongToken.parseConfig({
          repoURL: `https://github.com/${repoName}`,
          sourceBranch: 'kargo/promo-1',
          targetBranch: 'main',
        }),
      )
      .catch(e => e);
    expect(isTerminalStepError(refused)).toBe(true);
    expect(refused.message).toContain('401');
    expect(refused.message).not.toContain(
      `${doubles.github.token}-wrong-secret`,
    );
  });

  it('skips TLS verification of the provider API with insecureSkipTLSVerify only, as Kargo does', async () => {
    const enterprise = await startGithubApiDouble({
      enterprise: true,
      webHost: 'ghe.acme.test',
      tls: selfSignedCertificate(),
    });
    try {
      enterprise.addRepository('acme/gitops');
      enterprise
        .repository('acme/gitops')!
        .git.commit('kargo/promo-1', 'Promote app to 1.2.3', {
          'app.yaml': 'image: app:1.2.3\n',
        });
      const selfSigned = createGitOpenPrStep({
        providers: PullRequestProviders.fromConfig(
          new ConfigReader({
            integrations: {
              github: [
                {
                  host: 'ghe.acme.test',
                  apiBaseUrl: enterprise.apiBaseUrl,
                  token: enterprise.token,
                },
              ],
            },
          }),
        ),
      });
      const runOn = (config: Record<string, unknown>) =>
        selfSigned.run(
          createStepContext(),
          selfSigned.parseConfig({
            repoURL: 'https://ghe.acme.test/acme/gitops.git',
            sourceBranch: 'kargo/promo-1',
            targetBranch: 'main',
            ...config,
          }),
        );

      const refused = await runOn({}).catch(e => e);
      expect(refused.message).toMatch(/self[- ]signed certificate/);
      expect(enterprise.repository('acme/gitops')!.pulls).toHaveLength(0);

      const result = await runOn({ insecureSkipTLSVerify: true });
      expect(result).toMatchObject({
        status: 'Succeeded',
        output: { pr: { id: 1 } },
      });
      expect(enterprise.apiBaseUrl).toMatch(/^https:/);
      expect(enterprise.repository('acme/gitops')!.pulls).toHaveLength(1);
    } finally {
      await enterprise.close();
    }
  });
});
