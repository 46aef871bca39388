import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';

/*
 * A classic (static) Helm chart repository: a node HTTP server serving `index.yaml` and chart archives from a
 * temporary directory under `basePath`, as any web server or object store does. Charts are real archives
 * (`tar -czf` of a directory with Chart.yaml) listed in index.yaml with their digest. Optional basic
 * authentication; requests are recorded.
 */

const execFileAsync = promisify(execFile);

export interface HelmRepoServer {
  /** Repository URL, e.g. http://127.0.0.1:1234/charts */
  url: string;
  host: string;
  requests: Array<{ path: string; authorized: boolean }>;
  /** Packages a chart version and lists it in index.yaml. */
  publish(name: string, version: string): Promise<void>;
  stop(): Promise<void>;
}

interface IndexEntry {
  apiVersion: string;
  name: string;
  version: string;
  digest: string;
  created: string;
  urls: string[];
}

export async function startHelmRepo(
  options: {
    basicAuth?: { username: string; password: string };
    basePath?: string;
  } = {},
): Promise<HelmRepoServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kargo-helm-repo-'));
  const basePath = options.basePath ?? '/charts';
  const entries: Record<string, IndexEntry[]> = {};
  const requests: HelmRepoServer['requests'] = [];
  const expected =
    options.basicAuth &&
    `Basic ${Buffer.from(
      `${options.basicAuth.username}:${options.basicAuth.password}`,
    ).toString('base64')}`;

  const writeIndex = () =>
    fs.writeFile(
      path.join(dir, 'index.yaml'),
      stringify({
        apiVersion: 'v1',
        entries,
        generated: new Date().toISOString(),
      }),
    );
  await writeIndex();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://helm-repo');
    const authorized = !expected || req.headers.authorization === expected;
    requests.push({ path: url.pathname, authorized });
    if (!authorized) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="charts"' });
      res.end();
      return;
    }
    const name = url.pathname.startsWith(`${basePath}/`)
      ? url.pathname.slice(basePath.length + 1)
      : '';
    if (!/^[\w.+-]+$/.test(name)) {
      res.writeHead(404);
      res.end();
      return;
    }
    try {
      const content = await fs.readFile(path.join(dir, name));
      res.writeHead(200, {
        'content-type': name.endsWith('.yaml')
          ? 'application/x-yaml'
          : 'application/gzip',
      });
      res.end(content);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const host = `127.0.0.1:${port}`;

  return {
    url: `http://${host}${basePath}`,
    host,
    requests,
    async publish(chart, version) {
      const work = await fs.mkdtemp(path.join(os.tmpdir(), 'kargo-chart-'));
      try {
        await fs.mkdir(path.join(work, chart, 'templates'), {
          recursive: true,
        });
        await fs.writeFile(
          path.join(work, chart, 'Chart.yaml'),
          stringify({
            apiVersion: 'v2',
            name: chart,
            version,
            type: 'application',
          }),
        );
        const archive = `${chart}-${version}.tgz`;
        await execFileAsync('tar', [
          '-czf',
          path.join(dir, archive),
          '-C',
          work,
          chart,
        ]);
        const bytes = await fs.readFile(path.join(dir, archive));
        (entries[chart] ??= []).push({
          apiVersion: 'v2',
          name: chart,
          version,
          digest: createHash('sha256').update(bytes).digest('hex'),
          created: new Date().toISOString(),
          urls: [archive],
        });
        await writeIndex();
      } finally {
        await fs.rm(work, { recursive: true, force: true });
      }
    },
    stop: async () => {
      await new Promise<void>(resolve => server.close(() => resolve()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
