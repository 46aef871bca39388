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
import {
  ScmDoubles,
  startScmDoubles,
} from '../../__testUtils__/doubles/scmDoubles';
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

  describe('with the Gitea, Bitbucket Cloud and Azure DevOps doubles', () => {
    let doubles: ScmDoubles;
    beforeAll(async () => {
      doubles = await startScmDoubles();
      doubles.gitea
        .addRepository('team/app')
        .git.commit('main', 'Gitea commit', {});
      doubles.bitbucket
        .addRepository('acme/app')
        .git.commit('main', 'Bitbucket commit', {});
      doubles.bitbucketServer
        .addRepository('PLAT/app')
        .git.commit('main', 'Bitbucket Server commit', {});
      doubles.azure
        .addRepository('contoso/Platform/app')
        .git.commit('main', 'Azure commit', {});
    });
    afterAll(() => doubles.close());

    it.each([
      ['https://gitea.acme.test/team/app.git', 'gitea', 'Gitea commit'],
      ['https://bitbucket.org/acme/app.git', 'bitbucket', 'Bitbucket commit'],
      ['azure', 'azure', 'Azure commit'],
      ['bitbucket-server', 'bitbucket', 'Bitbucket Server commit'],
    ])(
      'serves %s through its integration’s credentials',
      async (url, name, message) => {
        const urls: Record<string, string> = {
          azure: `${doubles.azure.url}/contoso/Platform/_git/app`,
          'bitbucket-server': `${doubles.bitbucketServer.baseUrl}/scm/PLAT/app.git`,
        };
        const repoURL = urls[url] ?? url;
        const provider = await PullRequestProviders.fromConfig(
          doubles.config,
          doubles.providerOptions,
        ).forRepository(repoURL);
        expect(provider.name).toBe(name);
        await expect(provider.getBranchHead('main')).resolves.toMatchObject({
          message,
        });
        const refused = await PullRequestProviders.fromConfig(
          doubles.configWithWrongTokens,
          doubles.providerOptions,
        )
          .forRepository(repoURL)
          .then(wrong => wrong.getBranchHead('main'))
          .catch(e => e);
        expect(refused.status).toBe(401);
      },
    );
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
    ['https://gitea.example.org/a/b', 'gitea'],
    ['https://bitbucket.org/a/b', 'bitbucket'],
    ['git@bitbucket.org:a/b.git', 'bitbucket'],
    ['https://dev.azure.com/org/project/_git/repo', 'azure'],
    ['https://org.visualstudio.com/project/_git/repo', 'azure'],
    ['git@ssh.dev.azure.com:v3/org/project/repo', 'azure'],
  ])('recognizes %s as %s from its host, as Kargo does', async (url, name) => {
    await expect(providers.forRepository(url)).resolves.toMatchObject({
      name,
    });
  });

  it.each([
    ['https://git.example.org/a/b', undefined, 'cannot tell the Git provider'],
    [
      'https://bitbucket.example.org/a/b',
      'bitbucket' as const,
      'need Bitbucket Cloud (bitbucket.org) or a Bitbucket Server / Data Center host configured in integrations.bitbucketServer',
    ],
    [
      'https://dev.azure.com/org/project/repo',
      undefined,
      'not an Azure DevOps repository URL',
    ],
    [
      'https://gitea.example.org/a/b/c',
      undefined,
      'not a Gitea repository URL',
    ],
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
