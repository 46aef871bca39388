import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  GithubCredentialsProvider,
  ScmIntegrationRegistry,
  ScmIntegrations,
} from '@backstage/integration';
import { GithubPullRequestProvider } from './GithubPullRequestProvider';
import { GitlabPullRequestProvider } from './GitlabPullRequestProvider';
import { parseRepoUrl, redactUrl } from './repoUrl';
import { PullRequestProvider } from './types';

/** The provider names Kargo's steps accept in `provider:`. */
export const KARGO_GIT_PROVIDERS = [
  'azure',
  'bitbucket',
  'gitea',
  'github',
  'gitlab',
] as const;

/** A provider name Kargo's steps accept. */
export type KargoGitProvider = (typeof KARGO_GIT_PROVIDERS)[number];

/**
 * Picks the pull request API for a repository URL, with the credentials of the Backstage integration
 * (`integrations.github` / `integrations.gitlab`) that matches its host.
 *
 * The provider is, in order: the step's `provider` field; the type of the integration configured for the
 * host; Kargo's guess from the host name (`github` in it or `*.ghe.com` for GitHub, `gitlab` for GitLab).
 */
export class PullRequestProviders {
  static fromConfig(config: Config): PullRequestProviders {
    return new PullRequestProviders(ScmIntegrations.fromConfig(config));
  }

  private readonly githubCredentials: GithubCredentialsProvider;

  constructor(private readonly integrations: ScmIntegrationRegistry) {
    this.githubCredentials =
      DefaultGithubCredentialsProvider.fromIntegrations(integrations);
  }

  /**
   * The provider for one repository.
   *
   * @throws InputError when the URL is not a repository URL or the provider is not supported here; retrying
   *   cannot fix either.
   */
  async forRepository(
    repoURL: string,
    options: { provider?: KargoGitProvider; signal?: AbortSignal } = {},
  ): Promise<PullRequestProvider> {
    let location;
    try {
      location = parseRepoUrl(repoURL);
    } catch (error) {
      throw new InputError(
        error instanceof Error ? error.message : String(error),
      );
    }
    const { scheme, host, path } = location;
    const type =
      options.provider ?? this.integrations.byHost(host)?.type ?? guess(host);

    if (type === 'github') {
      const segments = path.split('/');
      if (segments.length !== 2) {
        throw new InputError(
          `"${redactUrl(
            repoURL,
          )}" is not a GitHub repository URL (expected https://${host}/<owner>/<repository>)`,
        );
      }
      const integration = this.integrations.github.byHost(host);
      return new GithubPullRequestProvider({
        apiBaseUrl:
          integration?.config.apiBaseUrl ?? githubApiBaseUrl(scheme, host),
        owner: segments[0],
        repo: segments[1],
        token: integration
          ? await this.githubToken(`https://${host}/${path}`)
          : undefined,
        signal: options.signal,
      });
    }
    if (type === 'gitlab') {
      const integration = this.integrations.gitlab.byHost(host);
      return new GitlabPullRequestProvider({
        apiBaseUrl:
          integration?.config.apiBaseUrl ?? `${scheme}://${host}/api/v4`,
        projectPath: path,
        token: integration?.config.token,
        signal: options.signal,
      });
    }
    throw new InputError(
      type
        ? `pull requests on ${type} are not supported (supported providers: github, gitlab)`
        : `cannot tell the Git provider of ${host}: set "provider" in the step, or configure a GitHub or GitLab integration for the host`,
    );
  }

  private async githubToken(url: string): Promise<string | undefined> {
    const { token } = await this.githubCredentials.getCredentials({ url });
    return token;
  }
}

function githubApiBaseUrl(scheme: string, host: string): string {
  return host === 'github.com'
    ? 'https://api.github.com'
    : `${scheme}://${host}/api/v3`;
}

/** Kargo's provider predicates: they look at the host name only. */
function guess(host: string): string | undefined {
  if (host.includes('github') || host.endsWith('.ghe.com')) return 'github';
  if (host.includes('gitlab')) return 'gitlab';
  return undefined;
}
