import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/*
 * A real OpenSSH server for the Git-over-SSH tests (Debian's openssh-server, which `./portal test` installs
 * when missing): `sshd -D` on a free loopback port, with a host key and an authorized client key of its own,
 * logging in the user that runs the tests, whose shell runs git-upload-pack / git-receive-pack on the
 * repositories of a GitTestServer (`ssh://<user>@127.0.0.1:<port><absolute path>`). No config of the machine is
 * read or changed, except that /run/sshd (sshd's privilege separation directory) is created when missing.
 * `stop()` ends the sshd it started, by its pid.
 */

export interface SshKeyPair {
  privateKey: string;
  publicKey: string;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8' }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`${file} ${args.join(' ')}: ${stderr || error}`))
        : resolve(stdout),
    );
  });
}

/** Generates an ed25519 key pair without passphrase. */
export async function generateSshKey(
  dir: string,
  name: string,
): Promise<SshKeyPair> {
  const file = path.join(dir, name);
  await run('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    name,
    '-f',
    file,
  ]);
  return {
    privateKey: await fs.readFile(file, 'utf8'),
    publicKey: await fs.readFile(`${file}.pub`, 'utf8'),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class SshTestServer {
  private constructor(
    private readonly process: ChildProcess,
    readonly port: number,
    readonly user: string,
    /** The key the server accepts. */
    readonly clientKey: SshKeyPair,
    /** The server's `known_hosts` line for `[127.0.0.1]:<port>`. */
    readonly knownHosts: string,
    private readonly dir: string,
  ) {}

  /** Whether sshd is installed here. */
  static async available(): Promise<boolean> {
    return fs.access('/usr/sbin/sshd').then(
      () => true,
      () => false,
    );
  }

  static async start(): Promise<SshTestServer> {
    const dir = await fs.realpath(
      await fs.mkdtemp(path.join(os.tmpdir(), 'kp-sshd-')),
    );
    const hostKey = await generateSshKey(dir, 'host_key');
    const clientKey = await generateSshKey(dir, 'client_key');
    await fs.writeFile(path.join(dir, 'authorized_keys'), clientKey.publicKey, {
      mode: 0o600,
    });
    if (process.getuid?.() === 0) {
      await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    }
    const port = await freePort();
    const user = os.userInfo().username;
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      `AllowUsers ${user}`,
      'LogLevel ERROR',
    ].join('\n');
    const configFile = path.join(dir, 'sshd_config');
    await fs.writeFile(configFile, `${config}\n`);
    const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', chunk => {
      stderr += String(chunk);
    });
    // Ready once the port accepts connections.
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) {
        throw new Error(`sshd exited: ${stderr}`);
      }
      const open = await new Promise<boolean>(resolve => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) break;
      if (i > 100) {
        child.kill();
        throw new Error(`sshd did not listen: ${stderr}`);
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    const [type, key] = hostKey.publicKey.split(' ');
    return new SshTestServer(
      child,
      port,
      user,
      clientKey,
      `[127.0.0.1]:${port} ${type} ${key}`,
      dir,
    );
  }

  /** The SSH URL of a bare repository at an absolute path. */
  url(repositoryPath: string): string {
    return `ssh://${this.user}@127.0.0.1:${this.port}${repositoryPath}`;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.pid !== undefined) {
      const exited = new Promise(resolve => this.process.once('exit', resolve));
      process.kill(this.process.pid, 'SIGTERM');
      await exited;
    }
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
