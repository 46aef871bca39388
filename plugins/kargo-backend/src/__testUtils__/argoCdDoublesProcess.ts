/* eslint-disable no-console */
/*
 * TEST DOUBLES in their own process, for the demo (`./portal start`) and the browser tests: the Kubernetes API
 * server double, the Argo CD controller simulator and the ApplicationSet controller double (list generators) of
 * ./doubles (the same code the backend tests use), plus a
 * read-only page per Application that stands in for the Argo CD UI ("simulated Argo CD"). Run from the
 * repository root with
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs \
 *     plugins/kargo-backend/src/__testUtils__/argoCdDoublesProcess.ts --out <dir> [options]
 *
 * Options: --applications <yaml> (Argo CD Applications created at start, e.g. examples/argocd/applications.yaml),
 * --api-port <port> (the Kubernetes API double, TLS; random by default), --ui-port <port> (the simulated UI and
 * `/healthz`; random by default), --tick-ms <ms> (one simulator step; 1000), --delay-steps <n> (slowness: steps a
 * sync runs and the app stays Progressing; 3), --resolve-git (a `file://` source's branch resolves to its head
 * commit, as Argo CD resolves a branch).
 *
 * It writes into <dir>: `ca.pem` (the double's CA) and `app-config.yaml` (mode 0600), the backend's
 * `kargo.argocd` configuration for the double, with its URL, CA file and bearer token. The token is only in that
 * file: it is never printed. It prints one line `ready <ui url>` once everything listens, and stops on SIGINT or
 * SIGTERM.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { fieldObject } from './doubles/argoCdApplications';
import { resolveFileRepositoryRevision } from './doubles/argoCdGitRevisions';
import { ArgoCdApplicationSetController } from './doubles/argoCdApplicationSetController';
import { ArgoCdSimulator } from './doubles/argoCdSimulator';
import { KubernetesApiServerDouble } from './doubles/kubernetesApiServer';
import { Json } from './doubles/kubernetesPatch';
import {
  KubernetesObjectDouble,
  resourceTypes,
} from './doubles/kubernetesResources';

const CLUSTER = 'kubernetes-double';
const NAMESPACE = 'argocd';
const TITLE = 'simulated Argo CD';

interface Options {
  out: string;
  applications?: string;
  apiPort?: number;
  uiPort?: number;
  tickMs: number;
  delaySteps: number;
  resolveGit: boolean;
}

function parseOptions(args: string[]): Options {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--resolve-git') flags.add(arg);
    else if (arg.startsWith('--') && i + 1 < args.length)
      values.set(arg, args[++i]);
    else throw new Error(`unknown argument ${arg}`);
  }
  const number = (name: string) => {
    const value = values.get(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`${name} must be a non-negative integer, not ${value}`);
    return n;
  };
  const out = values.get('--out');
  if (!out) throw new Error('--out <dir> is required');
  for (const name of values.keys()) {
    if (
      ![
        '--out',
        '--applications',
        '--api-port',
        '--ui-port',
        '--tick-ms',
        '--delay-steps',
      ].includes(name)
    )
      throw new Error(`unknown option ${name}`);
  }
  return {
    out: path.resolve(out),
    applications: values.get('--applications'),
    apiPort: number('--api-port'),
    uiPort: number('--ui-port'),
    tickMs: number('--tick-ms') ?? 1000,
    delaySteps: number('--delay-steps') ?? 3,
    resolveGit: flags.has('--resolve-git'),
  };
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    c =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[
        c
      ] ?? c),
  );

function applicationPage(app: KubernetesObjectDouble): string {
  const status = fieldObject(app.status);
  const line = (label: string, value: Json | undefined) =>
    `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(
      value === undefined ? '—' : String(value),
    )}</td></tr>`;
  const field = (value: Json | undefined, name: string) =>
    fieldObject(value)[name];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>${escapeHtml(app.metadata.name)} · ${TITLE}</title></head><body>
<p>${TITLE}: a test double of Argo CD for the Kargo Portal demo, not Argo CD.</p>
<h1>${escapeHtml(app.metadata.namespace ?? '')}/${escapeHtml(
    app.metadata.name,
  )}</h1>
<table>
${line('Health', field(status.health, 'status'))}
${line('Sync', field(status.sync, 'status'))}
${line('Revision', field(status.sync, 'revision'))}
${line('Last operation', field(status.operationState, 'phase'))}
${line('Operation message', field(status.operationState, 'message'))}
${line('Reconciled at', status.reconciledAt)}
</table>
<h2>Manifest</h2><pre>${escapeHtml(stringify(app))}</pre>
</body></html>`;
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const server = await KubernetesApiServerDouble.start({
    name: CLUSTER,
    port: options.apiPort,
    namespaces: ['default', 'kube-system', NAMESPACE],
  });
  const simulator = new ArgoCdSimulator({
    store: server.store,
    resolveRevision: options.resolveGit
      ? resolveFileRepositoryRevision
      : undefined,
    // Applications that ApplicationSets generate (e.g. from the "new service" template) are as slow as the rest.
    defaultSwitches: { delaySteps: options.delaySteps },
  });
  const applicationSets = new ArgoCdApplicationSetController({
    store: server.store,
  });

  const names: Array<{ name: string; namespace: string }> = [];
  if (options.applications) {
    const text = fs.readFileSync(options.applications, 'utf8');
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0)
        throw new Error(
          `${options.applications}: ${document.errors[0].message}`,
        );
      const object = document.toJS();
      if (object === null || object === undefined) continue;
      const stored = server.store.put(object, 'kubectl');
      names.push({
        name: stored.metadata.name,
        namespace: stored.metadata.namespace ?? NAMESPACE,
      });
    }
  }
  for (const { name, namespace } of names) {
    simulator.configure(name, { delaySteps: options.delaySteps }, namespace);
  }
  simulator.startRealTime(options.tickMs);
  applicationSets.startRealTime(options.tickMs);

  // Ready once the backend's config is written: a browser test's web server waits for /healthz.
  let ready = false;
  const ui = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/applications\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (url.pathname === '/healthz') {
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ok' : 'starting');
      return;
    }
    const app = match
      ? server.store.get(
          resourceTypes.application,
          decodeURIComponent(match[1]),
          decodeURIComponent(match[2]),
        )
      : undefined;
    if (app) {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(applicationPage(app));
      return;
    }
    const list = server.store
      .list(resourceTypes.application)
      .map(
        a =>
          `<li><a href="/applications/${encodeURIComponent(
            a.metadata.namespace ?? '',
          )}/${encodeURIComponent(a.metadata.name)}">${escapeHtml(
            a.metadata.name,
          )}</a></li>`,
      )
      .join('');
    res
      .writeHead(match ? 404 : 200, {
        'content-type': 'text/html; charset=utf-8',
      })
      .end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${TITLE}</title></head><body><h1>${TITLE}</h1><ul>${list}</ul></body></html>`,
      );
  });
  await new Promise<void>((resolve, reject) => {
    ui.once('error', reject);
    ui.listen(options.uiPort ?? 0, '127.0.0.1', resolve);
  });
  const address = ui.address();
  if (address === null || typeof address === 'string')
    throw new Error('the simulated Argo CD UI has no TCP address');
  const uiUrl = `http://localhost:${address.port}`;

  fs.mkdirSync(options.out, { recursive: true });
  const caFile = path.join(options.out, 'ca.pem');
  fs.writeFileSync(caFile, server.caCertificate);
  const configFile = path.join(options.out, 'app-config.yaml');
  // Replaced, not rewritten in place: the token never sits in a file readable by others, even briefly.
  fs.rmSync(configFile, { force: true });
  fs.writeFileSync(
    configFile,
    `# Written by argoCdDoublesProcess.ts at each start (the token changes): the backend's Argo CD configuration
# for the Kubernetes API server double and the Argo CD simulator. Do not edit.
${stringify({
  kargo: {
    argocd: {
      title: TITLE,
      url: uiUrl,
      namespace: NAMESPACE,
      defaultCluster: CLUSTER,
      clusters: [
        {
          name: CLUSTER,
          url: server.url,
          authProvider: 'serviceAccount',
          serviceAccountToken: server.token,
          caFile,
        },
      ],
    },
  },
})}`,
    { mode: 0o600 },
  );

  ready = true;
  console.log(
    `ready ${uiUrl} (Kubernetes API double ${server.url}, ${names.length} Argo CD Applications; backend config in ${configFile})`,
  );

  const stop = async () => {
    simulator.stopRealTime();
    applicationSets.stopRealTime();
    ui.close();
    ui.closeAllConnections();
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch(error => {
  console.error(
    `argoCdDoublesProcess: ${
      error instanceof Error ? error.message : String(error)
    }`,
  );
  process.exit(1);
});
