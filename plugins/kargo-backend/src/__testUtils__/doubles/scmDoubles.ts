/*
 * TEST DOUBLE SUPPORT: starts the GitHub and GitLab API doubles together and gives the Backstage config whose
 * `integrations` point at them, as an app-config would point at github.com and a GitLab server:
 *   github.com        -> GitHub double (token accepted)
 *   gitlab.acme.test  -> GitLab double (token accepted)
 */
import { ConfigReader } from '@backstage/config';
import { GithubApiDouble, startGithubApiDouble } from './githubApi';
import { GitlabApiDouble, startGitlabApiDouble } from './gitlabApi';

/** The running doubles and the config that reaches them. */
export interface ScmDoubles {
  github: GithubApiDouble;
  gitlab: GitlabApiDouble;
  /** `integrations.github` for github.com and `integrations.gitlab` for gitlab.acme.test. */
  config: ConfigReader;
  /** The same integrations with other tokens, which the doubles refuse. */
  configWithWrongTokens: ConfigReader;
  close(): Promise<void>;
}

/** Starts both doubles on loopback ports. */
export async function startScmDoubles(): Promise<ScmDoubles> {
  const github = await startGithubApiDouble();
  const gitlab = await startGitlabApiDouble({
    webBaseUrl: 'https://gitlab.acme.test',
  });
  const integrations = (githubToken: string, gitlabToken: string) =>
    new ConfigReader({
      integrations: {
        github: [
          {
            host: 'github.com',
            apiBaseUrl: github.apiBaseUrl,
            token: githubToken,
          },
        ],
        gitlab: [
          {
            host: 'gitlab.acme.test',
            apiBaseUrl: gitlab.apiBaseUrl,
            token: gitlabToken,
          },
        ],
      },
    });
  return {
    github,
    gitlab,
    config: integrations(github.token, gitlab.token),
    configWithWrongTokens: integrations(
      'ghp_wrong_secret',
      'glpat-wrong-secret',
    ),
    close: async () => {
      await github.close();
      await gitlab.close();
    },
  };
}
