import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  GithubApiDouble,
  startGithubApiDouble,
} from '../../__testUtils__/doubles/githubApi';
import {
  GitlabApiDouble,
  startGitlabApiDouble,
} from '../../__testUtils__/doubles/gitlabApi';
import { PullRequestProviders } from './PullRequestProviders';

describe('PullRequestProviders', () => {
  let github: GithubApiDouble;
  let enterprise: GithubApiDouble;
  let gitlab: GitlabApiDouble;
  let providers: PullRequestProviders;

  beforeAll(async () => {
    github = await startGithubApiDouble();
    enterprise = await startGithubApiDouble({
      enterprise: true,
      token: 'ghe-token',
      webHost: 'code.acme.test',
    });
    gitlab = await startGitlabApiDouble({
      webBaseUrl: 'https://git.acme.test',
    });
    github.addRepository('acme/gitops');
    enterprise.addRepository('team/app').git.commit('main', 'GHE commit', {});
    gitlab
      .addProject('platform/gitops')
      .git.commit('main', 'GitLab commit', {});
    providers = PullRequestProviders.fromConfig(
      new ConfigReader({
        integrations: {
          github: [
            {
              host: 'github.com',
              apiBaseUrl: github.apiBaseUrl,
              token: github.token,
            },
            // No "github" in the host: only the integration tells what it is.
            {
              host: 'code.acme.test',
              apiBaseUrl: enterprise.apiBaseUrl,
              token: 'ghe-token',
            },
          ],
          gitlab: [
            {
              host: 'git.acme.test',
              apiBaseUrl: gitlab.apiBaseUrl,
              token: gitlab.token,
            },
          ],
        },
      }),
    );
  });
  afterAll(async () => {
    await github.close();
    await enterprise.close();
    await gitlab.close();
  });

  it.each([
    ['https://github.com/acme/gitops.git', 'github', 'Initial commit'],
    ['git@github.com:acme/gitops.git', 'github', 'Initial commit'],
    ['https://code.acme.test/team/app', 'github', 'GHE commit'],
    ['https://git.acme.test/platform/gitops.git', 'gitlab', 'GitLab commit'],
  ])('serves %s through the %s integration', async (url, name, message) => {
    const provider = await providers.forRepository(url);
    expect(provider.name).toBe(name);
    // The integration's API base URL and token reached the double.
    await expect(provider.getBranchHead('main')).resolves.toMatchObject({
      message,
    });
  });

  it('lets the step name the provider', async () => {
    const provider = await providers.forRepository(
      'https://code.acme.test/team/app',
      { provider: 'gitlab' },
    );
    expect(provider.name).toBe('gitlab');
  });

  it('guesses the provider from the host as Kargo does, without credentials', async () => {
    await expect(
      providers.forRepository('https://gitlab.example.org/a/b'),
    ).resolves.toMatchObject({ name: 'gitlab' });
    await expect(
      providers.forRepository('https://corp.ghe.com/a/b'),
    ).resolves.toMatchObject({ name: 'github' });
  });

  it.each([
    ['https://git.example.org/a/b', undefined, 'cannot tell the Git provider'],
    ['https://bitbucket.org/a/b', 'bitbucket' as const, 'not supported'],
    [
      'https://github.com/acme/gitops/tree',
      undefined,
      'not a GitHub repository URL',
    ],
    ['not a url', undefined, 'is not a repository URL'],
  ])('refuses %s', async (url, provider, message) => {
    const error = await providers
      .forRepository(url, { provider })
      .catch(e => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(message);
  });
});
