import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gitEnv } from './gitRepository';

/*
 * Real GPG keys for the commit signing tests, made with the Debian `gpg` package (which `./portal test`
 * installs when missing): a key pair generated without passphrase in a throwaway GnuPG home, and signature
 * checks with `git verify-commit` in another home that holds only the public key. Every gpg-agent started
 * here is stopped before the function returns.
 */

/** A signing key pair. */
export interface TestSigningKey {
  /** The ASCII-armored private key: what Kargo's `author.signingKey` holds. */
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

function run(
  file: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; input?: string },
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise(resolve => {
    const child = execFile(
      file,
      args,
      { env: options.env, cwd: options.cwd, encoding: 'utf8' },
      (error, stdout, stderr) =>
        resolve({
          stdout,
          stderr,
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
        }),
    );
    // gpg may exit before reading its input (gpgconf never reads it): the exit code tells what happened.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

async function withGnupgHome<T>(
  fn: (home: string, env: NodeJS.ProcessEnv) => Promise<T>,
): Promise<T> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'kp-gpg-'));
  const env = { PATH: process.env.PATH, GNUPGHOME: home, LANG: 'C' };
  try {
    return await fn(home, env);
  } finally {
    await run('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { env });
    await fs.rm(home, { recursive: true, force: true });
  }
}

/** Generates an ed25519 signing key for `name <email>`, without passphrase. */
export function generateSigningKey(
  name: string,
  email: string,
): Promise<TestSigningKey> {
  return withGnupgHome(async (_home, env) => {
    const batch = ['--batch', '--no-tty', '--pinentry-mode', 'loopback'];
    const made = await run(
      'gpg',
      [
        ...batch,
        '--passphrase',
        '',
        '--quick-gen-key',
        `${name} <${email}>`,
        'ed25519',
        'sign',
        '0',
      ],
      { env },
    );
    if (made.code !== 0) throw new Error(`gpg --quick-gen-key: ${made.stderr}`);
    const listed = await run(
      'gpg',
      ['--batch', '--with-colons', '--list-secret-keys'],
      {
        env,
      },
    );
    const fingerprint = listed.stdout
      .split('\n')
      .find(line => line.startsWith('fpr:'))
      ?.split(':')[9];
    if (!fingerprint) throw new Error('no fingerprint in gpg output');
    const privateKey = (
      await run(
        'gpg',
        [...batch, '--armor', '--export-secret-keys', fingerprint],
        {
          env,
        },
      )
    ).stdout;
    const publicKey = (
      await run('gpg', ['--batch', '--armor', '--export', fingerprint], { env })
    ).stdout;
    return { privateKey, publicKey, fingerprint };
  });
}

/**
 * `git verify-commit --raw <commit>` (or `verify-tag` for `kind: 'tag'`) in `cwd` against a keyring holding only
 * `publicKey`: the exit code and gpg's status lines (`[GNUPG:] GOODSIG ...`, `VALIDSIG <fingerprint> ...`).
 */
export function verifyCommit(
  cwd: string,
  ref: string,
  publicKey: string,
  kind: 'commit' | 'tag' = 'commit',
): Promise<{ code: number; status: string }> {
  return withGnupgHome(async (home, env) => {
    const imported = await run('gpg', ['--batch', '--import'], {
      env,
      input: publicKey,
    });
    if (imported.code !== 0)
      throw new Error(`gpg --import: ${imported.stderr}`);
    const verified = await run('git', [`verify-${kind}`, '--raw', ref], {
      env: { ...gitEnv(home), GNUPGHOME: home },
      cwd,
    });
    return { code: verified.code, status: verified.stderr };
  });
}
