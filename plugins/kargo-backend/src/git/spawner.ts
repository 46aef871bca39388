import { ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import type { LoggerService } from '@backstage/backend-plugin-api';

/** How a command is run by {@link ProcessSpawner.run}. */
export interface SpawnOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  input?: string | Buffer;
  signal?: AbortSignal;
  /** `git <subcommand>`, redacted, for messages. */
  command: string;
}

/** What a command printed and how it exited. */
export interface SpawnResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A command that was aborted through its signal. @public */
export class GitAbortedError extends Error {
  override name = 'AbortError';
}

/**
 * The helper process that starts commands exited while a command ran. The command's processes were ended; it
 * may be run again (the next command starts a new helper).
 *
 * @public
 */
export class GitSpawnerExitedError extends Error {
  override name = 'GitSpawnerExitedError';
  readonly retryable = true;
}

export const KILL_GRACE_MS = 5000;
export const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/*
 * The helper: a small Node process (its own small heap) that starts commands on request over its IPC channel and
 * streams their output back. Starting a process forks its parent, and forking the backend (hundreds of MB of
 * mappings) blocks the backend's event loop for milliseconds per process; forking this helper does not block
 * the backend at all. Requests carry the command's environment (credentials included) over the private IPC pipe
 * only; the helper never prints or logs them. When its channel closes (the backend stopped, closed the client
 * or was killed), it ends every command it started (their process groups) and exits.
 */
const HELPER_SCRIPT = `'use strict';
const { spawn } = require('child_process');
const running = new Map();
const killGroup = (entry, signal) => {
  if (entry.child.pid === undefined) return;
  try { process.kill(-entry.child.pid, signal); } catch (e) { /* already gone */ }
};
// A write to a closed channel fails in the callback (the 'disconnect' handler then ends everything).
const send = message => { if (process.connected) process.send(message, undefined, undefined, () => {}); };
const endAll = () => { for (const entry of running.values()) killGroup(entry, 'SIGKILL'); };
// Whatever happens to the helper, the commands it started do not outlive it.
process.on('uncaughtException', () => { endAll(); process.exit(70); });
// Interrupts from a terminal reach the backend's whole process group: the backend decides, and the helper goes
// when its channel closes.
process.on('SIGINT', () => {});
process.on('disconnect', () => {
  endAll();
  process.exit(0);
});
process.on('message', message => {
  if (message.t === 'run') run(message);
  else if (message.t === 'abort') {
    const entry = running.get(message.id);
    if (!entry || entry.abortTimer) return;
    killGroup(entry, 'SIGTERM');
    entry.abortTimer = setTimeout(() => killGroup(entry, 'SIGKILL'), message.graceMs);
  }
});
function run(m) {
  let child;
  try {
    // A process group of its own, so that aborting also ends the helpers git starts (remote-https, ssh).
    child = spawn(m.binary, m.args, { cwd: m.cwd, env: m.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  } catch (error) {
    send({ t: 'error', id: m.id, message: String(error && error.message) });
    return;
  }
  const entry = { child, size: 0, tooLarge: false, done: false, abortTimer: undefined };
  running.set(m.id, entry);
  if (child.pid !== undefined) send({ t: 'pid', id: m.id, pid: child.pid });
  const collect = fd => chunk => {
    entry.size += chunk.length;
    if (entry.size > m.maxOutput) {
      if (!entry.tooLarge) { entry.tooLarge = true; killGroup(entry, 'SIGKILL'); }
      return;
    }
    send({ t: 'out', id: m.id, fd, data: chunk });
  };
  child.stdout.on('data', collect(1));
  child.stderr.on('data', collect(2));
  child.stdin.on('error', () => { /* the command may exit before reading its input */ });
  const input = m.input === undefined ? '' : typeof m.input === 'string' ? m.input : Buffer.from(m.input.buffer, m.input.byteOffset, m.input.byteLength);
  child.stdin.end(input);
  const finish = message => {
    if (entry.done) return;
    entry.done = true;
    if (entry.abortTimer) clearTimeout(entry.abortTimer);
    running.delete(m.id);
    send(message);
  };
  child.on('error', error => finish({ t: 'error', id: m.id, message: String(error && error.message) }));
  child.on('close', (code, signal) => finish({ t: 'exit', id: m.id, code, signal, tooLarge: entry.tooLarge }));
}
send({ t: 'ready' });
`;

interface Pending {
  /** The helper running the command. */
  helper: ChildProcess;
  binary: string;
  args: string[];
  options: SpawnOptions;
  stdout: Buffer[];
  stderr: Buffer[];
  pid?: number;
  aborted: boolean;
  onAbort: () => void;
  resolve: (result: SpawnResult) => void;
  reject: (error: Error) => void;
}

type HelperMessage =
  | { t: 'ready' }
  | { t: 'pid'; id: number; pid: number }
  | { t: 'out'; id: number; fd: 1 | 2; data: Uint8Array }
  | { t: 'error'; id: number; message: string }
  | {
      t: 'exit';
      id: number;
      code: number | null;
      signal: NodeJS.Signals | null;
      tooLarge: boolean;
    };

/**
 * Starts commands for a {@link GitClient}: through a long-lived helper process (started on first use), or
 * directly when the helper cannot be started (logged once).
 */
export class ProcessSpawner {
  readonly #logger?: LoggerService;
  readonly #maxOutputBytes: number;
  #helper?: ChildProcess;
  #direct = false;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(
    options: {
      logger?: LoggerService;
      /** Runs every command directly (no helper process). */
      direct?: boolean;
      maxOutputBytes?: number;
    } = {},
  ) {
    this.#logger = options.logger;
    this.#direct = options.direct ?? false;
    this.#maxOutputBytes = options.maxOutputBytes ?? MAX_OUTPUT_BYTES;
  }

  /** The helper's process id while it runs (for tests and diagnostics). */
  get helperPid(): number | undefined {
    return this.#helper?.pid;
  }

  /** The process ids of the commands running through the helper (for tests and diagnostics). */
  get runningPids(): number[] {
    return [...this.#pending.values()].flatMap(p =>
      p.pid === undefined ? [] : [p.pid],
    );
  }

  /** Runs a command; rejects with {@link GitAbortedError} when aborted. */
  run(
    binary: string,
    args: string[],
    options: SpawnOptions,
  ): Promise<SpawnResult> {
    const helper = this.#direct ? undefined : this.#ensureHelper();
    if (!helper) {
      return spawnDirect(binary, args, options, this.#maxOutputBytes);
    }
    return new Promise<SpawnResult>((resolve, reject) => {
      const id = this.#nextId++;
      const pending: Pending = {
        helper,
        binary,
        args,
        options,
        stdout: [],
        stderr: [],
        aborted: false,
        onAbort: () => {
          pending.aborted = true;
          if (helper.connected) {
            helper.send({ t: 'abort', id, graceMs: KILL_GRACE_MS });
          }
        },
        resolve,
        reject,
      };
      this.#pending.set(id, pending);
      this.#updateRef();
      options.signal?.addEventListener('abort', pending.onAbort, {
        once: true,
      });
      helper.send(
        {
          t: 'run',
          id,
          binary,
          args,
          cwd: options.cwd,
          env: options.env,
          input: options.input,
          maxOutput: this.#maxOutputBytes,
        },
        error => {
          // A helper that failed to start is handled by its 'error' event (the command then runs directly).
          if (error && helper.pid !== undefined) {
            this.#fail(id, helperGone(options.command, error.message));
          }
        },
      );
    });
  }

  /** Ends the helper (and any command it still runs) and waits for it to exit. */
  async close(): Promise<void> {
    const helper = this.#helper;
    if (!helper) return;
    if (helper.exitCode !== null || helper.signalCode !== null) return;
    const exited = new Promise<void>(resolve =>
      helper.once('exit', () => resolve()),
    );
    if (helper.connected) helper.disconnect();
    else helper.kill('SIGKILL');
    await exited;
  }

  #ensureHelper(): ChildProcess | undefined {
    // A helper whose channel closed is exiting (its 'exit' fails its commands): the next one starts now.
    if (this.#helper?.connected) return this.#helper;
    let helper: ChildProcess;
    try {
      helper = spawn(
        process.execPath,
        [
          '--max-old-space-size=32',
          '--max-semi-space-size=1',
          '-e',
          HELPER_SCRIPT,
        ],
        {
          // Nothing of the backend's environment (NODE_OPTIONS, require hooks, secrets): each command brings its
          // own.
          env: {},
          cwd: os.tmpdir(),
          stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
          serialization: 'advanced',
        },
      );
    } catch (error) {
      this.#useDirect(error);
      return undefined;
    }
    this.#helper = helper;
    helper.on('message', (message: HelperMessage) => this.#onMessage(message));
    helper.on('error', error => {
      // The helper could not be started at all: commands run directly from now on.
      if (helper.pid === undefined) {
        this.#helper = undefined;
        this.#useDirect(error);
        // The commands sent to it never ran: they run directly.
        for (const [id, pending] of this.#pending) {
          if (pending.helper !== helper) continue;
          this.#pending.delete(id);
          pending.options.signal?.removeEventListener('abort', pending.onAbort);
          if (pending.aborted) {
            pending.reject(aborted(pending.options.command));
          } else {
            spawnDirect(
              pending.binary,
              pending.args,
              pending.options,
              this.#maxOutputBytes,
            ).then(pending.resolve, pending.reject);
          }
        }
      }
    });
    helper.on('exit', (code, signal) => {
      // The channel's last messages are read before it disconnects: every command's process id is known then.
      const state: { handled: boolean; fallback?: NodeJS.Timeout } = {
        handled: false,
      };
      const handle = () => {
        if (state.handled) return;
        state.handled = true;
        clearTimeout(state.fallback);
        this.#helperExited(helper, code, signal);
      };
      state.fallback = setTimeout(handle, 1000);
      state.fallback.unref();
      if (helper.connected) helper.once('disconnect', handle);
      else handle();
    });
    this.#updateRef();
    return helper;
  }

  #helperExited(
    helper: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ) {
    if (this.#helper === helper) this.#helper = undefined;
    const reason = signal ? `signal ${signal}` : `exit code ${code}`;
    for (const [id, pending] of this.#pending) {
      if (pending.helper !== helper) continue;
      // Its commands are orphans now: end them, as the helper would have.
      if (pending.pid !== undefined) killGroup(pending.pid, 'SIGKILL');
      this.#fail(id, helperGone(pending.options.command, reason));
    }
  }

  #useDirect(error: unknown) {
    this.#direct = true;
    this.#logger?.warn(
      `git commands run directly from the backend process: the spawner process could not be started (${
        error instanceof Error ? error.message : String(error)
      })`,
    );
  }

  /** The helper keeps the backend alive only while it runs commands. */
  #updateRef() {
    const helper = this.#helper;
    if (!helper) return;
    const channel = (helper as { channel?: { ref(): void; unref(): void } })
      .channel;
    if (this.#pending.size > 0) {
      helper.ref();
      channel?.ref();
    } else {
      helper.unref();
      channel?.unref();
    }
  }

  #fail(id: number, error: Error) {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    pending.options.signal?.removeEventListener('abort', pending.onAbort);
    this.#updateRef();
    pending.reject(pending.aborted ? aborted(pending.options.command) : error);
  }

  #onMessage(message: HelperMessage) {
    if (message.t === 'ready') return;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    switch (message.t) {
      case 'pid':
        pending.pid = message.pid;
        return;
      case 'out': {
        const data = Buffer.from(
          message.data.buffer,
          message.data.byteOffset,
          message.data.byteLength,
        );
        (message.fd === 1 ? pending.stdout : pending.stderr).push(data);
        return;
      }
      case 'error':
        this.#fail(
          message.id,
          new Error(
            `${pending.options.command} could not be started: ${message.message}`,
          ),
        );
        return;
      case 'exit': {
        this.#pending.delete(message.id);
        pending.options.signal?.removeEventListener('abort', pending.onAbort);
        this.#updateRef();
        const outcome = settle(pending, {
          code: message.code,
          signal: message.signal,
          tooLarge: message.tooLarge,
          maxOutputBytes: this.#maxOutputBytes,
        });
        if (outcome instanceof Error) pending.reject(outcome);
        else pending.resolve(outcome);
        return;
      }
      default:
    }
  }
}

function helperGone(command: string, reason: string): GitSpawnerExitedError {
  return new GitSpawnerExitedError(
    `${command} was interrupted: the git spawner process exited (${reason}); the command can be retried`,
  );
}

function aborted(command: string) {
  return new GitAbortedError(`${command} was aborted`);
}

function killGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function settle(
  state: {
    stdout: Buffer[];
    stderr: Buffer[];
    aborted: boolean;
    options: SpawnOptions;
  },
  exit: {
    code: number | null;
    signal: NodeJS.Signals | null;
    tooLarge: boolean;
    maxOutputBytes: number;
  },
): SpawnResult | Error {
  if (state.aborted) return aborted(state.options.command);
  if (exit.tooLarge) {
    return new Error(
      `${state.options.command} printed more than ${exit.maxOutputBytes} bytes`,
    );
  }
  return {
    stdout: Buffer.concat(state.stdout).toString('utf8'),
    stderr: Buffer.concat(state.stderr).toString('utf8'),
    exitCode:
      exit.code ??
      (exit.signal ? 128 + (os.constants.signals[exit.signal] ?? 0) : 1),
  };
}

/** Starts a command from this process (the fallback when the helper cannot be started). */
export function spawnDirect(
  binary: string,
  args: string[],
  options: SpawnOptions,
  maxOutputBytes: number = MAX_OUTPUT_BYTES,
): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    // A process group of its own, so that aborting also ends the helpers git starts (remote-https, ssh).
    const child = spawn(binary, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const state = {
      stdout: [] as Buffer[],
      stderr: [] as Buffer[],
      aborted: false,
      options,
    };
    let size = 0;
    let tooLarge = false;
    let killTimer: NodeJS.Timeout | undefined;

    const kill = (signal: NodeJS.Signals) => {
      if (child.pid !== undefined) killGroup(child.pid, signal);
    };
    const onAbort = () => {
      state.aborted = true;
      kill('SIGTERM');
      killTimer = setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const collect = (chunks: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutputBytes) {
        if (!tooLarge) {
          tooLarge = true;
          kill('SIGKILL');
        }
        return;
      }
      chunks.push(chunk);
    };
    child.stdout.on('data', collect(state.stdout));
    child.stderr.on('data', collect(state.stderr));
    child.stdin.on('error', () => {
      // git may exit before reading its input; the exit code tells what happened.
    });
    child.stdin.end(options.input ?? '');

    child.on('error', error => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(
        new Error(`${options.command} could not be started: ${error.message}`),
      );
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      const outcome = settle(state, { code, signal, tooLarge, maxOutputBytes });
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    });
  });
}
