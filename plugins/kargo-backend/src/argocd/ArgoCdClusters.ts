import { Config } from '@backstage/config';
import {
  ArgoCdClusterConfig,
  kubeConfigForArgoCdCluster,
  readArgoCdSettings,
} from '@kargo-portal/plugin-kargo-node';
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  Observable,
  PatchStrategy,
  RequestContext,
  ResponseContext,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';

/** Where a step reads and changes Argo CD Applications. */
export interface ArgoCdApplicationTarget {
  cluster: string;
  namespace: string;
}

/** An Argo CD Application as read from the cluster (the fields the steps use). */
export interface ArgoCdApplication {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  operation?: Record<string, unknown>;
}

/** An error talking to a cluster, its message naming the cluster (never a token). */
export class ArgoCdClusterError extends Error {
  override name = 'ArgoCdClusterError';
  constructor(
    message: string,
    /** The HTTP status the API server answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

const APPLICATIONS = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  plural: 'applications',
};

/** Default bound of one request to a cluster. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Reads and patches the Argo CD Applications of one cluster through `@kubernetes/client-node`. */
export class ArgoCdClusterClient {
  private readonly api: CustomObjectsApi;
  private readonly watcher: Watch;

  constructor(
    readonly cluster: string,
    kubeConfig: KubeConfig,
    private readonly requestTimeoutMs: number,
  ) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.watcher = new Watch(kubeConfig);
  }

  /** Every Application of a namespace and the list's resourceVersion, to watch from. */
  async listAll(
    namespace: string,
    signal?: AbortSignal,
  ): Promise<{ items: ArgoCdApplication[]; resourceVersion: string }> {
    const request = this.request(signal);
    try {
      const list: unknown = await this.api.listNamespacedCustomObject(
        { ...APPLICATIONS, namespace },
        request.options,
      );
      const items =
        isRecord(list) && Array.isArray(list.items) ? list.items : [];
      const metadata =
        isRecord(list) && isRecord(list.metadata) ? list.metadata : {};
      return {
        items: items.map(toApplication),
        resourceVersion:
          typeof metadata.resourceVersion === 'string'
            ? metadata.resourceVersion
            : '',
      };
    } catch (error) {
      throw this.wrap(
        error,
        `listing Argo CD Applications in ${namespace}`,
        request,
      );
    }
  }

  /**
   * Watches the Applications of a namespace from `resourceVersion`, with bookmarks. `onEvent` gets each event
   * (`ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`, `ERROR`) with its object; `done` is called once when the
   * stream ends, with the error that ended it, if any. Resolves, once connected or failed, to what stops it.
   */
  watch(options: {
    namespace: string;
    resourceVersion: string;
    timeoutSeconds: number;
    onEvent(type: string, object: unknown): void;
    done(error: unknown): void;
  }): Promise<AbortController> {
    return this.watcher.watch(
      `/apis/${APPLICATIONS.group}/${
        APPLICATIONS.version
      }/namespaces/${encodeURIComponent(options.namespace)}/${
        APPLICATIONS.plural
      }`,
      {
        resourceVersion: options.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: options.timeoutSeconds,
      },
      (type, object) => options.onEvent(type, object),
      options.done,
    );
  }

  /** Describes an error of a watch or list of this cluster (never with a token). */
  describeError(error: unknown, doing: string): string {
    if (error instanceof ArgoCdClusterError) return error.message;
    const code = isRecord(error) ? error.statusCode : undefined;
    if (typeof code === 'number') {
      return `${doing} on cluster "${this.cluster}": the API server answered ${code}`;
    }
    const cause = error instanceof Error ? error : new Error(String(error));
    return `${doing} on cluster "${this.cluster}": ${describeNetworkError(
      cause,
    )}`;
  }

  async get(
    namespace: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<ArgoCdApplication | undefined> {
    const request = this.request(signal);
    try {
      return toApplication(
        await this.api.getNamespacedCustomObject(
          { ...APPLICATIONS, namespace, name },
          request.options,
        ),
      );
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) {
        return undefined;
      }
      throw this.wrap(
        error,
        `reading Argo CD Application ${namespace}/${name}`,
        request,
      );
    }
  }

  async list(
    namespace: string,
    labelSelector: string,
    signal?: AbortSignal,
  ): Promise<ArgoCdApplication[]> {
    const request = this.request(signal);
    try {
      const list: unknown = await this.api.listNamespacedCustomObject(
        { ...APPLICATIONS, namespace, labelSelector },
        request.options,
      );
      const items =
        isRecord(list) && Array.isArray(list.items) ? list.items : [];
      return items.map(toApplication);
    } catch (error) {
      throw this.wrap(
        error,
        `listing Argo CD Applications in ${namespace} matching "${labelSelector}"`,
        request,
      );
    }
  }

  /** A JSON merge patch; `resourceVersion` in the body makes it fail with 409 when the app changed meanwhile. */
  async mergePatch(
    namespace: string,
    name: string,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ArgoCdApplication> {
    const request = this.request(signal);
    try {
      return toApplication(
        await this.api.patchNamespacedCustomObject(
          { ...APPLICATIONS, namespace, name, body },
          setHeaderOptions(
            'Content-Type',
            PatchStrategy.MergePatch,
            request.options,
          ),
        ),
      );
    } catch (error) {
      throw this.wrap(
        error,
        `patching Argo CD Application ${namespace}/${name}`,
        request,
      );
    }
  }

  /** Each request is bounded by the caller's signal and by the request timeout. */
  private request(signal?: AbortSignal) {
    const bound = AbortSignal.timeout(this.requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, bound]) : bound;
    const options = {
      middleware: [
        {
          pre: (context: RequestContext) => {
            context.setSignal(combined);
            return new Observable(Promise.resolve(context));
          },
          post: (context: ResponseContext) =>
            new Observable(Promise.resolve(context)),
        },
      ],
      middlewareMergeStrategy: 'append' as const,
    };
    return { options, signal, bound };
  }

  private wrap(
    error: unknown,
    doing: string,
    request: { signal?: AbortSignal; bound: AbortSignal },
  ): ArgoCdClusterError {
    const where = `on cluster "${this.cluster}"`;
    if (error instanceof ApiException) {
      return new ArgoCdClusterError(
        `${doing} ${where}: the API server answered ${
          error.code
        }${statusMessage(error.body)}`,
        error.code,
      );
    }
    const cause = error instanceof Error ? error : new Error(String(error));
    let reason: string;
    if (request.signal?.aborted) reason = 'the step was stopped';
    else if (request.bound.aborted) {
      reason = `no answer within ${this.requestTimeoutMs} ms`;
    } else reason = describeNetworkError(cause);
    return new ArgoCdClusterError(`${doing} ${where}: ${reason}`);
  }
}

/** The clusters Argo CD runs on and the `kargo.argocd` settings. */
export class ArgoCdClusters {
  private readonly clients = new Map<string, ArgoCdClusterClient>();

  private constructor(
    private readonly clusters: Map<string, ArgoCdClusterConfig>,
    /** The cluster of apps that do not name one. */
    readonly defaultCluster: string | undefined,
    /** The namespace of apps that do not name one (`kargo.argocd.namespace`, default `argocd`). */
    readonly namespace: string,
    /** Base URL of the Argo CD UI, for links. */
    readonly url: string | undefined,
    private readonly requestTimeoutMs: number,
    /** What links call the Argo CD UI (`kargo.argocd.title`, default "Argo CD"). */
    readonly title: string = 'Argo CD',
  ) {}

  /**
   * Reads `kargo.argocd` and, when present, the Kubernetes plugin's `kubernetes.clusterLocatorMethods` of type
   * `config` (a cluster configured in both places is taken from `kargo.argocd.clusters`).
   */
  static fromConfig(
    config: Config,
    options: { requestTimeoutMs?: number } = {},
  ): ArgoCdClusters {
    const settings = readArgoCdSettings(config);
    return new ArgoCdClusters(
      settings.clusters,
      settings.defaultCluster,
      settings.namespace,
      settings.url,
      options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      config.getOptionalString('kargo.argocd.title') ?? 'Argo CD',
    );
  }

  /** The app's page in the Argo CD UI (`<url>/applications/<namespace>/<name>`), when `url` is configured. */
  applicationUrl(namespace: string, name: string): string | undefined {
    return this.url
      ? `${this.url}/applications/${encodeURIComponent(
          namespace,
        )}/${encodeURIComponent(name)}`
      : undefined;
  }

  /** Whether a cluster of this name is configured. */
  has(name: string): boolean {
    return this.clusters.has(name);
  }

  /** The names of the configured clusters. */
  get names(): string[] {
    return [...this.clusters.keys()];
  }

  /**
   * The client of a cluster, by name or the default one. Throws an error naming the cluster when it is not
   * configured.
   */
  client(name?: string): ArgoCdClusterClient {
    const cluster = name ?? this.defaultCluster;
    if (cluster === undefined) {
      throw new ArgoCdClusterError(
        this.clusters.size === 0
          ? 'no Argo CD cluster is configured (kargo.argocd.clusters or kubernetes.clusterLocatorMethods)'
          : `no Argo CD cluster named and no kargo.argocd.defaultCluster set (clusters: ${this.names.join(
              ', ',
            )})`,
      );
    }
    const existing = this.clients.get(cluster);
    if (existing) return existing;
    const settings = this.clusters.get(cluster);
    if (!settings) {
      throw new ArgoCdClusterError(
        `unknown Argo CD cluster "${cluster}" (configured: ${
          this.names.join(', ') || 'none'
        })`,
      );
    }
    const client = new ArgoCdClusterClient(
      cluster,
      kubeConfigForArgoCdCluster(settings),
      this.requestTimeoutMs,
    );
    this.clients.set(cluster, client);
    return client;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An Application as the API server sent it, reduced to the fields the steps and health checks read. */
export function toApplication(value: unknown): ArgoCdApplication {
  if (!isRecord(value) || !isRecord(value.metadata)) {
    throw new ArgoCdClusterError('the API server answered with no object');
  }
  const metadata = value.metadata;
  return {
    metadata: {
      name: String(metadata.name ?? ''),
      namespace: String(metadata.namespace ?? ''),
      ...(typeof metadata.resourceVersion === 'string' && {
        resourceVersion: metadata.resourceVersion,
      }),
      ...(isRecord(metadata.labels) && { labels: stringMap(metadata.labels) }),
      ...(isRecord(metadata.annotations) && {
        annotations: stringMap(metadata.annotations),
      }),
    },
    ...(isRecord(value.spec) && { spec: value.spec }),
    ...(isRecord(value.status) && { status: value.status }),
    ...(isRecord(value.operation) && { operation: value.operation }),
  };
}

function stringMap(value: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => [key, String(entry)]),
  );
}

function statusMessage(body: unknown): string {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return '';
    }
  }
  return isRecord(parsed) && typeof parsed.message === 'string'
    ? ` (${parsed.message})`
    : '';
}

function describeNetworkError(error: Error): string {
  const codes = [
    Reflect.get(error, 'code'),
    isRecord(error.cause) ? error.cause.code : undefined,
  ].filter((code): code is string => typeof code === 'string');
  const text = codes.join(' ');
  if (
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS/i.test(`${text} ${error.message}`)
  ) {
    return `the server's TLS certificate is not trusted (${
      text || error.message
    })`;
  }
  return `the API server could not be reached (${text || error.message})`;
}
