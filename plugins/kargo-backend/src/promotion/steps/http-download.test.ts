import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  isTerminalStepError,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createHttpDownloadStep } from './http-download';

describe('http-download', () => {
  const step = createHttpDownloadStep({ maxBytes: 1000 });
  const mockDir = createMockDirectory();
  const context = () => createStepContext({ workDir: mockDir.path });
  const run = (config: Record<string, unknown>) =>
    step.run(context(), step.parseConfig(config));
  const read = (file: string) =>
    fs.readFileSync(path.join(mockDir.path, file), 'utf8');

  let server: http.Server;
  let base: string;
  let received: http.IncomingMessage[] = [];
  let reply: (req: http.IncomingMessage, res: http.ServerResponse) => void;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      received.push(req);
      reply(req, res);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error();
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(
    () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  beforeEach(() => {
    mockDir.clear();
    received = [];
    reply = (_req, res) => res.end('chart bytes');
  });

  it.each([
    [{ outPath: 'a' }, '(root): url is required'],
    [{ url: 'http://x' }, '(root): outPath is required'],
    [
      { url: 'http://x', outPath: 'a', timeout: '5 minutes' },
      `timeout: Does not match pattern '(?:\\d+(ns|us|µs|ms|s|m|h))+'`,
    ],
    [
      { url: 'http://x', outPath: 'a', headers: [{ name: 'X', value: '' }] },
      'headers.0.value: String length must be greater than or equal to 1',
    ],
    [
      { url: 'http://x', outPath: 'a', method: 'POST' },
      '(root): Additional property method is not allowed',
    ],
  ])('refuses config %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(
      new TerminalStepError(`invalid http-download config: ${problem}`),
    );
  });

  it('downloads to outPath with the headers and query parameters, creating its directory', async () => {
    await expect(
      run({
        url: `${base}/charts/app-1.0.0.tgz?b=2`,
        outPath: 'charts/app.tgz',
        headers: [{ name: 'Authorization', value: 'Bearer s3cret' }],
        queryParams: [{ name: 'a', value: '1' }],
      }),
    ).resolves.toEqual({ status: 'Succeeded' });
    expect(read('charts/app.tgz')).toBe('chart bytes');
    expect(received[0].url).toBe('/charts/app-1.0.0.tgz?a=1&b=2');
    expect(received[0].headers.authorization).toBe('Bearer s3cret');
    expect(fs.readdirSync(path.join(mockDir.path, 'charts'))).toEqual([
      'app.tgz',
    ]);
  });

  it('refuses to overwrite a file unless allowed', async () => {
    mockDir.setContent({ 'app.tgz': 'old' });
    const config = { url: `${base}/app.tgz`, outPath: 'app.tgz' };
    await expect(run(config)).rejects.toThrow(
      new TerminalStepError(
        'file already exists at app.tgz and overwrite is not allowed',
      ),
    );
    expect(received).toHaveLength(0);
    await run({ ...config, allowOverwrite: true });
    expect(read('app.tgz')).toBe('chart bytes');
  });

  it('fails on a status other than 2xx, naming the URL without its query or user info', async () => {
    reply = (_req, res) => {
      res.writeHead(404);
      res.end('not here');
    };
    await expect(
      run({
        url: `http://user:pw@${base.slice(7)}/x.tgz?token=s3cret`,
        outPath: 'x.tgz',
      }),
    ).resolves.toEqual({
      status: 'Failed',
      message: `HTTP request to ${base}/x.tgz failed with status 404`,
    });
    expect(fs.readdirSync(mockDir.path)).toEqual([]);
  });

  it('refuses a body over the limit, declared or streamed, and leaves nothing behind', async () => {
    reply = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '1001' });
      res.end('x'.repeat(1001));
    };
    const declared = run({ url: `${base}/big`, outPath: 'big' });
    await expect(declared).rejects.toThrow(
      new TerminalStepError(
        `download of ${base}/big exceeds limit of 1000 bytes`,
      ),
    );
    reply = (_req, res) => {
      res.writeHead(200);
      res.write('x'.repeat(600));
      res.end('x'.repeat(600));
    };
    const streamed = await run({ url: `${base}/big`, outPath: 'big' }).catch(
      (error: Error) => error,
    );
    expect(streamed).toEqual(
      new Error(
        `error downloading ${base}/big: response body exceeds limit of 1000 bytes`,
      ),
    );
    expect(isTerminalStepError(streamed)).toBe(false);
    expect(fs.readdirSync(mockDir.path)).toEqual([]);
  });

  it('times out, refuses link-local addresses and keeps secrets out of its messages', async () => {
    reply = () => {
      // never answers
    };
    await expect(
      run({
        url: `${base}/slow?token=s3cret`,
        outPath: 'slow',
        timeout: '200ms',
        headers: [{ name: 'Authorization', value: 'Bearer s3cret' }],
      }),
    ).rejects.toThrow(
      `error downloading ${base}/slow: request timed out after 200ms`,
    );
    await expect(
      run({ url: 'http://169.254.169.254/latest/meta-data', outPath: 'm' }),
    ).rejects.toThrow(
      'error downloading http://169.254.169.254/latest/meta-data: connections to link-local addresses are not permitted (host "169.254.169.254")',
    );
    await expect(run({ url: 'ftp://x/y', outPath: 'y' })).rejects.toThrow(
      new TerminalStepError('url: unsupported protocol scheme "ftp"'),
    );
    await expect(run({ url: `${base}/a`, outPath: '../a' })).rejects.toThrow(
      new TerminalStepError(
        `outPath "../a" points outside the promotion's work directory`,
      ),
    );
  });
});
