import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  AzureDevOpsCredentialsProvider,
  DefaultAzureDevOpsCredentialsProvider,
  DefaultGithubCredentialsProvider,
  getBitbucketCloudRequestOptions,
  getBitbucketServerRequestOptions,
  GithubCredentialsProvider,
  ScmIntegrationRegistry,
  ScmIntegrations,
} from '@backstage/integration';
import { AzurePullRequestProvider } from './AzurePullRequestProvider';
import { BitbucketPullRequestProvider } from './BitbucketPullRequestProvider';
import { BitbucketServerPullRequestProvider } from './BitbucketServerPullRequestProvider';
import { GiteaPullRequestProvider } from './GiteaPullRequestProvider';
import { GithubPullRequestProvider } from './GithubPullRequestProvider';
import { GitlabPullRequestProvider } from './GitlabPullRequestProvider';
import { parseRepoUrl, redactUrl } from './repoUrl';
import { PullRequestProvider, ScmApiError } from './types';

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

/** Options of {@link PullRequestProviders}. */
export interface PullRequestProvidersOptions {
  /**
   * The Bitbucket Cloud API root. Backstage's `integrations.bitbucketCloud` fixes it to
   * `https://api.bitbucket.org/2.0`; tests point it at the Bitbucket API double.
   */
  bitbucketCloudApiBaseUrl?: string;
}

/** Backstage integration types and the provider names Kargo gives them. */
const PROVIDER_OF_INTEGRATION: Record<string, KargoGitProvider | undefined> = {
  github: 'github',
  gitlab: 'gitlab',
  gitea: 'gitea',
  bitbucketCloud: 'bitbucket',
  bitbucketServer: 'bitbucket',
  azure: 'azure',
};

/**
 * Picks the pull request API for a repository URL, with the credentials of the Backstage integration
 * (`integrations.github`, `gitlab`, `gitea`, `bitbucketCloud`, `bitbucketServer`, `azure`) that matches its host.
 *
 * The provider is, in order: the step's `provider` field; the type of the integration configured for the
 * host; Kargo's guess from the host name (`github` in it or `*.ghe.com` for GitHub, `gitlab` for GitLab,
 * `gitea` for Gitea, `bitbucket.org` for Bitbucket Cloud, `dev.azure.com` or `*.visualstudio.com` for
 * Azure DevOps).
 */
export class PullRequestProviders {
  static fromConfig(
    config: Config,
    options: PullRequestProvidersOptions = {},
  ): PullRequestProviders {
    return new PullRequestProviders(
      ScmIntegrations.fromConfig(config),
      options,
    );
  }

  private readonly githubCredentials: GithubCredentialsProvider;
  private readonly azureCredentials: AzureDevOpsCredentialsProvider;

  constructor(
    private readonly integrations: ScmIntegrationRegistry,
    private readonly options: PullRequestProvidersOptions = {},
  ) {
    this.githubCredentials =
      DefaultGithubCredentialsProvider.fromIntegrations(integrations);
    this.azureCredentials =
      DefaultAzureDevOpsCredentialsProvider.fromIntegrations(integrations);
  }

  /**
   * The provider for one repository.
   *
   * @throws InputError when the URL is not a repository URL or the provider is not supported here; retrying
   *   cannot fix either.
   */
  async forRepository(
    repoURL: string,
    options: {
      provider?: KargoGitProvider;
      signal?: AbortSignal;
      /** Skips TLS certificate verification of the provider's API, for this repository's requests only. */
      insecureSkipTLSVerify?: boolean;
    } = {},
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
    const integrationType = this.integrations.byHost(host)?.type;
    const type =
      options.provider ??
      (integrationType === undefined
        ? guess(host)
        : PROVIDER_OF_INTEGRATION[integrationType] ?? integrationType);

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
        insecureSkipTLSVerify: options.insecureSkipTLSVerify,
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
        insecureSkipTLSVerify: options.insecureSkipTLSVerify,
      });
    }
    if (type === 'gitea') {
      const segments = path.split('/');
      if (segments.length !== 2) {
        throw new InputError(
          `"${redactUrl(
            repoURL,
          )}" is not a Gitea repository URL (expected https://${host}/<owner>/<repository>)`,
        );
      }
      const config = this.integrations.gitea.byHost(host)?.config;
      const webBase = (config?.baseUrl ?? `${scheme}://${host}`).replace(
        /\/+$/,
        '',
      );
      const basic =
        config?.username && config.password
          ? `Basic ${Buffer.from(
              `${config.username}:${config.password}`,
            ).toString('base64')}`
          : undefined;
      return new GiteaPullRequestProvider({
        apiBaseUrl: `${webBase}/api/v1`,
        owner: segments[0],
        repo: segments[1],
        authorization: basic,
        secrets: config?.password ? [config.password] : [],
        signal: options.signal,
        insecureSkipTLSVerify: options.insecureSkipTLSVerify,
      });
    }
    if (type === 'bitbucket') {
      const server = this.integrations.bitbucketServer.byHost(host);
      if (server) {
        const repository = parseBitbucketServerRepository(path);
        if (!repository) {
          throw new InputError(
            `"${redactUrl(
              repoURL,
            )}" is not a Bitbucket Server repository URL (expected https://${host}/scm/<project>/<repository>.git)`,
          );
        }
        return new BitbucketServerPullRequestProvider({
          apiBaseUrl: server.config.apiBaseUrl,
          ...repository,
          headers: getBitbucketServerRequestOptions(server.config).headers,
          signal: options.signal,
          insecureSkipTLSVerify: options.insecureSkipTLSVerify,
        });
      }
      const segments = path.split('/');
      if (segments.length !== 2) {
        throw new InputError(
          `"${redactUrl(
            repoURL,
          )}" is not a Bitbucket Cloud repository URL (expected https://bitbucket.org/<workspace>/<repository>)`,
        );
      }
      const integration = this.integrations.bitbucketCloud.byHost(host);
      if (!integration) {
        throw new InputError(
          `pull requests on Bitbucket need Bitbucket Cloud (bitbucket.org) or a Bitbucket Server / Data Center host configured in integrations.bitbucketServer; ${host} is neither`,
        );
      }
      const { headers } = await getBitbucketCloudRequestOptions(
        integration.config,
      );
      return new BitbucketPullRequestProvider({
        apiBaseUrl:
          this.options.bitbucketCloudApiBaseUrl ??
          integration.config.apiBaseUrl,
        workspace: segments[0],
        repoSlug: segments[1],
        headers,
        signal: options.signal,
        insecureSkipTLSVerify: options.insecureSkipTLSVerify,
      });
    }
    if (type === 'azure') {
      const azure = parseAzureRepository(scheme, host, path);
      if (!azure) {
        throw new InputError(
          `"${redactUrl(
            repoURL,
          )}" is not an Azure DevOps repository URL (expected https://dev.azure.com/<organization>/<project>/_git/<repository>)`,
        );
      }
      return new AzurePullRequestProvider({
        ...azure,
        headers: await this.azureHeaders(
          host,
          `${azure.collectionUrl}/${azure.project}/_git/${azure.repository}`,
        ),
        signal: options.signal,
        insecureSkipTLSVerify: options.insecureSkipTLSVerify,
      });
    }
    throw new InputError(
      type
        ? `pull requests on ${type} are not supported (supported providers: ${KARGO_GIT_PROVIDERS.join(
            ', ',
          )})`
        : `cannot tell the Git provider of ${host}: set "provider" in the step, or configure a GitHub, GitLab, Gitea, Bitbucket Cloud, Bitbucket Server or Azure DevOps integration for the host`,
    );
  }

  /**
   * Where the GitHub REST API of a GitHub repository URL is, and the repository's owner and name: the
   * `apiBaseUrl` of the `integrations.github` entry for the host, else `https://api.github.com` for github.com
   * and `<scheme>://<host>/api/v3` (GitHub Enterprise Server) for other hosts.
   *
   * @throws InputError when the URL is not a GitHub repository URL (`https://<host>/<owner>/<repository>`).
   */
  githubRepository(repoURL: string): {
    apiBaseUrl: string;
    owner: string;
    repo: string;
  } {
    let location;
    try {
      location = parseRepoUrl(repoURL);
    } catch (error) {
      throw new InputError(
        error instanceof Error ? error.message : String(error),
      );
    }
    const { scheme, host, path } = location;
    const segments = path.split('/');
    if (segments.length !== 2) {
      throw new InputError(
        `"${redactUrl(
          repoURL,
        )}" is not a GitHub repository URL (expected https://${host}/<owner>/<repository>)`,
      );
    }
    const integration = this.integrations.github.byHost(host);
    return {
      apiBaseUrl:
        integration?.config.apiBaseUrl ?? githubApiBaseUrl(scheme, host),
      owner: segments[0],
      repo: segments[1],
    };
  }

  /**
   * Headers from the credentials configured in `integrations.azure` for the host. A host without
   * configured credentials is called anonymously: Backstage would otherwise fall back to the machine's
   * ambient Azure identity, which is not configuration.
   */
  private async azureHeaders(
    host: string,
    url: string,
  ): Promise<Record<string, string> | undefined> {
    const configured = this.integrations.azure.byHost(host)?.config.credentials;
    if (!configured || configured.length === 0) return undefined;
    try {
      return (await this.azureCredentials.getCredentials({ url }))?.headers;
    } catch (error) {
      throw new ScmApiError({
        status: 401,
        retryable: false,
        message: `could not get Azure DevOps credentials for ${host}: ${
          error instanceof Error ? error.message.split('\n')[0] : String(error)
        }`,
      });
    }
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

/**
 * The project key and repository slug of a Bitbucket Server repository path: `[<context>/]scm/<key>/<slug>`
 * (HTTP clone URLs), `projects/<key>/repos/<slug>[/...]` (web pages) or `<key>/<slug>` (SSH clone URLs).
 */
function parseBitbucketServerRepository(
  path: string,
): { projectKey: string; repoSlug: string } | undefined {
  const segments = path.split('/');
  const scm = segments.lastIndexOf('scm');
  if (scm >= 0 && segments.length === scm + 3) {
    return { projectKey: segments[scm + 1], repoSlug: segments[scm + 2] };
  }
  const projects = segments.indexOf('projects');
  if (
    projects >= 0 &&
    segments[projects + 2] === 'repos' &&
    segments[projects + 3]
  ) {
    return {
      projectKey: segments[projects + 1],
      repoSlug: segments[projects + 3],
    };
  }
  if (segments.length === 2) {
    return { projectKey: segments[0], repoSlug: segments[1] };
  }
  return undefined;
}

/** Kargo's provider predicates: they look at the host name only. */
function guess(host: string): string | undefined {
  if (host.includes('github') || host.endsWith('.ghe.com')) return 'github';
  if (host.includes('gitlab')) return 'gitlab';
  if (host.includes('gitea')) return 'gitea';
  if (host === 'bitbucket.org') return 'bitbucket';
  if (host === 'dev.azure.com' || host.endsWith('visualstudio.com')) {
    return 'azure';
  }
  if (host === 'ssh.dev.azure.com' || host === 'vs-ssh.visualstudio.com') {
    return 'azure';
  }
  return undefined;
}

/**
 * The collection, project and repository of an Azure DevOps repository path:
 * `<org>/<project>/_git/<repo>` on dev.azure.com, `<project>/_git/<repo>` on `<org>.visualstudio.com`,
 * `[tfs/]<collection>/<project>/_git/<repo>` on Azure DevOps Server, `v3/<org>/<project>/<repo>` over SSH.
 * A repository named like its project may leave the project out (`<org>/_git/<repo>`).
 */
function parseAzureRepository(
  scheme: string,
  host: string,
  path: string,
): { collectionUrl: string; project: string; repository: string } | undefined {
  const segments = path.split('/');
  if (host === 'ssh.dev.azure.com' || host === 'vs-ssh.visualstudio.com') {
    if (segments.length !== 4 || segments[0] !== 'v3') return undefined;
    const [, org, project, repository] = segments;
    return {
      collectionUrl:
        host === 'ssh.dev.azure.com'
          ? `https://dev.azure.com/${org}`
          : `https://${org}.visualstudio.com`,
      project,
      repository,
    };
  }
  const git = segments.indexOf('_git');
  if (git < 0 || git !== segments.length - 2) return undefined;
  const repository = segments[git + 1];
  let collection = segments.slice(0, git);
  // `<collection>/_git/<repo>`: the project has the repository's name.
  let project = repository;
  const collectionDepth = host.endsWith('visualstudio.com') ? 0 : 1;
  if (collection.length > collectionDepth) {
    project = collection[collection.length - 1];
    collection = collection.slice(0, -1);
  }
  if (
    collection.length !== collectionDepth &&
    !(collection[0] === 'tfs' && collection.length === 2)
  ) {
    return undefined;
  }
  return {
    collectionUrl: [`${scheme}://${host}`, ...collection].join('/'),
    project,
    repository,
  };
}
