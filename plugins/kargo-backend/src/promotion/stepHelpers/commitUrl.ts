import { normalizeGit } from '../../freight/normalize';

/** The Git providers Kargo's `provider` field names. */
export const GIT_PROVIDERS = [
  'azure',
  'bitbucket',
  'gitea',
  'github',
  'gitlab',
] as const;

export type GitProviderName = (typeof GIT_PROVIDERS)[number];

/**
 * The provider a repository's host suggests, as Kargo's provider registry guesses it: a host containing
 * "github" (or ending in ".ghe.com"), "gitlab" or "gitea"; Azure DevOps' hosts; bitbucket.org.
 */
export function inferProvider(host: string): GitProviderName | undefined {
  const hostname = host.replace(/:\d+$/, '');
  if (host.includes('github') || host.endsWith('.ghe.com')) return 'github';
  if (host.includes('gitlab')) return 'gitlab';
  if (host.includes('gitea')) return 'gitea';
  if (host === 'dev.azure.com' || host.endsWith('.visualstudio.com')) {
    return 'azure';
  }
  if (hostname === 'bitbucket.org') return 'bitbucket';
  return undefined;
}

/**
 * The web page of a commit, built as Kargo's providers build it (`GetCommitURL`), or undefined when the URL is
 * not an HTTP(S) or SSH repository URL or no provider is known for it.
 */
export function commitUrl(
  repoURL: string,
  sha: string,
  provider?: GitProviderName,
): string | undefined {
  let url: URL;
  try {
    url = new URL(normalizeGit(repoURL));
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'ssh:'].includes(url.protocol)) return undefined;
  const host = url.protocol === 'ssh:' ? url.hostname : url.host;
  const repoPath = url.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
  switch (provider ?? inferProvider(host)) {
    case 'github': {
      const [owner, repo] = repoPath.replace(/^\//, '').split('/');
      return owner && repo
        ? `https://${host}/${owner}/${repo}/commit/${sha}`
        : undefined;
    }
    case 'gitlab':
      return `https://${host}${repoPath}/-/commit/${sha}`;
    case 'gitea':
      return `https://${host}${repoPath}/commit/${sha}`;
    case 'azure':
      return `https://dev.azure.com${repoPath.replace(
        /^\/v3/,
        '',
      )}/commit/${sha}`;
    case 'bitbucket':
      return `https://${host}${repoPath}/commits/${sha}`;
    default:
      return undefined;
  }
}
