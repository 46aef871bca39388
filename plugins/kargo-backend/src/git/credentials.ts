import type { Config } from '@backstage/config';
import {
  DefaultAzureDevOpsCredentialsProvider,
  DefaultGithubCredentialsProvider,
  getBitbucketCloudOAuthToken,
  ScmIntegrations,
} from '@backstage/integration';
import type { BasicCredentials } from '../discovery/types';

/**
 * Looks up the username and password (or token) for a Git repository URL. Resolves with `undefined` when no
 * Backstage integration covers the URL's host, or the integration has no credentials.
 *
 * @public
 */
export type GitCredentialsLookup = (
  repoURL: string,
) => Promise<BasicCredentials | undefined>;

// The usernames the providers expect when a token is used as the password over HTTPS.
const GITHUB_TOKEN_USER = 'x-access-token';
const GITLAB_TOKEN_USER = 'oauth2';
const BITBUCKET_TOKEN_USER = 'x-token-auth';
// Azure DevOps ignores the username of a PAT or an Entra ID token; git needs one.
const AZURE_TOKEN_USER = 'kargo-portal';

/**
 * Credentials for Git over HTTP(S) from the Backstage integrations in `integrations:` config, matched by the
 * repository URL's host:
 *
 * - GitHub: a token (`x-access-token`), or a GitHub App installation token from `DefaultGithubCredentialsProvider`;
 * - GitLab: a token (`oauth2`);
 * - Bitbucket Cloud: `username` + `appPassword`, a `token` or an OAuth client (`x-token-auth`);
 * - Bitbucket Server: a `token` (`x-token-auth`, or the configured `username`), or `username` + `password`;
 * - Gitea and Gerrit: `username` + `password`;
 * - Azure DevOps: a PAT or an Entra ID token from `DefaultAzureDevOpsCredentialsProvider`.
 *
 * `file://` URLs, local paths and SSH URLs get none.
 *
 * @public
 */
export function credentialsFromIntegrations(
  config: Config,
): GitCredentialsLookup {
  const integrations = ScmIntegrations.fromConfig(config);
  const github =
    DefaultGithubCredentialsProvider.fromIntegrations(integrations);
  const azure =
    DefaultAzureDevOpsCredentialsProvider.fromIntegrations(integrations);

  return async repoURL => {
    let url: URL;
    try {
      url = new URL(repoURL);
    } catch {
      return undefined;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    const target = `${url.protocol}//${url.host}${url.pathname.replace(
      /\.git$/,
      '',
    )}`;

    const githubIntegration = integrations.github.byUrl(target);
    if (githubIntegration) {
      const { token } = await github.getCredentials({ url: target });
      return token
        ? { username: GITHUB_TOKEN_USER, password: token }
        : undefined;
    }

    const gitlab = integrations.gitlab.byUrl(target)?.config;
    if (gitlab) {
      return gitlab.token
        ? { username: GITLAB_TOKEN_USER, password: gitlab.token }
        : undefined;
    }

    const bitbucketCloud = integrations.bitbucketCloud.byUrl(target)?.config;
    if (bitbucketCloud) {
      if (bitbucketCloud.username && bitbucketCloud.appPassword) {
        return {
          username: bitbucketCloud.username,
          password: bitbucketCloud.appPassword,
        };
      }
      if (bitbucketCloud.token) {
        return {
          username: BITBUCKET_TOKEN_USER,
          password: bitbucketCloud.token,
        };
      }
      if (bitbucketCloud.clientId && bitbucketCloud.clientSecret) {
        const token = await getBitbucketCloudOAuthToken(
          bitbucketCloud.clientId,
          bitbucketCloud.clientSecret,
        );
        return { username: BITBUCKET_TOKEN_USER, password: token };
      }
      return undefined;
    }

    const bitbucketServer = integrations.bitbucketServer.byUrl(target)?.config;
    if (bitbucketServer) {
      if (bitbucketServer.token) {
        return {
          username: bitbucketServer.username ?? BITBUCKET_TOKEN_USER,
          password: bitbucketServer.token,
        };
      }
      return basic(bitbucketServer.username, bitbucketServer.password);
    }

    const gitea = integrations.gitea.byUrl(target)?.config;
    if (gitea) return basic(gitea.username, gitea.password);

    const gerrit = integrations.gerrit.byUrl(target)?.config;
    if (gerrit) return basic(gerrit.username, gerrit.password);

    if (integrations.azure.byUrl(target)) {
      const credentials = await azure.getCredentials({ url: target });
      return credentials?.token
        ? { username: AZURE_TOKEN_USER, password: credentials.token }
        : undefined;
    }
    return undefined;
  };
}

function basic(
  username: string | undefined,
  password: string | undefined,
): BasicCredentials | undefined {
  return username && password ? { username, password } : undefined;
}
