/*
 * TEST DOUBLE SUPPORT: starts the SCM API doubles together and gives the Backstage config whose `integrations`
 * point at them, as an app-config would point at the real services:
 *   github.com            -> GitHub double (token accepted)
 *   gitlab.acme.test      -> GitLab double (token accepted)
 *   gitea.acme.test       -> Gitea double (`integrations.gitea`, basic auth)
 *   bitbucket.org         -> Bitbucket Cloud double (`integrations.bitbucketCloud`, username and API token; the
 *                            API root, fixed by Backstage, is given as `providerOptions`)
 *   <bitbucketServer.host> -> Bitbucket Server double (`integrations.bitbucketServer`, an HTTP access token);
 *                            repository URLs `http://<bitbucketServer.host>/scm/<KEY>/<slug>.git`
 *   <azure.host>          -> Azure DevOps double as an Azure DevOps Server (`integrations.azure`, a PAT);
 *                            repository URLs `http://<azure.host>/<org>/<project>/_git/<repo>`
 */
import { ConfigReader } from '@backstage/config';
import { PullRequestProvidersOptions } from '../../promotion/scm/PullRequestProviders';
import {
  AzureDevOpsApiDouble,
  startAzureDevOpsApiDouble,
} from './azureDevOpsApi';
import { BitbucketApiDouble, startBitbucketApiDouble } from './bitbucketApi';
import {
  BitbucketServerApiDouble,
  startBitbucketServerApiDouble,
} from './bitbucketServerApi';
import { GiteaApiDouble, startGiteaApiDouble } from './giteaApi';
import { GithubApiDouble, startGithubApiDouble } from './githubApi';
import { GitlabApiDouble, startGitlabApiDouble } from './gitlabApi';

/** The running doubles and the config that reaches them. */
export interface ScmDoubles {
  github: GithubApiDouble;
  gitlab: GitlabApiDouble;
  gitea: GiteaApiDouble;
  bitbucket: BitbucketApiDouble;
  bitbucketServer: BitbucketServerApiDouble;
  azure: AzureDevOpsApiDouble;
  /** The integrations of every double. */
  config: ConfigReader;
  /** The same integrations with other tokens, which the doubles refuse. */
  configWithWrongTokens: ConfigReader;
  /** What `PullRequestProviders.fromConfig` needs beside the config to reach the Bitbucket double. */
  providerOptions: PullRequestProvidersOptions;
  close(): Promise<void>;
}

/** Starts the doubles on loopback ports. */
export async function startScmDoubles(): Promise<ScmDoubles> {
  const github = await startGithubApiDouble();
  const gitlab = await startGitlabApiDouble({
    webBaseUrl: 'https://gitlab.acme.test',
  });
  const gitea = await startGiteaApiDouble({
    webBaseUrl: 'https://gitea.acme.test',
  });
  const bitbucket = await startBitbucketApiDouble();
  const bitbucketServer = await startBitbucketServerApiDouble();
  const azure = await startAzureDevOpsApiDouble();
  const integrations = (secret: (real: string) => string) =>
    new ConfigReader({
      integrations: {
        github: [
          {
            host: 'github.com',
            apiBaseUrl: github.apiBaseUrl,
            token: secret(github.token),
          },
        ],
        gitlab: [
          {
            host: 'gitlab.acme.test',
            apiBaseUrl: gitlab.apiBaseUrl,
            token: secret(gitlab.token),
          },
        ],
        gitea: [
          {
            host: 'gitea.acme.test',
            baseUrl: gitea.baseUrl,
            username: gitea.username,
            password: secret(gitea.password),
          },
        ],
        bitbucketCloud: [
          { username: bitbucket.username, token: secret(bitbucket.token) },
        ],
        bitbucketServer: [
          {
            host: bitbucketServer.host,
            apiBaseUrl: bitbucketServer.apiBaseUrl,
            token: secret(bitbucketServer.token),
          },
        ],
        azure: [
          {
            host: azure.host,
            credentials: [{ personalAccessToken: secret(azure.token) }],
          },
        ],
      },
    });
  return {
    github,
    gitlab,
    gitea,
    bitbucket,
    bitbucketServer,
    azure,
    config: integrations(real => real),
    configWithWrongTokens: integrations(real => `${real}-wrong-secret`),
    providerOptions: { bitbucketCloudApiBaseUrl: bitbucket.apiBaseUrl },
    close: async () => {
      await github.close();
      await gitlab.close();
      await gitea.close();
      await bitbucket.close();
      await bitbucketServer.close();
      await azure.close();
    },
  };
}
