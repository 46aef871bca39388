import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** A program a step runs: its executable and the arguments that come before the step's own. */
export interface ToolCommand {
  file: string;
  leadingArgs: string[];
}

/**
 * How to find one program: a configured path, else the first of `candidates` found on `PATH` (each with
 * arguments that come first, e.g. `kubectl kustomize`).
 */
export interface ToolLookup {
  /** The program as messages name it (`kustomize`). */
  name: string;
  /** The config key that sets its path, for messages. */
  configKey: string;
  configured?: string;
  candidates: Array<{ file: string; leadingArgs?: string[] }>;
}

/** Finds an executable on `PATH` (as `which` does), or undefined. */
export async function findOnPath(
  file: string,
  pathVariable = process.env.PATH ?? '',
): Promise<string | undefined> {
  for (const dir of pathVariable.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, file);
    try {
      const stats = await fs.stat(candidate);
      if (stats.isFile()) {
        await fs.access(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The command for a tool, looked up when a step first needs it (a binary installed later is found then). A
 * configured path that is not executable, or no candidate on `PATH`, is an error saying what to install or
 * configure; it is not terminal, so that a retry after installing the tool succeeds.
 */
export async function resolveTool(lookup: ToolLookup): Promise<ToolCommand> {
  if (lookup.configured) {
    try {
      await fs.access(lookup.configured, constants.X_OK);
    } catch (error) {
      throw new Error(
        `${lookup.name} is configured at ${lookup.configured} (${
          lookup.configKey
        }), which is not an executable file: ${(error as Error).message}`,
      );
    }
    return { file: lookup.configured, leadingArgs: [] };
  }
  for (const candidate of lookup.candidates) {
    const found = await findOnPath(candidate.file);
    if (found) return { file: found, leadingArgs: candidate.leadingArgs ?? [] };
  }
  throw new Error(
    `the ${lookup.name} binary was not found: looked for ${lookup.candidates
      .map(c => [c.file, ...(c.leadingArgs ?? [])].join(' '))
      .join(', then ')} on PATH; install it or set ${lookup.configKey}`,
  );
}

/** What a finished program printed. */
export interface ToolOutput {
  stdout: string;
  stderr: string;
}

/** The most a tool may print; more is an error (the rendered manifests of one step stay far below it). */
const MAX_OUTPUT_BYTES = 100 * 1024 * 1024;

/**
 * Runs a tool without a shell, in `cwd`, with an environment of `PATH` and `env` only: the backend's own
 * environment (database passwords, tokens) is not handed to programs that render repository content. Stops it
 * when `signal` aborts. A non-zero exit is an error carrying the tool's standard error.
 */
export function runTool(
  command: ToolCommand,
  args: string[],
  options: {
    cwd: string;
    env?: Record<string, string>;
    signal: AbortSignal;
    /** Written to the program's standard input (e.g. a password for `--password-stdin`), never to its arguments. */
    input?: string;
  },
): Promise<ToolOutput> {
  const name = path.basename(command.file);
  return new Promise((resolve, reject) => {
    const child = execFile(
      command.file,
      [...command.leadingArgs, ...args],
      {
        cwd: options.cwd,
        env: { PATH: process.env.PATH ?? '', ...options.env },
        signal: options.signal,
        maxBuffer: MAX_OUTPUT_BYTES,
        encoding: 'utf8',
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim() || error.message;
          reject(
            new Error(
              options.signal.aborted
                ? `${name} was stopped: the step was aborted`
                : `${name} failed: ${detail}`,
              { cause: error },
            ),
          );
          return;
        }
        resolve({ stdout, stderr });
      },
    );
    // A program that exits without reading its input closes the pipe first (EPIPE): its exit status and output
    // decide the result, not the unread input. Anything else writing to it is an error of the run.
    child.stdin?.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin?.end(options.input ?? '');
  });
}
