import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  GitAbortedError,
  GitSpawnerExitedError,
  ProcessSpawner,
} from './spawner';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** Whether a process is still alive (a zombie waiting to be reaped counts as gone). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function waitUntil(
  check: () => Promise<boolean>,
  what: string | (() => Promise<string>),
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const name = typeof what === 'string' ? what : await what();
      throw new Error(`timed out waiting for ${name}`);
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

async function procState(pid: number): Promise<string> {
  return fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => 'gone');
}

async function readPid(file: string): Promise<number> {
  await waitUntil(
    async () =>
      (await fs.readFile(file, 'utf8').catch(() => '')).endsWith('\n'),
    `${file}`,
  );
  return Number((await fs.readFile(file, 'utf8')).trim());
}

describe('ProcessSpawner', () => {
  let dir: string;
  const spawners: ProcessSpawner[] = [];
  const make = (options: ConstructorParameters<typeof ProcessSpawner>[0]) => {
    const spawner = new ProcessSpawner(options);
    spawners.push(spawner);
    return spawner;
  };

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kp-spawner-'));
  });
  afterEach(async () => {
    for (const spawner of spawners.splice(0)) await spawner.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe.each([
    ['through the spawner process', false],
    ['directly', true],
  ])('%s', (_name, direct) => {
    it('passes the environment, working directory and input, and returns output and exit code', async () => {
      const spawner = make({ direct });
      const result = await spawner.run(
        'sh',
        ['-c', 'pwd; printf "%s\\n" "$KP_VALUE"; cat; echo oops >&2; exit 3'],
        {
          cwd: dir,
          env: { ...env, KP_VALUE: 'from the env' },
          input: Buffer.from('from stdin\n'),
          command: 'sh test',
        },
      );
      expect(result).toEqual({
        stdout: `${await fs.realpath(dir)}\nfrom the env\nfrom stdin\n`,
        stderr: 'oops\n',
        exitCode: 3,
      });
      expect(spawner.helperPid === undefined).toBe(direct);
    });

    it('only passes the given environment', async () => {
      const spawner = make({ direct });
      const result = await spawner.run('sh', ['-c', 'env'], {
        cwd: dir,
        env: { ...env, ONLY: 'this' },
        command: 'sh env',
      });
      const names = result.stdout
        .split('\n')
        .filter(Boolean)
        .map(line => line.split('=')[0])
        .filter(name => !['PWD', 'SHLVL', '_'].includes(name))
        .sort();
      expect(names).toEqual(['ONLY', 'PATH']);
    });

    it('reports a command killed by a signal as 128 + the signal number', async () => {
      const spawner = make({ direct });
      const result = await spawner.run('sh', ['-c', 'kill -9 $$'], {
        env,
        cwd: dir,
        command: 'sh kill',
      });
      expect(result.exitCode).toBe(128 + 9);
    });

    it('fails clearly when the program cannot be started', async () => {
      const spawner = make({ direct });
      await expect(
        spawner.run('kp-no-such-program', [], {
          env,
          cwd: dir,
          command: 'kp-no-such-program',
        }),
      ).rejects.toThrow(/^kp-no-such-program could not be started: .*ENOENT/);
    });

    it('aborting kills the command and the processes it started', async () => {
      const spawner = make({ direct });
      const pidFile = path.join(dir, 'pid');
      const controller = new AbortController();
      const run = spawner.run(
        'sh',
        ['-c', `sleep 60 & echo $! > ${pidFile}; wait`],
        { env, cwd: dir, signal: controller.signal, command: 'sh sleep' },
      );
      const grandchild = await readPid(pidFile);
      expect(await alive(grandchild)).toBe(true);
      controller.abort();
      await expect(run).rejects.toBeInstanceOf(GitAbortedError);
      await expect(run).rejects.toThrow('sh sleep was aborted');
      await waitUntil(async () => !(await alive(grandchild)), 'the sleep');
    });

    it('kills a command that prints more than the output limit', async () => {
      const spawner = make({ direct, maxOutputBytes: 64 * 1024 });
      await expect(
        spawner.run('yes', [], { env, cwd: dir, command: 'yes' }),
      ).rejects.toThrow('yes printed more than 65536 bytes');
    });
  });

  it('never passes the environment of a command on the spawner process command line', async () => {
    const spawner = make({});
    await spawner.run('true', [], {
      env: { ...env, KP_SECRET: 'kp-secret-value' },
      cwd: dir,
      command: 'true',
    });
    const pid = spawner.helperPid!;
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
    const environ = await fs.readFile(`/proc/${pid}/environ`, 'utf8');
    expect(cmdline).toContain('--max-old-space-size=32');
    expect(cmdline).not.toContain('kp-secret-value');
    expect(environ).not.toContain('kp-secret-value');
    expect(environ).not.toContain('NODE_OPTIONS');
  });

  it('fails in-flight commands with a retryable error when the spawner process dies, ends them, and restarts it', async () => {
    const spawner = make({});
    const pidFile = path.join(dir, 'pid');
    const run = spawner.run(
      'sh',
      ['-c', `echo $$ > ${pidFile}; exec sleep 60`],
      { env, cwd: dir, command: 'sh sleep' },
    );
    const command = await readPid(pidFile);
    // The helper tells its commands' process ids as it starts them: once told, they never outlive it.
    await waitUntil(
      async () => spawner.runningPids.includes(command),
      'the process id',
    );
    const helper = spawner.helperPid!;
    process.kill(helper, 'SIGKILL');
    const error = await run.catch(e => e);
    expect(error).toBeInstanceOf(GitSpawnerExitedError);
    expect(error.message).toBe(
      'sh sleep was interrupted: the git spawner process exited (signal SIGKILL); the command can be retried',
    );
    await waitUntil(async () => !(await alive(command)), 'the orphan');

    const again = await spawner.run('echo', ['again'], {
      env,
      cwd: dir,
      command: 'echo',
    });
    expect(again.stdout).toBe('again\n');
    expect(spawner.helperPid).toBeDefined();
    expect(spawner.helperPid).not.toBe(helper);
  });

  it('close ends the spawner process and the commands it still runs', async () => {
    const spawner = make({});
    const pidFile = path.join(dir, 'pid');
    const run = spawner.run(
      'sh',
      ['-c', `echo $$ > ${pidFile}; exec sleep 60`],
      { env, cwd: dir, command: 'sh sleep' },
    );
    const command = await readPid(pidFile);
    const helper = spawner.helperPid!;
    await spawner.close();
    expect(await alive(helper)).toBe(false);
    await expect(run).rejects.toBeInstanceOf(GitSpawnerExitedError);
    await waitUntil(
      async () => !(await alive(command)),
      async () => `the command (${await procState(command)})`,
    );
  });

  it('runs commands directly when the spawner process cannot be started, and says so once', async () => {
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) };
    const spawner = make({ logger: logger as any });
    const execPath = process.execPath;
    Object.defineProperty(process, 'execPath', {
      value: path.join(dir, 'no-node'),
      configurable: true,
    });
    try {
      const results = await Promise.all(
        [1, 2].map(n =>
          spawner.run('echo', [`${n}`], { env, cwd: dir, command: 'echo' }),
        ),
      );
      expect(results.map(r => r.stdout)).toEqual(['1\n', '2\n']);
      expect(
        (await spawner.run('echo', ['3'], { env, cwd: dir, command: 'echo' }))
          .stdout,
      ).toBe('3\n');
    } finally {
      Object.defineProperty(process, 'execPath', {
        value: execPath,
        configurable: true,
      });
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^git commands run directly from the backend process: the spawner process could not be started/,
    );
    expect(spawner.helperPid).toBeUndefined();
  });

  describe('in a backend process', () => {
    const harness = (pidFile: string) => `
      const { ProcessSpawner } = require(${JSON.stringify(
        path.join(__dirname, 'spawner.ts'),
      )});
      const spawner = new ProcessSpawner();
      const env = { PATH: process.env.PATH };
      spawner.run('echo', ['first'], { env, command: 'echo' }).then(result => {
        console.log('helper', spawner.helperPid, result.stdout.trim());
        if (process.argv[2] === 'hold') {
          spawner.run('sh', ['-c', 'echo $$ > ${pidFile}; exec sleep 60'], { env, command: 'sh' });
        }
      });
    `;
    const startBackend = async (script: string, mode: string) => {
      const file = path.join(dir, 'backend.ts');
      await fs.writeFile(file, script);
      const child = spawn(
        process.execPath,
        [
          '--require',
          require.resolve('@backstage/cli/config/nodeTransform.cjs'),
          file,
          mode,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', chunk => {
        out += chunk;
      });
      const exited = new Promise<number | null>(resolve =>
        child.on('exit', code => resolve(code)),
      );
      await waitUntil(
        async () => /helper \d+ first/.test(out),
        'the backend',
        30_000,
      );
      return { child, exited, helper: Number(/helper (\d+)/.exec(out)![1]) };
    };

    it('does not keep the backend alive once its commands are done', async () => {
      const { exited, helper } = await startBackend(
        harness(path.join(dir, 'pid')),
        'idle',
      );
      expect(await exited).toBe(0);
      await waitUntil(async () => !(await alive(helper)), 'the spawner');
    }, 40_000);

    it('exits with its commands when the backend is killed with SIGKILL', async () => {
      const pidFile = path.join(dir, 'pid');
      const { child, exited, helper } = await startBackend(
        harness(pidFile),
        'hold',
      );
      const command = await readPid(pidFile);
      child.kill('SIGKILL');
      await exited;
      await waitUntil(async () => !(await alive(helper)), 'the spawner');
      await waitUntil(async () => !(await alive(command)), 'the command');
      expect(await alive(command)).toBe(false);
    }, 40_000);
  });
});
