import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTool } from './externalTool';

describe('runTool', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-tool-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const script = (name: string, body: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return { file, leadingArgs: [] };
  };

  it('takes the exit status of a program that exits without reading its input (a closed pipe is no error)', async () => {
    // More input than a pipe holds, to a program that never reads it: writing meets EPIPE.
    const input = 'x'.repeat(4 * 1024 * 1024);
    const signal = new AbortController().signal;
    await expect(
      runTool(script('quick', 'echo done'), [], { cwd: dir, signal, input }),
    ).resolves.toEqual({ stdout: 'done\n', stderr: '' });
    await expect(
      runTool(script('fails', 'echo broken >&2; exit 3'), [], {
        cwd: dir,
        signal,
        input,
      }),
    ).rejects.toThrow('fails failed: broken');
  });

  it('gives a program its input on standard input', async () => {
    await expect(
      runTool(script('reader', 'cat'), [], {
        cwd: dir,
        signal: new AbortController().signal,
        input: 'secret\n',
      }),
    ).resolves.toEqual({ stdout: 'secret\n', stderr: '' });
  });
});
