import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { BasicCredentials } from '../discovery/types';
import { redact } from './redact';
import { ProcessSpawner, SpawnOptions, SpawnResult } from './spawner';
import { GitSshKey, sshCommand, sshKeyFor } from './sshKeys';

/** Author and committer of the commits and tags git makes. @public */
export interface GitIdentity {
  name: string;
  email: string;
}

/**
 * Kargo's default Git user (its Helm chart's `controller.gitClient` values), used when no identity is
 * configured.
 */
export const DEFAULT_GIT_IDENTITY: GitIdentity = {
  name: 'Kargo',
  email: 'no-reply@kargo.io',
};

/** Options of {@link GitClient.create}. @public */
export interface GitClientOptions {
  /**
   * Default author and committer of commits and tags. A repository's own `user.name` / `user.email` (which
   * `git-clone`'s `author` sets) take precedence. Defaults to {@link DEFAULT_GIT_IDENTITY}.
   */
  identity?: GitIdentity;
  /** Receives one redacted debug line per command. */
  logger?: LoggerService;
  /** Where the client's private home directory is created; defaults to the OS temporary directory. */
  tmpDir?: string;
  /** The git executable; defaults to `git` on the PATH. */
  gitBinary?: string;
  /** SSH private keys for SSH repository URLs (`kargo.gitSshKeys`, see `readGitSshKeys`). */
  sshKeys?: GitSshKey[];
  /**
   * Starts commands from the backend process itself rather than through the client's spawner process (a small
   * helper started on first use, so that starting a process never forks the large backend process).
   */
  spawnDirectly?: boolean;
}

/** Options of one git command. @public */
export interface GitRunOptions {
  /** Working directory of the command; defaults to the client's private home directory. */
  cwd?: string;
  /**
   * Username and password (or token) for HTTP(S) remotes. They reach git through an askpass helper and the
   * environment of the command only: never its arguments, a URL, a file or a log line.
   */
  credentials?: BasicCredentials;
  /**
   * The remote the credentials are for. The askpass helper answers only prompts for this remote's scheme and
   * host, so that a redirect or a submodule on another host never receives them. For an SSH URL, the key
   * configured for it (if any) is written to a file of mode 0600 for this command only and removed after it.
   */
  credentialsURL?: string;
  /** Aborting kills the command and everything it started. */
  signal?: AbortSignal;
  /** Written to the command's standard input. */
  input?: string | Buffer;
  /** Extra environment variables (e.g. `GIT_AUTHOR_DATE`). */
  env?: Record<string, string>;
  /** Configuration for this command only (`-c key=value`). */
  config?: Record<string, string>;
  /** Turns TLS certificate verification off for this command only. */
  insecureSkipTLSVerify?: boolean;
  /** Exit codes other than 0 that are an answer rather than a failure (e.g. 1 for `merge-base --is-ancestor`). */
  okExitCodes?: number[];
  /** Further strings to remove from messages (tokens of other services, for instance). */
  secrets?: string[];
}

/** What a git command printed. @public */
export interface GitRunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * A git command that failed. The message and `stderr` are redacted of the command's credentials.
 *
 * @public
 */
export class GitCommandError extends Error {
  override name = 'GitCommandError';
  readonly exitCode: number;
  readonly stderr: string;
  readonly stdout: string;
  /** `git <subcommand>`, for messages. */
  readonly command: string;

  constructor(options: {
    command: string;
    exitCode: number;
    stderr: string;
    stdout: string;
  }) {
    const detail = options.stderr.trim() || options.stdout.trim();
    super(
      `${options.command} failed with exit code ${options.exitCode}${
        detail ? `: ${detail}` : ''
      }`,
    );
    this.command = options.command;
    this.exitCode = options.exitCode;
    this.stderr = options.stderr;
    this.stdout = options.stdout;
  }
}

export { GitAbortedError, GitSpawnerExitedError } from './spawner';

const ASKPASS_USERNAME = 'KARGO_PORTAL_GIT_USERNAME';
const ASKPASS_PASSWORD = 'KARGO_PORTAL_GIT_PASSWORD';
const ASKPASS_SCHEME = 'KARGO_PORTAL_GIT_SCHEME';
const ASKPASS_HOST = 'KARGO_PORTAL_GIT_HOST';

/*
 * Git asks "Username for 'https://host': " and then "Password for 'https://user@host': ". The helper answers only
 * prompts for the expected scheme and host, from variables in its environment; it holds no secret itself.
 */
const ASKPASS_SCRIPT = `#!/bin/sh
case "$1" in
  "Username for '$${ASKPASS_SCHEME}://$${ASKPASS_HOST}'"*)
    printf '%s\\n' "$${ASKPASS_USERNAME}" ;;
  "Password for '$${ASKPASS_SCHEME}://$${ASKPASS_HOST}'"*|"Password for '$${ASKPASS_SCHEME}://"*"@$${ASKPASS_HOST}'"*)
    printf '%s\\n' "$${ASKPASS_PASSWORD}" ;;
  *) exit 1 ;;
esac
`.replace(/\$\$/g, '$');

// Environment a command may inherit: finding programs, proxies and certificate authorities, temp space.
const INHERITED_ENV = [
  'PATH',
  'TMPDIR',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
];

// Transports git may use: never ext:: (arbitrary commands) or others a URL could name.
const ALLOWED_PROTOCOLS = 'file:git:http:https:ssh';

/**
 * Runs the `git` CLI safely: arguments as an array (never a shell string), no user or system configuration
 * (a private home directory with its own global config), no prompts, only the transports Kargo uses, and
 * credentials through an askpass helper. Messages and log lines are redacted of the credentials in use.
 *
 * @public
 */
export class GitClient {
  readonly #home: string;
  readonly #askpass: string;
  readonly #gitBinary: string;
  readonly #logger?: LoggerService;
  readonly #gnupgHomes: string[] = [];
  readonly #sshKeys: GitSshKey[];
  readonly #spawner: ProcessSpawner;
  readonly identity: GitIdentity;

  static async create(options: GitClientOptions = {}): Promise<GitClient> {
    const home = await fs.mkdtemp(
      path.join(options.tmpDir ?? os.tmpdir(), 'kargo-portal-git-'),
    );
    await fs.chmod(home, 0o700);
    const askpass = path.join(home, 'askpass.sh');
    await fs.writeFile(askpass, ASKPASS_SCRIPT, { mode: 0o700 });
    const hooks = path.join(home, 'no-hooks');
    await fs.mkdir(hooks, { mode: 0o700 });
    const identity = options.identity ?? DEFAULT_GIT_IDENTITY;
    const client = new GitClient({
      home,
      askpass,
      identity,
      gitBinary: options.gitBinary ?? 'git',
      logger: options.logger,
      sshKeys: options.sshKeys ?? [],
      spawner: new ProcessSpawner({
        logger: options.logger,
        direct: options.spawnDirectly,
      }),
    });
    const globalConfig: Array<[string, string]> = [
      ['user.name', identity.name],
      ['user.email', identity.email],
      ['init.defaultBranch', 'main'],
      ['advice.detachedHead', 'false'],
      // Hooks of repositories are never run: nothing we clone may execute code here.
      ['core.hooksPath', hooks],
      ['credential.helper', ''],
    ];
    for (const [key, value] of globalConfig) {
      await client.run(['config', '--global', key, value]);
    }
    return client;
  }

  private constructor(options: {
    home: string;
    askpass: string;
    identity: GitIdentity;
    gitBinary: string;
    logger?: LoggerService;
    sshKeys: GitSshKey[];
    spawner: ProcessSpawner;
  }) {
    this.#sshKeys = options.sshKeys;
    this.#spawner = options.spawner;
    this.#home = options.home;
    this.#askpass = options.askpass;
    this.identity = options.identity;
    this.#gitBinary = options.gitBinary;
    this.#logger = options.logger;
  }

  /**
   * Removes the client's private home directory and the GnuPG homes of imported signing keys, and ends its
   * spawner process.
   */
  async close(): Promise<void> {
    for (const gnupgHome of this.#gnupgHomes.splice(0)) {
      await this.#stopGpgAgent(gnupgHome);
      await fs.rm(gnupgHome, { recursive: true, force: true });
    }
    await fs.rm(this.#home, { recursive: true, force: true });
    await this.#spawner.close();
  }

  /**
   * Runs `git <args>`. Resolves with its output when it exits with 0 (or one of `okExitCodes`); rejects with
   * {@link GitCommandError} otherwise, and with {@link GitAbortedError} when aborted.
   */
  async run(
    args: string[],
    options: GitRunOptions = {},
  ): Promise<GitRunResult> {
    const secrets: Array<string | BasicCredentials> = [
      ...(options.secrets ?? []),
    ];
    if (options.credentials) secrets.push(options.credentials);
    const clean = (text: string) => redact(text, secrets);
    const command = clean(describeCommand(args));
    options.signal?.throwIfAborted?.();

    const configArgs: string[] = [];
    for (const [key, value] of Object.entries(options.config ?? {})) {
      configArgs.push('-c', `${key}=${value}`);
    }
    if (options.insecureSkipTLSVerify) {
      configArgs.push('-c', 'http.sslVerify=false');
    }

    const env = this.#environment(options);
    const sshKey = sshKeyFor(this.#sshKeys, options.credentialsURL);
    let sshDir: string | undefined;
    if (sshKey) {
      secrets.push(sshKey.privateKey);
      sshDir = await this.#writeSshKey(sshKey, env);
    }
    const started = Date.now();
    const result = await this.#spawn(
      this.#gitBinary,
      [...configArgs, ...args],
      {
        // Never the backend's own working directory, which may be inside some repository.
        cwd: options.cwd ?? this.#home,
        env,
        input: options.input,
        signal: options.signal,
        command,
      },
    ).finally(async () => {
      if (sshDir) await fs.rm(sshDir, { recursive: true, force: true });
    });
    const gnupgHome = options.env?.GNUPGHOME;
    if (gnupgHome) await this.#stopGpgAgent(gnupgHome);
    const stdout = result.stdout;
    const stderr = clean(result.stderr);
    this.#logger?.debug(
      `${command} exited with ${result.exitCode} after ${
        Date.now() - started
      }ms`,
    );
    if (
      result.exitCode !== 0 &&
      !options.okExitCodes?.includes(result.exitCode)
    ) {
      throw new GitCommandError({
        command,
        exitCode: result.exitCode,
        stderr,
        stdout: clean(stdout),
      });
    }
    return { stdout, stderr, exitCode: result.exitCode };
  }

  /**
   * Imports an ASCII-armored GPG private key (Kargo's `author.signingKey`) into a private GnuPG home of its own
   * (removed by {@link GitClient.close}), trusted ultimately as Kargo does, and returns that home and the key's
   * fingerprint. The key reaches gpg on its standard input only: never an argument, a file or a log line. Git
   * signs with it when run with `GNUPGHOME` set to the returned home.
   *
   * @throws Error when the text is not an unprotected GPG private key (a passphrase cannot be given).
   */
  async importSigningKey(
    key: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ gnupgHome: string; fingerprint: string }> {
    // gpg-agent's sockets live in the GnuPG home, and socket paths are limited to about 100 bytes: the home is
    // a short private directory of the temp directory rather than one inside this client's home.
    const gnupgHome = await fs.mkdtemp(path.join(os.tmpdir(), 'kp-gpg-'));
    await fs.chmod(gnupgHome, 0o700);
    this.#gnupgHomes.push(gnupgHome);
    const gpg = async (args: string[], input?: string) => {
      const result = await this.#spawn(
        'gpg',
        ['--batch', '--no-tty', '--homedir', gnupgHome, ...args],
        {
          env: { ...this.#environment({}), GNUPGHOME: gnupgHome },
          input,
          signal: options.signal,
          command: `gpg ${args[0]}`,
          cwd: this.#home,
        },
      ).catch(error => {
        throw new Error(
          `gpg could not be run (is the gpg package installed?): ${
            error instanceof Error ? error.message : String(error)
          }`,
        );
      });
      if (result.exitCode !== 0) {
        // gpg's messages name keys and files, never the key material.
        throw new Error(
          `gpg ${args[0]} failed: ${redact(result.stderr.trim(), [key])}`,
        );
      }
      return result.stdout;
    };
    try {
      const listing = await gpg(
        ['--with-colons', '--import-options', 'show-only', '--import'],
        key,
      );
      const records = listing.split('\n').map(line => line.split(':'));
      const secret = records.findIndex(fields => fields[0] === 'sec');
      const fingerprint = records
        .slice(secret + 1)
        .find(fields => fields[0] === 'fpr')?.[9];
      if (secret < 0 || !fingerprint) {
        throw new Error('the signing key is not a GPG private key');
      }
      await gpg(['--import'], key);
      await gpg(['--import-ownertrust'], `${fingerprint}:6:\n`);
      return { gnupgHome, fingerprint };
    } finally {
      await this.#stopGpgAgent(gnupgHome);
    }
  }

  /**
   * Writes an SSH key (mode 0600) and its known hosts to a new directory of this client's private home and
   * points `GIT_SSH_COMMAND` at them; returns the directory, which the caller removes after the command.
   * Without configured known hosts, host keys are remembered for the client's life (first key accepted, a
   * changed key refused).
   */
  async #writeSshKey(key: GitSshKey, env: NodeJS.ProcessEnv): Promise<string> {
    const dir = await fs.mkdtemp(path.join(this.#home, 'ssh-'));
    const keyFile = path.join(dir, 'key');
    await fs.writeFile(
      keyFile,
      key.privateKey.endsWith('\n') ? key.privateKey : `${key.privateKey}\n`,
      { mode: 0o600 },
    );
    let knownHostsFile = path.join(this.#home, 'ssh_known_hosts');
    if (key.knownHosts !== undefined) {
      knownHostsFile = path.join(dir, 'known_hosts');
      await fs.writeFile(knownHostsFile, `${key.knownHosts.trim()}\n`, {
        mode: 0o600,
      });
    }
    env.GIT_SSH_COMMAND = sshCommand({
      keyFile,
      knownHostsFile,
      strictHostKeyChecking: key.knownHosts !== undefined,
    });
    return dir;
  }

  /** Ends the gpg-agent gpg started for a GnuPG home, if one runs: nothing is left running after a command. */
  async #stopGpgAgent(gnupgHome: string): Promise<void> {
    const running = await fs.stat(path.join(gnupgHome, 'S.gpg-agent')).then(
      () => true,
      () => false,
    );
    if (!running) return;
    await this.#spawn(
      'gpgconf',
      ['--homedir', gnupgHome, '--kill', 'gpg-agent'],
      {
        env: { ...this.#environment({}), GNUPGHOME: gnupgHome },
        command: 'gpgconf --kill gpg-agent',
        cwd: this.#home,
      },
    ).catch(() => undefined);
  }

  #environment(options: GitRunOptions): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const name of INHERITED_ENV) {
      if (process.env[name] !== undefined) env[name] = process.env[name];
    }
    Object.assign(env, {
      LANG: 'C',
      LC_ALL: 'C',
      HOME: this.#home,
      XDG_CONFIG_HOME: path.join(this.#home, '.config'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: path.join(this.#home, '.gitconfig'),
      GIT_TERMINAL_PROMPT: '0',
      GIT_ALLOW_PROTOCOL: ALLOWED_PROTOCOLS,
      GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
      ...options.env,
    });
    if (options.credentials) {
      const remote = remoteOrigin(options.credentialsURL);
      if (remote) {
        Object.assign(env, {
          GIT_ASKPASS: this.#askpass,
          [ASKPASS_USERNAME]: options.credentials.username,
          [ASKPASS_PASSWORD]: options.credentials.password,
          [ASKPASS_SCHEME]: remote.scheme,
          [ASKPASS_HOST]: remote.host,
        });
      }
    }
    return env;
  }

  #spawn(
    binary: string,
    args: string[],
    options: SpawnOptions,
  ): Promise<SpawnResult> {
    return this.#spawner.run(binary, args, options);
  }
}

/** `git <subcommand> <args>`, shortened for messages. */
function describeCommand(args: string[]): string {
  const text = `git ${args.join(' ')}`;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/**
 * Scheme and host (with port, as written) of an HTTP(S) URL, as git names the remote in its prompts; undefined
 * for other URLs, which never get credentials through the helper.
 */
export function remoteOrigin(
  url: string | undefined,
): { scheme: string; host: string } | undefined {
  const match = /^(https?):\/\/(?:[^@/?#]*@)?([^/?#]+)/i.exec(url ?? '');
  if (!match) return undefined;
  return { scheme: match[1].toLowerCase(), host: match[2] };
}
