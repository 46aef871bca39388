import { LoggerService } from '@backstage/backend-plugin-api';
import { ArgoCdClusters } from './ArgoCdClusters';
import {
  ApplicationWatch,
  NamespaceView,
  WatchBackoff,
} from './ApplicationWatch';

/** A namespace of a cluster. */
export interface WatchedNamespace {
  cluster: string;
  namespace: string;
}

const keyOf = ({ cluster, namespace }: WatchedNamespace) =>
  JSON.stringify([cluster, namespace]);

/**
 * The Argo CD Applications of the namespaces some stage's health checks reference, one watch per (cluster,
 * namespace), started when a namespace is first needed and stopped when no check needs it any more. Health is
 * evaluated from here: no cluster call per evaluation or API request.
 */
export class ArgoCdApplicationCache {
  private readonly watches = new Map<
    string,
    { target: WatchedNamespace; watch: ApplicationWatch }
  >();
  private readonly listeners: Array<
    (target: WatchedNamespace, name?: string) => void
  > = [];

  constructor(
    private readonly options: {
      clusters: ArgoCdClusters;
      logger: LoggerService;
      backoff?: WatchBackoff;
    },
  ) {}

  /** Calls `listener` when an app of a watched namespace changes (`name` unset: all of its apps may have). */
  onChange(listener: (target: WatchedNamespace, name?: string) => void): void {
    this.listeners.push(listener);
  }

  /** Watches exactly these namespaces from now on. A cluster that is not configured is skipped. */
  track(targets: WatchedNamespace[]): void {
    const wanted = new Map(targets.map(target => [keyOf(target), target]));
    for (const [key, { watch }] of this.watches) {
      if (!wanted.has(key)) {
        this.watches.delete(key);
        void watch.stop();
      }
    }
    for (const [key, target] of wanted) {
      if (this.watches.has(key) || !this.options.clusters.has(target.cluster)) {
        continue;
      }
      const watch = new ApplicationWatch({
        client: this.options.clusters.client(target.cluster),
        namespace: target.namespace,
        logger: this.options.logger,
        backoff: this.options.backoff,
        onChange: name => this.listeners.forEach(l => l(target, name)),
      });
      this.watches.set(key, { target, watch });
      watch.start();
    }
  }

  /** What is known of a namespace; undefined when it is not watched. */
  view(target: WatchedNamespace): NamespaceView | undefined {
    return this.watches.get(keyOf(target))?.watch;
  }

  /** The namespaces watched now. */
  get watched(): WatchedNamespace[] {
    return [...this.watches.values()].map(({ target }) => target);
  }

  async stop(): Promise<void> {
    const watches = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(watches.map(({ watch }) => watch.stop()));
  }
}
