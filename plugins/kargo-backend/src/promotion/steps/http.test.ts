import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  isTerminalStepError,
  PromotionStepResult,
} from '@kargo-portal/plugin-kargo-node';
import { selfSignedCertificate } from '../../__testUtils__/services/tls';
import { createStepContext } from '../../__testUtils__/stepContext';
import { canonicalHeaderKey, createHttpStep } from './http';
import { isLinkLocal } from '../stepHelpers/httpTransport';

/** What the test server received. */
interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Reply = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A plain loopback HTTP(S) server whose answer each test sets. */
async function startServer(tlsOptions?: { key: string; cert: string }) {
  const received: Received[] = [];
  let reply: Reply = (_req, res) => res.end();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      reply(req, res);
    });
  };
  const server = tlsOptions
    ? https.createServer(tlsOptions, handler)
    : http.createServer(handler);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('no port');
  return {
    url: `${tlsOptions ? 'https' : 'http'}://127.0.0.1:${address.port}`,
    port: address.port,
    received,
    reply: (next: Reply) => {
      reply = next;
    },
    json: (
      status: number,
      body: unknown,
      headers: Record<string, string> = {},
    ) => {
      reply = (_req, res) => {
        res.writeHead(status, {
          'Content-Type': 'application/json',
          ...headers,
        });
        res.end(JSON.stringify(body));
      };
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('http', () => {
  const step = createHttpStep();
  let server: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.received.length = 0;
  });

  const run = (
    config: Record<string, unknown>,
    context = createStepContext(),
  ): Promise<PromotionStepResult> =>
    step.run(
      context,
      step.parseConfig({ url: `${server.url}/api`, ...config }),
    );

  it('sends a GET and succeeds on 2xx with the outputs extracted from the response', async () => {
    server.json(
      200,
      { facts: [{ fact: 'one' }, { fact: 'two' }] },
      {
        'x-request-id': 'abc',
      },
    );
    const result = await run({
      outputs: [
        { name: 'status', fromExpression: 'response.status' },
        { name: 'fact2', fromExpression: 'response.body.facts[1].fact' },
        {
          name: 'requestId',
          fromExpression: "response.header('X-Request-Id')",
        },
        {
          name: 'viaMap',
          fromExpression: "response.headers['X-Request-Id'][0]",
        },
      ],
    });
    expect(result).toEqual({
      status: 'Succeeded',
      output: { status: 200, fact2: 'two', requestId: 'abc', viaMap: 'abc' },
    });
    expect(server.received[0]).toMatchObject({ method: 'GET', url: '/api' });
  });

  it('sends method, headers, body and query parameters, sorted as Go encodes them', async () => {
    server.json(201, {});
    await run({
      url: `${server.url}/hook?z=1&a=0`,
      method: 'POST',
      headers: [
        { name: 'Content-Type', value: 'application/json' },
        { name: 'X-Token', value: 's3cret' },
      ],
      queryParams: [
        { name: 'b', value: 'two words' },
        { name: 'a', value: '1' },
      ],
      body: '{"text":"hello"}',
    });
    expect(server.received[0]).toMatchObject({
      method: 'POST',
      url: '/hook?a=0&a=1&b=two+words&z=1',
      body: '{"text":"hello"}',
      headers: expect.objectContaining({
        'content-type': 'application/json',
        'x-token': 's3cret',
      }),
    });
  });

  it('reads the body from a file in the work directory, and nowhere else', async () => {
    const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'http-step-'));
    try {
      await fs.writeFile(path.join(workDir, 'payload.json'), '{"from":"file"}');
      server.json(200, {});
      await run(
        { method: 'PUT', bodyFromFile: 'payload.json' },
        createStepContext({ workDir }),
      );
      expect(server.received[0].body).toBe('{"from":"file"}');

      const outside = await run(
        { method: 'PUT', bodyFromFile: '../etc/passwd' },
        createStepContext({ workDir }),
      ).catch(e => e);
      expect(isTerminalStepError(outside)).toBe(true);
      expect(outside.message).toContain('bodyFromFile');
    } finally {
      await fs.rm(workDir, { recursive: true, force: true });
    }
  });

  it('errors, retryably, on a non-2xx status when no expression is set', async () => {
    server.json(503, { error: 'busy' });
    const error = await run({}).catch(e => e);
    expect(error.message).toContain('HTTP (503) response is not a success');
    expect(isTerminalStepError(error)).toBe(false);
  });

  it('keeps running until the success expression holds', async () => {
    server.json(200, { state: 'pending' });
    const config = {
      successExpression: "response.body.state == 'done'",
      outputs: [{ name: 'state', fromExpression: 'response.body.state' }],
    };
    await expect(run(config)).resolves.toEqual({
      status: 'Running',
      message:
        'HTTP (200) response met neither the success nor the failure criteria',
      retryAfterMs: 30_000,
    });
    await expect(
      run({ ...config, pollInterval: '45s' }),
    ).resolves.toMatchObject({
      retryAfterMs: 45_000,
    });
    server.json(200, { state: 'done' });
    await expect(run(config)).resolves.toEqual({
      status: 'Succeeded',
      output: { state: 'done' },
    });
  });

  it('fails when the failure expression holds, before looking at success', async () => {
    server.json(404, { message: 'no such build' });
    const config = {
      successExpression: 'true',
      failureExpression: 'response.status == 404',
    };
    await expect(run(config)).resolves.toEqual({
      status: 'Failed',
      message: 'HTTP (404) response met failure criteria',
    });
    await expect(
      run({ ...config, errorExpression: 'response.body.message' }),
    ).resolves.toEqual({
      status: 'Failed',
      message: 'HTTP (404) response met failure criteria: "no such build"',
    });
    // An error expression that does not fit the response falls back to the default message.
    await expect(
      run({ ...config, errorExpression: 'response.body.missing.deeper' }),
    ).resolves.toMatchObject({
      message: 'HTTP (404) response met failure criteria',
    });
  });

  it('errors when a criterion is not a boolean', async () => {
    server.json(200, { state: 'done' });
    const error = await run({ successExpression: 'response.body.state' }).catch(
      e => e,
    );
    expect(error.message).toContain('did not evaluate to a boolean');
    expect(isTerminalStepError(error)).toBe(false);
  });

  it.each([
    [
      'application/yaml',
      'state: done\nitems: [1, 2]\n',
      undefined,
      { state: 'done', items: [1, 2] },
    ],
    ['text/plain; charset=utf-8', 'plain words', undefined, 'plain words'],
    ['text/html', '<p>not json</p>', undefined, {}],
    [
      'application/octet-stream',
      '{"guessed":true}',
      undefined,
      { guessed: true },
    ],
    ['text/plain', 'a: 1', 'application/yaml', { a: 1 }],
    ['application/json', '', undefined, {}],
  ])(
    'reads a %s body',
    async (contentType, body, responseContentType, expected) => {
      server.reply((_req, res) => {
        res.writeHead(200, { 'Content-Type': contentType });
        res.end(body);
      });
      await expect(
        run({
          responseContentType,
          outputs: [{ name: 'body', fromExpression: 'response.body' }],
        }),
      ).resolves.toEqual({ status: 'Succeeded', output: { body: expected } });
    },
  );

  it('errors on a declared JSON body that is not JSON', async () => {
    server.reply((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{oops');
    });
    await expect(run({})).rejects.toThrow('failed to parse JSON response');
  });

  it('gives up after the timeout', async () => {
    server.reply((_req, res) => {
      setTimeout(() => res.end('{}'), 2_000).unref();
    });
    await expect(run({ timeout: '100ms' })).rejects.toThrow(
      'request timed out after 100ms',
    );
  });

  it('refuses a response larger than 2 MiB', async () => {
    server.reply((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('x'.repeat((2 << 20) + 1));
    });
    await expect(run({})).rejects.toThrow('exceeds limit of 2097152 bytes');
  });

  it('refuses link-local addresses such as cloud metadata services', async () => {
    await expect(
      run({ url: 'http://169.254.169.254/latest/meta-data/' }),
    ).rejects.toThrow('connections to link-local addresses are not permitted');
    await expect(run({ url: 'http://[fe80::1]/' })).rejects.toThrow(
      'link-local',
    );
  });

  it('stops when the promotion is aborted', async () => {
    server.reply(() => undefined);
    const controller = new AbortController();
    const pending = run({}, createStepContext({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow('error sending HTTP request');
  });

  describe('through a proxy', () => {
    let proxy: http.Server;
    let proxyUrl: string;
    const seen: string[] = [];
    // Tunnelled sockets leave the server's bookkeeping: closed by hand.
    const tunnels: Array<{ destroy(): void }> = [];

    beforeAll(async () => {
      proxy = http.createServer((req, res) => {
        seen.push(
          `${req.method} ${req.url} ${
            req.headers['proxy-authorization'] ?? ''
          }`,
        );
        const target = new URL(req.url ?? '');
        const forwarded = http.request(
          target,
          { method: req.method, headers: { ...req.headers, 'x-via': 'proxy' } },
          upstream => {
            res.writeHead(upstream.statusCode ?? 502, upstream.headers);
            upstream.pipe(res);
          },
        );
        req.pipe(forwarded);
      });
      proxy.on('connect', (req, socket) => {
        seen.push(
          `CONNECT ${req.url} ${req.headers['proxy-authorization'] ?? ''}`,
        );
        const [host, port] = (req.url ?? '').split(':');
        tunnels.push(socket);
        const upstream = net.connect(Number(port), host, () => {
          socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.pipe(socket);
          socket.pipe(upstream);
        });
        tunnels.push(upstream);
        upstream.on('error', () => socket.destroy());
      });
      await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve));
      const address = proxy.address();
      if (address === null || typeof address === 'string')
        throw new Error('no port');
      proxyUrl = `http://user:pa%20ss@127.0.0.1:${address.port}`;
    });
    afterAll(
      () =>
        new Promise<void>(resolve => {
          tunnels.forEach(socket => socket.destroy());
          proxy.closeAllConnections();
          proxy.close(() => resolve());
        }),
    );

    it('sends plain HTTP requests to the proxy with the absolute URL', async () => {
      server.json(200, { ok: true });
      await expect(
        run({
          proxy: proxyUrl,
          outputs: [{ name: 'ok', fromExpression: 'response.body.ok' }],
        }),
      ).resolves.toEqual({ status: 'Succeeded', output: { ok: true } });
      expect(seen.pop()).toBe(
        `GET ${server.url}/api Basic ${Buffer.from('user:pa ss').toString(
          'base64',
        )}`,
      );
      expect(server.received[0].headers['x-via']).toBe('proxy');
    });

    it('tunnels HTTPS with CONNECT', async () => {
      const tlsServer = await startServer(selfSignedCertificate());
      try {
        tlsServer.json(200, { secure: true });
        await expect(
          step.run(
            createStepContext(),
            step.parseConfig({
              url: `${tlsServer.url}/x`,
              proxy: proxyUrl,
              insecureSkipTLSVerify: true,
              outputs: [
                { name: 'secure', fromExpression: 'response.body.secure' },
              ],
            }),
          ),
        ).resolves.toEqual({ status: 'Succeeded', output: { secure: true } });
        expect(seen.pop()).toMatch(
          new RegExp(`^CONNECT 127.0.0.1:${tlsServer.port} Basic `),
        );
      } finally {
        await tlsServer.close();
      }
    });
  });

  it('verifies TLS certificates unless insecureSkipTLSVerify is set, for that request only', async () => {
    const tlsServer = await startServer(selfSignedCertificate());
    try {
      tlsServer.json(200, {});
      const config = { url: `${tlsServer.url}/` };
      await expect(
        step.run(createStepContext(), step.parseConfig(config)),
      ).rejects.toThrow(/self[- ]signed certificate/);
      await expect(
        step.run(
          createStepContext(),
          step.parseConfig({ ...config, insecureSkipTLSVerify: true }),
        ),
      ).resolves.toMatchObject({ status: 'Succeeded' });
      // The next request verifies again.
      await expect(
        step.run(createStepContext(), step.parseConfig(config)),
      ).rejects.toThrow(/self[- ]signed certificate/);
    } finally {
      await tlsServer.close();
    }
  });

  describe('config', () => {
    it.each([
      [{}, 'url is required'],
      [{ url: 'http://x', method: 'get' }, 'method'],
      [{ url: 'http://x', body: 'a', bodyFromFile: 'b' }, 'mutually exclusive'],
      [
        { url: 'http://x', headers: [{ name: 'A', value: '' }] },
        'headers.0.value',
      ],
      [{ url: 'http://x', timeout: '10 seconds' }, 'timeout'],
      [{ url: 'http://x', proxy: 'socks5://p:1080' }, 'proxy'],
      [
        { url: 'http://x', responseContentType: 'text/html' },
        'responseContentType',
      ],
      [
        { url: 'http://x', successExpression: 'response.status ==' },
        'successExpression: invalid expression',
      ],
      [
        { url: 'http://x', outputs: [{ name: 'a' }] },
        'fromExpression is required',
      ],
      [
        { url: 'http://x', retries: 3 },
        'Additional property retries is not allowed',
      ],
    ])('rejects %j', (config, message) => {
      let caught: unknown;
      try {
        step.parseConfig(config);
      } catch (error) {
        caught = error;
      }
      expect(isTerminalStepError(caught)).toBe(true);
      expect(String(caught)).toContain(message);
    });

    it('accepts Kargo’s empty body alongside bodyFromFile', () => {
      expect(
        step.parseConfig({ url: 'http://x', body: '', bodyFromFile: 'f' }),
      ).toMatchObject({ bodyFromFile: 'f' });
    });

    it('refuses a URL that is not HTTP(S) when run', async () => {
      const error = await step
        .run(
          createStepContext(),
          step.parseConfig({ url: 'file:///etc/passwd' }),
        )
        .catch(e => e);
      expect(isTerminalStepError(error)).toBe(true);
    });
  });
});

describe('createHttpStep', () => {
  it('makes the step Kargo names `http`', () => {
    expect(createHttpStep().name).toBe('http');
  });
});

describe('canonicalHeaderKey', () => {
  it.each([
    ['content-type', 'Content-Type'],
    ['X-REQUEST-ID', 'X-Request-Id'],
    ['etag', 'Etag'],
    ['bad header', 'bad header'],
  ])('%s -> %s', (name, expected) => {
    expect(canonicalHeaderKey(name)).toBe(expected);
  });
});

describe('isLinkLocal', () => {
  it.each([
    ['169.254.169.254', true],
    ['169.255.0.1', false],
    ['127.0.0.1', false],
    ['fe80::1', true],
    ['febf::1', true],
    ['fec0::1', false],
    ['fe8::1', false],
    ['::ffff:169.254.1.1', true],
    ['::1', false],
  ])('%s -> %s', (address, expected) => {
    expect(isLinkLocal(address)).toBe(expected);
  });
});
