import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/** A backend process started by a multi-process (kill -9) test, with everything it printed. */
export interface TestProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: string[];
}

const packageDir = path.resolve(__dirname, '../..');

/**
 * Starts `script` (relative to the package, e.g. `src/__testUtils__/promotionWorkerProcess.ts`) in a Node process
 * of its own process group, so that {@link killGroup} takes it down with its git processes and hooks, like a
 * crash. `env` is added to this process's environment (the scripts read their config from it).
 */
export function startTestProcess(
  script: string,
  env: Record<string, string>,
  options: { stdin?: 'pipe' | 'ignore' } = {},
): TestProcess {
  const child = spawn(
    process.execPath,
    ['--require', '@backstage/cli/config/nodeTransform.cjs', script],
    {
      cwd: packageDir,
      env: { ...process.env, ...env },
      detached: true,
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  child.stdout!.on('data', d => output.push(String(d)));
  child.stderr!.on('data', d => output.push(String(d)));
  const exited = new Promise<number | null>(resolve =>
    child.on('exit', code => resolve(code)),
  );
  return { child, exited, output };
}

/** Kills the process and its whole process group with SIGKILL, as a crash would; a process already gone is fine. */
export function killGroup(p: TestProcess): void {
  try {
    process.kill(-p.child.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
