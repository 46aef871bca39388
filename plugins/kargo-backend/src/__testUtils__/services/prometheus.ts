import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './registry';

/*
 * A real Prometheus for tests (Debian's `prometheus` package) on a free loopback port, with a temporary config
 * that scrapes, every second, a local HTTP endpoint exposing one gauge whose value the test sets. Stopped by the
 * PID of the process it started, and its data directory removed.
 */

export interface TestPrometheus {
  /** http://127.0.0.1:port */
  url: string;
  /** Sets the value of the gauge `kargo_test_value` (the next scrape picks it up). */
  setValue(value: number): void;
  /** Waits until a query of the gauge answers `value` (a scrape happened). */
  waitForValue(value: number, timeoutMs?: number): Promise<void>;
  logs(): string;
  stop(): Promise<void>;
}

async function startExporter(): Promise<{
  server: http.Server;
  port: number;
  setValue: (v: number) => void;
}> {
  let value = 0;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      `# HELP kargo_test_value A value the test sets.\n# TYPE kargo_test_value gauge\nkargo_test_value ${value}\n`,
    );
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    setValue: v => {
      value = v;
    },
  };
}

export async function startPrometheus(): Promise<TestPrometheus> {
  const exporter = await startExporter();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kargo-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  await fs.writeFile(
    configFile,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: test',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${exporter.port}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', d => (output += String(d)));
  child.stderr?.on('data', d => (output += String(d)));
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>(resolve => exporter.server.close(() => resolve()));
    await fs.rm(dir, { recursive: true, force: true });
  };
  const query = async (q: string) => {
    const response = await fetch(
      `${url}/api/v1/query?query=${encodeURIComponent(q)}`,
    );
    return (await response.json()) as {
      data?: { result?: Array<{ value: [number, string] }> };
    };
  };
  const waitForValue = async (value: number, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`prometheus exited (${child.exitCode}):\n${output}`);
      }
      try {
        const result = await query('kargo_test_value');
        if (Number(result.data?.result?.[0]?.value[1]) === value) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Prometheus did not see kargo_test_value ${value} in time:\n${output}`,
        );
      }
      await new Promise(r => setTimeout(r, 200));
    }
  };
  try {
    await waitForValue(0, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    setValue: exporter.setValue,
    waitForValue,
    logs: () => output,
    stop,
  };
}
