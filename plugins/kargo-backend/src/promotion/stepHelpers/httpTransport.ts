import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tls from 'node:tls';

/** A request of the `http` step, fully resolved. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  /** In order, duplicates kept. */
  headers: Array<[string, string]>;
  body?: Buffer;
  /** For the whole exchange, body included (Go's `http.Client.Timeout`). */
  timeoutMs: number;
  /** Applies to this request only; the process's TLS settings are never touched. */
  insecureSkipTLSVerify?: boolean;
  /** An `http://` or `https://` proxy; HTTPS targets are tunnelled through it with CONNECT. */
  proxy?: URL;
  /** Answers with a larger body are refused. */
  maxResponseBytes: number;
  signal?: AbortSignal;
  /**
   * Where the body of an answer with this status goes instead of memory (a download), or undefined to keep it
   * in `body`. The limit applies all the same; the exchange ends once the stream has finished.
   */
  streamBody?: (status: number) => Writable | undefined;
}

/** An answer: status, headers as sent (name case and duplicates kept) and the raw body. */
export interface IncomingResponse {
  status: number;
  rawHeaders: Array<[string, string]>;
  body: Buffer;
}

/**
 * Sends one request with node's own HTTP stack rather than global fetch, which can neither skip TLS
 * verification for a single request nor choose which addresses it dials. As Kargo's `SafeTransport` does,
 * connections to link-local addresses (169.254.0.0/16, fe80::/10: cloud metadata services) are refused, to
 * the target and to the proxy alike.
 */
export async function sendHttpRequest(
  request: OutgoingRequest,
): Promise<IncomingResponse> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal
    ? AbortSignal.any([timeout, request.signal])
    : timeout;
  try {
    return await exchange(request, signal);
  } catch (error) {
    if (timeout.aborted) {
      throw new Error(`request timed out after ${request.timeoutMs}ms`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function exchange(
  request: OutgoingRequest,
  signal: AbortSignal,
): Promise<IncomingResponse> {
  const { url, proxy } = request;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`unsupported URL scheme "${url.protocol}"`);
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of request.headers) {
    const existing = headers[name];
    headers[name] = existing === undefined ? [value] : [existing, value].flat();
  }
  if (request.body) headers['Content-Length'] = [String(request.body.length)];
  const tlsOptions = { rejectUnauthorized: !request.insecureSkipTLSVerify };

  let send: () => http.ClientRequest;
  if (!proxy) {
    checkLiteralAddress(url.hostname);
    const transport = url.protocol === 'https:' ? https : http;
    send = () =>
      transport.request(url, {
        method: request.method,
        headers,
        lookup: safeLookup,
        signal,
        agent: false,
        ...tlsOptions,
      });
  } else if (url.protocol === 'http:') {
    // Plain HTTP goes to the proxy with the absolute URL as the request target.
    checkLiteralAddress(proxy.hostname);
    const proxyAuthorization = proxyAuthorizationHeader(proxy);
    const transport = proxy.protocol === 'https:' ? https : http;
    send = () =>
      transport.request({
        host: unbracket(proxy.hostname),
        port: proxy.port || defaultPort(proxy),
        path: url.href,
        method: request.method,
        headers: {
          ...headers,
          Host: url.host,
          ...(proxyAuthorization
            ? { 'Proxy-Authorization': proxyAuthorization }
            : {}),
        },
        setHost: false,
        lookup: safeLookup,
        signal,
        agent: false,
        ...tlsOptions,
      });
  } else {
    const socket = await openTunnel(proxy, url, tlsOptions, signal);
    send = () =>
      // No agent: node uses createConnection only when there is none.
      https.request(url, {
        method: request.method,
        headers,
        signal,
        createConnection: () =>
          tls.connect({
            socket,
            servername: net.isIP(unbracket(url.hostname))
              ? undefined
              : url.hostname,
            ...tlsOptions,
          }),
      });
  }

  return new Promise<IncomingResponse>((resolve, reject) => {
    const outgoing = send();
    outgoing.on('error', reject);
    outgoing.on('response', response => {
      const declared = Number(response.headers['content-length']);
      if (declared > request.maxResponseBytes) {
        response.destroy();
        reject(
          new Error(
            `response body size ${declared} exceeds limit of ${request.maxResponseBytes} bytes`,
          ),
        );
        return;
      }
      const rawHeaders: Array<[string, string]> = [];
      for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
        rawHeaders.push([response.rawHeaders[i], response.rawHeaders[i + 1]]);
      }
      const status = response.statusCode ?? 0;
      const target = request.streamBody?.(status);
      if (target) {
        let streamed = 0;
        const limit = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            streamed += chunk.length;
            callback(
              streamed > request.maxResponseBytes
                ? new Error(
                    `response body exceeds limit of ${request.maxResponseBytes} bytes`,
                  )
                : null,
              chunk,
            );
          },
        });
        pipeline(response, limit, target).then(
          () => resolve({ status, rawHeaders, body: Buffer.alloc(0) }),
          reject,
        );
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) {
          response.destroy();
          reject(
            new Error(
              `response body exceeds limit of ${request.maxResponseBytes} bytes`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => {
        resolve({ status, rawHeaders, body: Buffer.concat(chunks) });
      });
    });
    outgoing.end(request.body);
  });
}

/** Asks a proxy for a tunnel to the target with CONNECT and returns the open socket. */
function openTunnel(
  proxy: URL,
  target: URL,
  tlsOptions: { rejectUnauthorized: boolean },
  signal: AbortSignal,
): Promise<net.Socket> {
  checkLiteralAddress(proxy.hostname);
  const authority = `${target.hostname}:${target.port || defaultPort(target)}`;
  const proxyAuthorization = proxyAuthorizationHeader(proxy);
  const transport = proxy.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const connect = transport.request({
      host: unbracket(proxy.hostname),
      port: proxy.port || defaultPort(proxy),
      method: 'CONNECT',
      path: authority,
      headers: {
        Host: authority,
        ...(proxyAuthorization
          ? { 'Proxy-Authorization': proxyAuthorization }
          : {}),
      },
      lookup: safeLookup,
      signal,
      agent: false,
      ...tlsOptions,
    });
    connect.on('error', reject);
    connect.on('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        reject(
          new Error(
            `the proxy refused a tunnel to ${authority} (${response.statusCode})`,
          ),
        );
        return;
      }
      resolve(socket);
    });
    connect.end();
  });
}

function proxyAuthorizationHeader(proxy: URL): string | undefined {
  if (!proxy.username) return undefined;
  const credentials = `${decodeURIComponent(
    proxy.username,
  )}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

function defaultPort(url: URL): number {
  return url.protocol === 'https:' ? 443 : 80;
}

function unbracket(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/** Whether an address is in 169.254.0.0/16 or fe80::/10 (IPv4-mapped IPv6 included). */
export function isLinkLocal(address: string): boolean {
  if (net.isIPv4(address)) return address.startsWith('169.254.');
  if (!net.isIPv6(address)) return false;
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return isLinkLocal(mapped[1]);
  return /^fe[89ab][0-9a-f]:/.test(lower);
}

/** Node does not call `lookup` for IP literals, so those are checked here. */
function checkLiteralAddress(hostname: string): void {
  const address = unbracket(hostname);
  if (net.isIP(address) && isLinkLocal(address)) {
    throw new Error(
      `connections to link-local addresses are not permitted (host "${address}")`,
    );
  }
}

/** `dns.lookup` without link-local answers; an error when nothing else is left. */
function safeLookup(
  hostname: string,
  options: dns.LookupOptions,
  callback: Parameters<net.LookupFunction>[2],
): void {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, '');
      return;
    }
    const safe = addresses.filter(entry => !isLinkLocal(entry.address));
    if (safe.length === 0) {
      callback(
        new Error(
          `connections to link-local addresses are not permitted (host "${hostname}" resolved to link-local IPs only)`,
        ),
        '',
      );
    } else if (options.all) {
      callback(null, safe);
    } else {
      callback(null, safe[0].address, safe[0].family);
    }
  });
}
