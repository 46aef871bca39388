import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ArgoCdApplication,
  ArgoCdClusterClient,
  toApplication,
} from './ArgoCdClusters';

/** Reconnect delays of a watch that cannot (re)connect: doubling from `initialMs` up to `maxMs`, jittered. */
export interface WatchBackoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_WATCH_BACKOFF: WatchBackoff = {
  initialMs: 1_000,
  maxMs: 30_000,
};

/** How long the API server keeps one watch open before we open the next from the last resourceVersion. */
const WATCH_TIMEOUT_SECONDS = 300;

/** What a watch knows now of its namespace. */
export interface NamespaceView {
  /** Whether the namespace has been listed (so a missing app is really missing). */
  readonly synced: boolean;
  /** Why the last list or (re)connect failed, until one succeeds; the apps may be stale meanwhile. */
  readonly error: string | undefined;
  get(name: string): ArgoCdApplication | undefined;
}

/** How one watch stream ended. */
interface StreamEnd {
  connected: boolean;
  /** The resourceVersion is too old (410 Gone / Expired): list again. */
  gone: boolean;
  error?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The Argo CD Applications of one namespace of one cluster, kept current as an informer does: a list, then a
 * watch from the list's resourceVersion (with bookmarks, so a quiet namespace's resourceVersion stays fresh). A
 * watch that ends is opened again from the last resourceVersion; one answered 410 Gone (the version left the
 * API server's history) lists again; a list or connection that fails is retried with a doubling, jittered
 * backoff, and the error is kept for health to report until a retry succeeds.
 */
export class ApplicationWatch implements NamespaceView {
  private apps = new Map<string, ArgoCdApplication>();
  private resourceVersion = '';
  private stopped = false;
  private current: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  synced = false;
  error: string | undefined;

  constructor(
    private readonly options: {
      client: ArgoCdClusterClient;
      namespace: string;
      /** An app changed, appeared or went (its name), or every app's view changed (no name). */
      onChange(name?: string): void;
      logger: LoggerService;
      backoff?: WatchBackoff;
    },
  ) {}

  get(name: string): ArgoCdApplication | undefined {
    return this.apps.get(name);
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort();
    this.wakeUp?.();
    await this.loop;
  }

  private get where() {
    return `Argo CD Applications in ${this.options.namespace} on cluster "${this.options.client.cluster}"`;
  }

  private async run(): Promise<void> {
    const backoff = this.options.backoff ?? DEFAULT_WATCH_BACKOFF;
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        const startedAt = Date.now();
        const end = await this.watchOnce();
        if (end.connected) {
          failures = 0;
          this.setError(undefined);
        }
        if (end.gone) {
          this.options.logger.info(
            `Watch of ${this.where} expired; listing them again`,
          );
          this.resourceVersion = '';
          continue;
        }
        if (end.error !== undefined && !end.connected) throw end.error;
        const quiet =
          end.error instanceof Error && end.error.name === 'TimeoutError';
        if (end.error !== undefined && !this.stopped && !quiet) {
          // Dropped after it was up: open it again from the last resourceVersion. (A quiet stream that the
          // client's inactivity timeout ended is reopened the same way, without a word.)
          this.options.logger.info(
            `Watch of ${
              this.where
            } dropped (${this.options.client.describeError(
              end.error,
              'watching',
            )}); reconnecting`,
          );
        }
        // A stream that keeps ending at once must not turn into a busy loop.
        if (!this.stopped && Date.now() - startedAt < backoff.initialMs) {
          await this.sleep(backoff.initialMs);
        }
      } catch (error) {
        if (this.stopped) break;
        failures++;
        this.setError(
          this.options.client.describeError(error, `watching ${this.where}`),
        );
        const delay = Math.min(
          backoff.maxMs,
          backoff.initialMs * 2 ** Math.min(failures - 1, 20),
        );
        this.options.logger.warn(
          `${this.error}; retrying in ${Math.round(delay)} ms`,
        );
        await this.sleep(delay * (0.8 + Math.random() * 0.4));
      }
    }
  }

  private setError(error: string | undefined) {
    if (this.error === error) return;
    this.error = error;
    this.options.onChange();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Lists the namespace, replacing what is known; reports the apps that changed, appeared or went. */
  private async relist(): Promise<void> {
    const abort = new AbortController();
    this.current = abort;
    const list = await this.options.client.listAll(
      this.options.namespace,
      abort.signal,
    );
    const before = this.apps;
    this.apps = new Map(list.items.map(app => [app.metadata.name, app]));
    this.resourceVersion = list.resourceVersion;
    const wasSynced = this.synced;
    this.synced = true;
    this.setError(undefined);
    if (!wasSynced) {
      this.options.onChange();
      return;
    }
    for (const [name, app] of this.apps) {
      if (
        before.get(name)?.metadata.resourceVersion !==
        app.metadata.resourceVersion
      ) {
        this.options.onChange(name);
      }
    }
    for (const name of before.keys()) {
      if (!this.apps.has(name)) this.options.onChange(name);
    }
  }

  /** One watch stream, from the current resourceVersion until it ends. */
  private async watchOnce(): Promise<StreamEnd> {
    let gone = false;
    let ended: ((error: unknown) => void) | undefined;
    let endedWith: { error: unknown } | undefined;
    const finished = new Promise<unknown>(resolve => {
      ended = resolve;
    });
    const controller = await this.options.client.watch({
      namespace: this.options.namespace,
      resourceVersion: this.resourceVersion,
      timeoutSeconds: WATCH_TIMEOUT_SECONDS,
      onEvent: (type, object) => {
        if (type === 'ERROR') {
          if (isRecord(object) && object.code === 410) gone = true;
          return;
        }
        this.apply(type, object);
      },
      done: error => {
        endedWith = { error };
        ended?.(error);
      },
    });
    // Done before the watch resolved: the request failed (refused, unauthorized, ...) and never streamed.
    const connected = endedWith === undefined;
    this.current = controller;
    if (this.stopped) controller.abort();
    const error = await finished;
    const status = isRecord(error) ? error.statusCode ?? error.code : undefined;
    return {
      connected,
      gone: gone || status === 410,
      error: error ?? undefined,
    };
  }

  private apply(type: string, object: unknown) {
    if (!isRecord(object) || !isRecord(object.metadata)) return;
    const version = object.metadata.resourceVersion;
    if (typeof version === 'string' && version) this.resourceVersion = version;
    if (type === 'BOOKMARK') return;
    const app = toApplication(object);
    if (type === 'DELETED') this.apps.delete(app.metadata.name);
    else if (type === 'ADDED' || type === 'MODIFIED') {
      this.apps.set(app.metadata.name, app);
    } else return;
    this.options.onChange(app.metadata.name);
  }
}
