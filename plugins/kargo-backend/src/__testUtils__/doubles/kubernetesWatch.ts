/*
 * TEST DOUBLE SUPPORT for the Kubernetes API double: one watch (`GET <collection>?watch=1`), streamed as
 * kube-apiserver streams it: one JSON event per line (`{"type":"ADDED","object":{...}}`).
 *   - no resourceVersion (or "0"): synthetic ADDED events for the current objects, then live changes;
 *   - a resourceVersion: the changes after it, then live ones; one the history no longer holds gives an ERROR
 *     event with a 410 Expired Status and the end of the stream (clients re-list);
 *   - label and field selectors: an object that starts matching arrives as ADDED, one that stops as DELETED;
 *   - `allowWatchBookmarks=true`: BOOKMARK events carrying the current resourceVersion (on a timer and when a
 *     test calls `sendBookmark`); `timeoutSeconds` ends the stream.
 */
import http from 'node:http';
import { KubernetesObjectStore, StoreChange } from './kubernetesObjectStore';
import {
  KubernetesObjectDouble,
  apiVersionOf,
  statusErrors,
} from './kubernetesResources';
import { objectFilter, ResourceRoute } from './kubernetesRestHandlers';

/** An open watch the server can end. */
export interface OpenWatch {
  sendBookmark(): void;
  /** Ends the stream cleanly, or (`abrupt`) destroys the connection. */
  close(abrupt?: boolean): void;
}

export function startWatch(options: {
  store: KubernetesObjectStore;
  route: ResourceRoute;
  query: URLSearchParams;
  response: http.ServerResponse;
  bookmarkIntervalMs: number;
  onClose(): void;
}): OpenWatch {
  const { store, route, query, response } = options;
  const filter = objectFilter(query);
  const inScope = (object: KubernetesObjectDouble) =>
    !route.resource.namespaced ||
    route.namespace === undefined ||
    object.metadata.namespace === route.namespace;
  const matches = (object: KubernetesObjectDouble | undefined) =>
    object !== undefined && inScope(object) && filter(object);
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  let closed = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = () => {};

  const send = (type: string, object: unknown) => {
    if (!closed) response.write(`${JSON.stringify({ type, object })}\n`);
  };
  const deliver = (change: StoreChange) => {
    if (change.resource !== route.resource) return;
    const now = matches(change.object);
    const before = change.type === 'MODIFIED' ? matches(change.previous) : now;
    if (change.type === 'MODIFIED' && now !== before)
      send(now ? 'ADDED' : 'DELETED', change.object);
    else if (now) send(change.type, change.object);
  };
  const close = (abrupt = false) => {
    if (closed) return;
    closed = true;
    unsubscribe();
    timers.forEach(timer => clearInterval(timer));
    if (abrupt) response.socket?.destroy();
    else response.end();
    options.onClose();
  };
  const sendBookmark = () => {
    if (bookmarks) {
      send('BOOKMARK', {
        kind: route.resource.kind,
        apiVersion: apiVersionOf(route.resource),
        metadata: { resourceVersion: store.resourceVersion },
      });
    }
  };

  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
  });
  response.flushHeaders();
  response.on('close', () => close());

  const from = query.get('resourceVersion') ?? '';
  if (from === '' || from === '0') {
    for (const object of store.list(route.resource, route.namespace)) {
      if (matches(object)) send('ADDED', object);
    }
  } else {
    const resourceVersion = Number(from);
    if (
      !Number.isInteger(resourceVersion) ||
      !store.isWatchable(resourceVersion)
    ) {
      send(
        'ERROR',
        statusErrors.gone(
          `too old resource version: ${from} (${store.resourceVersion})`,
        ).status,
      );
      close();
      return { sendBookmark, close };
    }
    store.changesSince(resourceVersion).forEach(deliver);
  }
  unsubscribe = store.onChange(deliver);
  if (bookmarks && options.bookmarkIntervalMs > 0) {
    const timer = setInterval(sendBookmark, options.bookmarkIntervalMs);
    timer.unref();
    timers.push(timer);
  }
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
  if (timeoutSeconds > 0) {
    const timer = setTimeout(() => close(), timeoutSeconds * 1000);
    timer.unref();
    timers.push(timer);
  }
  return { sendBookmark, close };
}
