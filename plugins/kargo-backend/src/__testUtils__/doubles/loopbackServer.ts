/*
 * TEST DOUBLE SUPPORT: the plain node HTTP server on 127.0.0.1 under the API doubles (githubApi.ts,
 * gitlabApi.ts). It decodes requests (path split into raw segments, query, JSON or form body), records them
 * for tests to inspect, and writes JSON answers.
 */
import http from 'node:http';
import https from 'node:https';

/** A request as a double sees it. */
export interface DoubleRequest {
  method: string;
  /** The path as sent, still percent-encoded. */
  rawPath: string;
  /** Path segments, still percent-encoded: `/projects/a%2Fb` gives `['projects', 'a%2Fb']`. */
  segments: string[];
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** JSON or form body; `undefined` when there is none. */
  body: unknown;
}

/** An answer: status, JSON body and extra headers. */
export interface DoubleResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A running loopback server. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` (`https` with TLS), no trailing slash. */
  url: string;
  /** Every request received, oldest first. */
  requests: DoubleRequest[];
  close(): Promise<void>;
}

/** Starts a server on an ephemeral loopback port that answers with `handle`. */
export async function startLoopbackServer(
  handle: (request: DoubleRequest) => DoubleResponse | Promise<DoubleResponse>,
  options: { tls?: { key: string; cert: string } } = {},
): Promise<LoopbackServer> {
  const requests: DoubleRequest[] = [];
  const listener: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', async () => {
      let answer: DoubleResponse;
      try {
        const url = new URL(req.url ?? '/', 'http://double.invalid');
        const request: DoubleRequest = {
          method: req.method ?? 'GET',
          rawPath: url.pathname,
          segments: url.pathname.split('/').filter(segment => segment !== ''),
          query: url.searchParams,
          headers: req.headers,
          body: decodeBody(
            Buffer.concat(chunks).toString('utf8'),
            req.headers['content-type'],
          ),
        };
        requests.push(request);
        answer = await handle(request);
      } catch (error) {
        answer = {
          status: 400,
          body: {
            message: error instanceof Error ? error.message : String(error),
          },
        };
      }
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        ...(text === ''
          ? {}
          : { 'Content-Type': 'application/json; charset=utf-8' }),
        ...answer.headers,
      });
      res.end(text);
    });
  };
  const server = options.tls
    ? https.createServer(options.tls, listener)
    : http.createServer(listener);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('the loopback server has no TCP address');
  }
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close(error => (error ? reject(error) : resolve()));
      }),
  };
}

function decodeBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  // Both APIs read a JSON body whatever the declared type; a body that is not JSON is a client bug.
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('Problems parsing JSON');
  }
}
