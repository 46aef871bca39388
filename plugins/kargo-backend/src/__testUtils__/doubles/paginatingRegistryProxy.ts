import http from 'node:http';

/*
 * TEST DOUBLE of a registry that pages its tag lists, put in front of a real docker-registry. distribution 2.8
 * ignores `n` and `last` on `GET /v2/<name>/tags/list` and answers with every tag in one page, as many
 * registries do not (Docker Hub, GHCR, Harbor, distribution 3). This proxy forwards every request unchanged,
 * except tag lists: it sorts the registry's full list, returns at most `pageSize` tags after `last`, and links
 * the next page with `Link: <...>; rel="next"` as the OCI distribution spec describes. Read-only: it forwards GET
 * and HEAD; push to the registry itself.
 */

export interface PaginatingRegistryProxy {
  /** 127.0.0.1:port */
  host: string;
  /** Tag list requests received (path and query). */
  tagListRequests: string[];
  stop(): Promise<void>;
}

const TAG_LIST = /^\/v2\/(.+)\/tags\/list$/;

function forwardedHeaders(req: http.IncomingMessage): Headers {
  const headers = new Headers();
  for (const name of ['authorization', 'accept', 'content-type']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  return headers;
}

function copyHeaders(from: Headers, res: http.ServerResponse): void {
  from.forEach((value, name) => {
    if (name !== 'content-length' && name !== 'transfer-encoding') {
      res.setHeader(name, value);
    }
  });
}

export async function startPaginatingRegistryProxy(options: {
  /** Where the real registry serves, e.g. http://127.0.0.1:5000 */
  upstream: string;
  /** Most tags per page, whatever the client asks for. */
  pageSize: number;
}): Promise<PaginatingRegistryProxy> {
  const tagListRequests: string[] = [];

  const server = http.createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405);
        res.end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://proxy');
      const tagList = req.method === 'GET' && TAG_LIST.exec(url.pathname);
      const upstreamUrl = `${options.upstream}${url.pathname}${
        tagList ? '' : url.search
      }`;
      const upstream = await fetch(upstreamUrl, {
        method: req.method,
        headers: forwardedHeaders(req),
        redirect: 'manual',
      });
      if (!tagList || !upstream.ok) {
        copyHeaders(upstream.headers, res);
        res.writeHead(upstream.status);
        res.end(Buffer.from(await upstream.arrayBuffer()));
        return;
      }
      tagListRequests.push(`${url.pathname}${url.search}`);
      const listed: { name?: unknown; tags?: unknown } = await upstream.json();
      const tags = Array.isArray(listed.tags) ? listed.tags.map(String) : [];
      const sorted = [...tags].sort();
      const last = url.searchParams.get('last');
      const asked = Number(url.searchParams.get('n') ?? options.pageSize);
      const size = Math.min(
        asked > 0 ? asked : options.pageSize,
        options.pageSize,
      );
      const start = last === null ? 0 : sorted.findIndex(tag => tag > last);
      const page = start < 0 ? [] : sorted.slice(start, start + size);
      const more = start >= 0 && start + size < sorted.length;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
      };
      if (more) {
        const next = new URLSearchParams({
          n: String(size),
          last: page[page.length - 1],
        });
        headers.link = `<${url.pathname}?${next}>; rel="next"`;
      }
      res.writeHead(200, headers);
      res.end(JSON.stringify({ name: listed.name, tags: page }));
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    tagListRequests,
    stop: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}
