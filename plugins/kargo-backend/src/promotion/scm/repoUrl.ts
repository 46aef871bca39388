import { redactUrl } from '../../git/redact';
/** The parts of a Git repository URL a provider's API needs. */
export interface RepoLocation {
  /** `https` or `http`; SSH URLs map to `https`, since the API is served over HTTPS. */
  scheme: 'https' | 'http';
  /** Host name, with the port when the URL has one. */
  host: string;
  /** Repository path without leading slash and `.git` suffix: `owner/repo`, `group/subgroup/project`. */
  path: string;
}

// [user@]host:path, the SCP-like syntax Git accepts for SSH.
const SCP_SYNTAX = /^(?:[\w.-]+@)?([\w-]+(?:\.[\w-]+)*):(?!\/\/)(.+)$/;

/**
 * Splits a repository URL (`https://host/owner/repo.git`, `ssh://git@host/owner/repo.git` or
 * `git@host:owner/repo.git`) into host and path. Credentials embedded in the URL are dropped: the API is
 * called with the integration's token only.
 *
 * @throws Error when the URL has none of these forms or no repository path.
 */
export function parseRepoUrl(repoURL: string): RepoLocation {
  let scheme: RepoLocation['scheme'] = 'https';
  let host: string;
  let rawPath: string;

  const scp = SCP_SYNTAX.exec(repoURL);
  if (scp && !repoURL.includes('://')) {
    host = scp[1];
    rawPath = scp[2];
  } else {
    let url: URL;
    try {
      url = new URL(repoURL);
    } catch {
      throw new Error(`"${redactUrl(repoURL)}" is not a repository URL`);
    }
    if (url.protocol === 'http:') {
      scheme = 'http';
    } else if (url.protocol !== 'https:' && url.protocol !== 'ssh:') {
      throw new Error(
        `"${redactUrl(repoURL)}" is not an HTTP(S) or SSH repository URL`,
      );
    }
    // An SSH URL's port is the SSH server's, not the API's.
    host = url.protocol === 'ssh:' ? url.hostname : url.host;
    rawPath = decodeURIComponent(url.pathname);
  }

  const path = rawPath
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  if (path === '' || host === '') {
    throw new Error(
      `"${redactUrl(
        repoURL,
      )}" does not name a repository (expected host/owner/repository)`,
    );
  }
  return { scheme, host: host.toLowerCase(), path };
}

export { redactUrl };
