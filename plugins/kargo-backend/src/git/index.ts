export {
  DEFAULT_GIT_IDENTITY,
  GitAbortedError,
  GitClient,
  GitCommandError,
  GitSpawnerExitedError,
} from './GitClient';
export type {
  GitClientOptions,
  GitIdentity,
  GitRunOptions,
  GitRunResult,
} from './GitClient';
export { credentialsFromIntegrations } from './credentials';
export type { GitCredentialsLookup } from './credentials';
export { KeyedLock } from './KeyedLock';
export { isSshUrl, readGitSshKeys } from './sshKeys';
export type { GitSshKey } from './sshKeys';
export { redact, redactUrl } from './redact';
