import type { Config } from '@backstage/config';
import {
  compileGoRegexp,
  GoRegexp,
  GoRegexpError,
} from '@kargo-portal/plugin-kargo-common';
import { normalizeGit } from '../freight/normalize';

/**
 * An SSH private key for the Git repositories whose URL is `repoURL` or matches `repoURLPattern` (Kargo's
 * credential Secrets for Git, in backend config instead of the project's namespace).
 *
 * @public
 */
export interface GitSshKey {
  /** The repository URL (compared in Kargo's normalized form). */
  repoURL?: string;
  /** A Go regular expression repository URLs are matched against (anywhere in the URL, as Kargo). */
  repoURLPattern?: GoRegexp;
  /** The private key, in OpenSSH or PEM form. */
  privateKey: string;
  /** `known_hosts` lines the server's host key must be among; without them, the first key seen is kept. */
  knownHosts?: string;
}

const SCP_SYNTAX = /^(?:[\w.-]+@)?[\w-]+(?:\.[\w-]+)*:(?!\/\/)/;

/** Whether git reaches `url` over SSH: `ssh://...` or the SCP-like `[user@]host:path`. */
export function isSshUrl(url: string | undefined): boolean {
  if (!url) return false;
  if (/^ssh:\/\//i.test(url) || /^git\+ssh:\/\//i.test(url)) return true;
  return !url.includes('://') && SCP_SYNTAX.test(url);
}

/**
 * Reads `kargo.gitSshKeys`: one entry per repository (`repoURL`) or family of repositories (`repoURLPattern`),
 * each with its `sshPrivateKey` and optionally the server's `knownHosts`.
 *
 * @throws Error naming the entry when neither or both of `repoURL` and `repoURLPattern` are set, or the pattern
 *   does not compile.
 * @public
 */
export function readGitSshKeys(config: Config): GitSshKey[] {
  return (config.getOptionalConfigArray('kargo.gitSshKeys') ?? []).map(
    (entry, i) => {
      const repoURL = entry.getOptionalString('repoURL');
      const pattern = entry.getOptionalString('repoURLPattern');
      if ((repoURL === undefined) === (pattern === undefined)) {
        throw new Error(
          `kargo.gitSshKeys[${i}]: set exactly one of repoURL and repoURLPattern`,
        );
      }
      let repoURLPattern: GoRegexp | undefined;
      if (pattern !== undefined) {
        try {
          repoURLPattern = compileGoRegexp(pattern);
        } catch (error) {
          throw new Error(
            `kargo.gitSshKeys[${i}].repoURLPattern: ${
              error instanceof GoRegexpError ? error.message : String(error)
            }`,
          );
        }
      }
      return {
        repoURL,
        repoURLPattern,
        privateKey: entry.getString('sshPrivateKey'),
        knownHosts: entry.getOptionalString('knownHosts'),
      };
    },
  );
}

/** The key for an SSH repository URL: the first entry naming it exactly, else the first pattern it matches. */
export function sshKeyFor(
  keys: readonly GitSshKey[],
  repoURL: string | undefined,
): GitSshKey | undefined {
  if (!repoURL || !isSshUrl(repoURL)) return undefined;
  const normalized = normalizeGit(repoURL);
  return (
    keys.find(
      key =>
        key.repoURL !== undefined && normalizeGit(key.repoURL) === normalized,
    ) ?? keys.find(key => key.repoURLPattern?.test(repoURL))
  );
}

/** A word of a POSIX shell command line: git runs `GIT_SSH_COMMAND` through the shell. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `GIT_SSH_COMMAND` that uses one key file and nothing else of the user's SSH setup: no agent, no config
 * file, no prompts; the host key checked against `knownHostsFile` (strictly when the operator gave known hosts,
 * else accepting a host's first key and refusing a changed one).
 */
export function sshCommand(options: {
  keyFile: string;
  knownHostsFile: string;
  strictHostKeyChecking: boolean;
}): string {
  return [
    'ssh',
    '-F',
    '/dev/null',
    '-i',
    shellQuote(options.keyFile),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    'BatchMode=yes',
    '-o',
    'PasswordAuthentication=no',
    '-o',
    shellQuote(`UserKnownHostsFile=${options.knownHostsFile}`),
    '-o',
    `StrictHostKeyChecking=${
      options.strictHostKeyChecking ? 'yes' : 'accept-new'
    }`,
  ].join(' ');
}
