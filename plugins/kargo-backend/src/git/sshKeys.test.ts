import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { GitTestServer, runGit } from '../__testUtils__/services/gitServer';
import {
  generateSshKey,
  SshTestServer,
} from '../__testUtils__/services/sshServer';
import { GitClient } from './GitClient';
import { isSshUrl, readGitSshKeys, sshCommand, sshKeyFor } from './sshKeys';

describe('SSH keys for Git', () => {
  it.each([
    ['ssh://git@github.com/acme/gitops.git', true],
    ['git@github.com:acme/gitops.git', true],
    ['github.com:acme/gitops', true],
    ['https://github.com/acme/gitops.git', false],
    ['file:///tmp/repo.git', false],
    ['/tmp/repo.git', false],
  ])('isSshUrl(%s) is %s', (url, expected) => {
    expect(isSshUrl(url)).toBe(expected);
  });

  const keys = readGitSshKeys(
    new ConfigReader({
      kargo: {
        gitSshKeys: [
          { repoURLPattern: '^git@github\\.com:acme/', sshPrivateKey: 'acme' },
          {
            repoURL: 'ssh://git@github.com/acme/special',
            sshPrivateKey: 'special',
          },
          {
            repoURLPattern: 'gitlab',
            sshPrivateKey: 'gitlab',
            knownHosts: 'h',
          },
        ],
      },
    }),
  );

  it.each([
    // An exact repoURL wins over an earlier pattern, in Kargo's normalized form.
    ['git@github.com:acme/special.git', 'special'],
    ['git@github.com:acme/gitops.git', 'acme'],
    ['ssh://git@gitlab.example/x/y.git', 'gitlab'],
    ['git@github.com:other/gitops.git', undefined],
    // HTTPS URLs use the integrations, never a key.
    ['https://gitlab.example/x/y.git', undefined],
  ])('picks the key of %s', (url, expected) => {
    expect(sshKeyFor(keys, url)?.privateKey).toBe(expected);
  });

  it.each([
    [{ sshPrivateKey: 'k' }, 'set exactly one of repoURL and repoURLPattern'],
    [
      { repoURL: 'a', repoURLPattern: 'b', sshPrivateKey: 'k' },
      'set exactly one of repoURL and repoURLPattern',
    ],
    [
      { repoURLPattern: '(', sshPrivateKey: 'k' },
      'kargo.gitSshKeys[0].repoURLPattern: error parsing regexp',
    ],
  ])('refuses the entry %j', (entry, message) => {
    expect(() =>
      readGitSshKeys(new ConfigReader({ kargo: { gitSshKeys: [entry] } })),
    ).toThrow(message);
  });

  it('composes an ssh command that uses the key file only, quoted for the shell', () => {
    expect(
      sshCommand({
        keyFile: "/tmp/it's here/key",
        knownHostsFile: '/tmp/home/known_hosts',
        strictHostKeyChecking: true,
      }),
    ).toBe(
      "ssh -F /dev/null -i '/tmp/it'\\''s here/key' -o IdentitiesOnly=yes -o IdentityAgent=none " +
        "-o BatchMode=yes -o PasswordAuthentication=no -o 'UserKnownHostsFile=/tmp/home/known_hosts' " +
        '-o StrictHostKeyChecking=yes',
    );
    expect(
      sshCommand({
        keyFile: '/k',
        knownHostsFile: '/h',
        strictHostKeyChecking: false,
      }),
    ).toContain('StrictHostKeyChecking=accept-new');
  });
});

// A real sshd on loopback serving the test repositories (installed by ./portal test).
describe('Git over SSH with a key from config (real sshd)', () => {
  let sshd: SshTestServer;
  let server: GitTestServer;
  let repoPath: string;
  let tmpDir: string;

  beforeAll(async () => {
    if (!(await SshTestServer.available())) {
      throw new Error(
        'sshd is missing: install openssh-server (./portal test does)',
      );
    }
    sshd = await SshTestServer.start();
    server = await GitTestServer.create();
    await server.createRepository('gitops', {
      commits: [{ files: { 'a.yaml': 'a\n' } }],
    });
    repoPath = server.fileUrl('gitops').replace('file://', '');
    tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kp-ssh-client-'));
  }, 30_000);
  afterAll(async () => {
    await sshd?.stop();
    await server?.stop();
    await fs.rm(tmpDir, { recursive: true, force: true });
  });

  const client = (key: { sshPrivateKey: string; knownHosts?: string }) =>
    GitClient.create({
      tmpDir,
      sshKeys: readGitSshKeys(
        new ConfigReader({
          kargo: {
            gitSshKeys: [
              { repoURLPattern: '^ssh://.*@127\\.0\\.0\\.1:', ...key },
            ],
          },
        }),
      ),
    });

  it('clones and pushes with the configured key and known hosts, leaving no key file behind', async () => {
    const git = await client({
      sshPrivateKey: sshd.clientKey.privateKey,
      knownHosts: sshd.knownHosts,
    });
    try {
      const url = sshd.url(repoPath);
      const work = path.join(tmpDir, 'clone');
      await git.run(['clone', '--quiet', url, work], { credentialsURL: url });
      expect(await fs.readFile(path.join(work, 'a.yaml'), 'utf8')).toBe('a\n');

      await fs.writeFile(path.join(work, 'b.yaml'), 'b\n');
      await git.run(['add', '.'], { cwd: work });
      await git.run(['commit', '--quiet', '-m', 'over ssh'], { cwd: work });
      await git.run(['push', '--quiet', 'origin', 'HEAD:main'], {
        cwd: work,
        credentialsURL: url,
      });
      expect(
        await runGit(['log', '-1', '--format=%s', 'main'], { cwd: repoPath }),
      ).toBe('over ssh\n');

      // The key was written for each command and removed after it.
      const leftovers = await fs.readdir(tmpDir, { recursive: true });
      expect(leftovers.filter(name => /(^|\/)ssh-/.test(String(name)))).toEqual(
        [],
      );
    } finally {
      await git.close();
    }
  }, 60_000);

  it('fails without an authorized key, and on a host key other than the configured one, without printing the key', async () => {
    const other = await generateSshKey(tmpDir, 'other');
    const url = sshd.url(repoPath);
    const wrongKey = await client({
      sshPrivateKey: other.privateKey,
      knownHosts: sshd.knownHosts,
    });
    const wrongHost = await client({
      sshPrivateKey: sshd.clientKey.privateKey,
      knownHosts: `[127.0.0.1]:${sshd.port} ${other.publicKey
        .split(' ')
        .slice(0, 2)
        .join(' ')}`,
    });
    try {
      const refused = await wrongKey
        .run(['ls-remote', url], { credentialsURL: url })
        .catch(e => e);
      expect(refused.message).toMatch(/Permission denied/);
      expect(refused.message).not.toContain('PRIVATE KEY');

      const spoofed = await wrongHost
        .run(['ls-remote', url], { credentialsURL: url })
        .catch(e => e);
      expect(spoofed.message).toMatch(/Host key verification failed/);
    } finally {
      await wrongKey.close();
      await wrongHost.close();
    }
  }, 60_000);
});
