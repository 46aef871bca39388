/*
 * TEST DOUBLE of the Kubernetes API server (kube-apiserver), for tests, browser tests and the demo only.
 *
 * An HTTPS server on 127.0.0.1 (a random port) with its own CA, speaking the Kubernetes REST protocol for what
 * the portal uses: namespaced `argoproj.io/v1alpha1` Applications and ApplicationSets, core v1 Namespaces and
 * Secrets. Routes and semantics: kubernetesRestHandlers.ts (get, list with label selectors, create, update,
 * merge / JSON patch, server-side apply, delete, discovery), kubernetesWatch.ts (watch with resourceVersions,
 * bookmarks, 410 on an expired resourceVersion), kubernetesObjectStore.ts (resourceVersions, 409 / 404 / 422),
 * kubernetesManagedFields.ts (field managers). Every failure is a Kubernetes `Status` object.
 *
 * Every request but /version, /healthz, /livez and /readyz needs `Authorization: Bearer <token>` with one of the
 * accepted tokens (401 Unauthorized otherwise). `@kubernetes/client-node` reaches it exactly as a cluster:
 * `server.cluster` holds the URL, the CA (base64, as kubeconfig's `certificate-authority-data`) and a token.
 *
 * Faults for tests: `dropWatches()`, `setLatency(ms)`, `setHanging(true)` (requests wait unanswered),
 * `setUnreachable(true)` (connections reset), `failNextRequests(...)` (injected error statuses).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Socket } from 'node:net';
import { KubernetesObjectStore } from './kubernetesObjectStore';
import {
  KubernetesStatusError,
  statusError,
  statusErrors,
} from './kubernetesResources';
import {
  discovery,
  handleResourceRequest,
  KubernetesRequest,
  parseResourcePath,
} from './kubernetesRestHandlers';
import { generateTlsMaterial } from './kubernetesTls';
import { OpenWatch, startWatch } from './kubernetesWatch';

/** A request as the double recorded it (never the token). */
export interface RecordedKubernetesRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
  /** The parsed JSON / YAML body, or the raw text when it does not parse; undefined without a body. */
  body: unknown;
  authenticated: boolean;
  status: number;
}

/** An injected failure: the next `times` matching requests answer `code` instead of being served. */
export interface InjectedFailure {
  method?: string;
  /** Matched against the path (a string matches when the path contains it). */
  path?: string | RegExp;
  code: number;
  /** The Status reason; derived from the code by default (409 Conflict, 500 InternalError, ...). */
  reason?: string;
  message?: string;
  times?: number;
}

/** How to reach the double: the shape of a Backstage `kubernetes` cluster entry. */
export interface KubernetesClusterDouble {
  name: string;
  url: string;
  authProvider: 'serviceAccount';
  serviceAccountToken: string;
  /** Base64 of the CA's PEM, as in kubeconfig. */
  caData: string;
}

export interface KubernetesApiServerOptions {
  /** Cluster name in `cluster`; default `kubernetes-double`. */
  name?: string;
  /** Accepted bearer tokens; default one random token. */
  tokens?: string[];
  /** Namespaces that exist at start; default `default`, `kube-system` and `argocd`. */
  namespaces?: string[];
  /** Interval of bookmark events on watches that allow them; default 10 s, 0 for none (tests call `sendBookmarks`). */
  bookmarkIntervalMs?: number;
  /** Serve plain HTTP instead of TLS. */
  insecure?: boolean;
  /** Clock for object timestamps. */
  now?: () => Date;
  /** Watch history length; older resourceVersions answer 410. */
  historyLimit?: number;
  /** A fixed port (e.g. for the demo); random by default. */
  port?: number;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The running double. */
export class KubernetesApiServerDouble {
  /** The objects; tests seed and inspect them here (`store.put`, `store.get`, `store.modify`). */
  readonly store: KubernetesObjectStore;
  readonly requests: RecordedKubernetesRequest[] = [];
  private readonly tokens: Set<string>;
  private readonly watches = new Set<OpenWatch>();
  private readonly sockets = new Set<Socket>();
  private readonly failures: Array<InjectedFailure & { remaining: number }> =
    [];
  private readonly watchWaiters: Array<{ count: number; resolve: () => void }> =
    [];
  private latencyMs = 0;
  private unreachable = false;
  private hanging: { promise: Promise<void>; release: () => void } | undefined;
  private server!: http.Server;
  private caPem = '';
  private baseUrl = '';

  private constructor(private readonly options: KubernetesApiServerOptions) {
    this.store = new KubernetesObjectStore({
      now: options.now,
      historyLimit: options.historyLimit,
    });
    this.tokens = new Set(
      options.tokens ?? [`double-${randomBytes(16).toString('hex')}`],
    );
    for (const name of options.namespaces ?? [
      'default',
      'kube-system',
      'argocd',
    ]) {
      this.store.put(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        'kube-apiserver',
      );
    }
  }

  /** Starts a double on 127.0.0.1. */
  static async start(
    options: KubernetesApiServerOptions = {},
  ): Promise<KubernetesApiServerDouble> {
    const double = new KubernetesApiServerDouble(options);
    await double.listen();
    return double;
  }

  private async listen(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) =>
      this.serve(req, res);
    if (this.options.insecure) {
      this.server = http.createServer(handler);
    } else {
      const tls = await generateTlsMaterial();
      this.caPem = tls.caPem;
      this.server = https.createServer(
        { key: tls.keyPem, cert: tls.certPem },
        handler,
      );
    }
    this.server.on('connection', (socket: Socket) => {
      if (this.unreachable) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', resolve);
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string')
      throw new Error('the Kubernetes API double has no TCP address');
    this.baseUrl = `${this.options.insecure ? 'http' : 'https'}://127.0.0.1:${
      address.port
    }`;
  }

  /** `https://127.0.0.1:<port>`. */
  get url(): string {
    return this.baseUrl;
  }

  /** The first accepted token. */
  get token(): string {
    return [...this.tokens][0];
  }

  /** PEM of the CA that signed the server certificate ('' when insecure). */
  get caCertificate(): string {
    return this.caPem;
  }

  /** The cluster as a Backstage `kubernetes` cluster entry (and what a kubeconfig needs). */
  get cluster(): KubernetesClusterDouble {
    return {
      name: this.options.name ?? 'kubernetes-double',
      url: this.baseUrl,
      authProvider: 'serviceAccount',
      serviceAccountToken: this.token,
      caData: Buffer.from(this.caPem, 'utf8').toString('base64'),
    };
  }

  addToken(token: string): void {
    this.tokens.add(token);
  }

  revokeToken(token: string): void {
    this.tokens.delete(token);
  }

  /** Number of watches streaming now. */
  get openWatches(): number {
    return this.watches.size;
  }

  /** Resolves once at least `count` watches are open (event-driven; bound by the test's timeout). */
  waitForWatches(count = 1): Promise<void> {
    if (this.watches.size >= count) return Promise.resolve();
    return new Promise(resolve => this.watchWaiters.push({ count, resolve }));
  }

  /** Ends every open watch: cleanly (the stream ends) or `abrupt` (the connection is destroyed). */
  dropWatches(options: { abrupt?: boolean } = {}): void {
    for (const watch of [...this.watches]) watch.close(options.abrupt);
  }

  /** Sends a BOOKMARK now on every watch that allows them. */
  sendBookmarks(): void {
    for (const watch of this.watches) watch.sendBookmark();
  }

  /** Forgets the watch history: watches from any earlier resourceVersion get 410 and must re-list. */
  expireResourceVersions(): void {
    this.store.compact();
  }

  /** Delay (real time) before every answer. */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** While hanging, requests are accepted and left unanswered; turning it off answers them. */
  setHanging(hanging: boolean): void {
    if (hanging && !this.hanging) {
      let release = () => {};
      const promise = new Promise<void>(resolve => {
        release = resolve;
      });
      this.hanging = { promise, release };
    } else if (!hanging && this.hanging) {
      this.hanging.release();
      this.hanging = undefined;
    }
  }

  /** While unreachable, open connections are destroyed and new ones reset at once. */
  setUnreachable(unreachable: boolean): void {
    this.unreachable = unreachable;
    if (unreachable) {
      this.dropWatches({ abrupt: true });
      for (const socket of this.sockets) socket.destroy();
    }
  }

  /** The next matching requests (default one) answer an error Status instead of being served. */
  failNextRequests(failure: InjectedFailure): void {
    this.failures.push({ ...failure, remaining: failure.times ?? 1 });
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    this.setHanging(false);
    this.dropWatches({ abrupt: true });
    await new Promise<void>(resolve => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private authenticated(req: http.IncomingMessage): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    return match !== null && this.tokens.has(match[1]);
  }

  private injectedFailure(
    method: string,
    path: string,
  ): KubernetesStatusError | undefined {
    const failure = this.failures.find(
      f =>
        f.remaining > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.path === undefined ||
          (typeof f.path === 'string'
            ? path.includes(f.path)
            : f.path.test(path))),
    );
    if (!failure) return undefined;
    failure.remaining -= 1;
    const reason = failure.reason ?? REASONS[failure.code] ?? 'Unknown';
    return statusError(
      failure.code,
      reason,
      failure.message ?? `injected ${reason} (${failure.code})`,
    );
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      this.answer(req, res, Buffer.concat(chunks).toString('utf8')).catch(
        error => {
          if (!res.headersSent) {
            this.write(
              res,
              statusErrors.internal(
                error instanceof Error ? error.message : String(error),
              ).status,
              500,
            );
          }
        },
      );
    });
  }

  private write(res: http.ServerResponse, body: unknown, status: number): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    text: string,
  ): Promise<void> {
    if (this.latencyMs > 0)
      await new Promise(resolve => setTimeout(resolve, this.latencyMs));
    if (this.hanging) await this.hanging.promise;
    const url = new URL(req.url ?? '/', 'http://double.invalid');
    const request: KubernetesRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      contentType: (req.headers['content-type'] ?? '').split(';')[0].trim(),
      userAgent: req.headers['user-agent'] ?? '',
      body: text,
    };
    const authenticated = this.authenticated(req);
    const record: RecordedKubernetesRequest = {
      method: request.method,
      path: request.path,
      query: Object.fromEntries(url.searchParams),
      contentType: request.contentType,
      body: recordedBody(text),
      authenticated,
      status: 200,
    };
    this.requests.push(record);
    const reply = (status: number, body: unknown) => {
      record.status = status;
      this.write(res, body, status);
    };
    try {
      if (['/healthz', '/livez', '/readyz'].includes(request.path))
        return reply(200, 'ok');
      if (request.path !== '/version' && !authenticated)
        throw statusErrors.unauthorized();
      const injected = this.injectedFailure(request.method, request.path);
      if (injected) throw injected;
      const known = discovery(request.path);
      if (known !== undefined && request.method === 'GET')
        return reply(200, known);
      const route = parseResourcePath(request.path);
      if (!route) throw statusErrors.pathNotFound();
      const watch = request.query.get('watch');
      if (
        request.method === 'GET' &&
        route.name === undefined &&
        (watch === 'true' || watch === '1')
      ) {
        this.openWatch(route, request.query, res);
        return undefined;
      }
      const [status, body] = handleResourceRequest(this.store, route, request);
      return reply(status, body);
    } catch (error) {
      if (error instanceof KubernetesStatusError)
        return reply(error.code, error.status);
      throw error;
    }
  }

  private openWatch(
    route: Parameters<typeof startWatch>[0]['route'],
    query: URLSearchParams,
    res: http.ServerResponse,
  ) {
    let watch: OpenWatch | undefined = undefined;
    watch = startWatch({
      store: this.store,
      route,
      query,
      response: res,
      bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 10_000,
      onClose: () => {
        if (watch) this.watches.delete(watch);
      },
    });
    if (res.writableEnded) return;
    this.watches.add(watch);
    for (const waiter of [...this.watchWaiters]) {
      if (this.watches.size >= waiter.count) {
        this.watchWaiters.splice(this.watchWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}

function recordedBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
