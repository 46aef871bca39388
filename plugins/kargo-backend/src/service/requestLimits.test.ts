import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { createApiFixture } from '../__testUtils__/apiFixture';
import { ConcurrencyLimit } from './ConcurrencyLimit';
import { JSON_BODY_LIMIT } from './jsonBodies';

const databases = kargoTestDatabases();

const APPROVALS = '/projects/guestbook/stages/prod/approvals';

const manifests = (padding: number) => `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: big }
# ${'x'.repeat(padding)}
`;

// The router's limits do not depend on the database: one is enough.
describe('request limits of the HTTP API', () => {
  let fx: Awaited<ReturnType<typeof createApiFixture>>;

  beforeAll(async () => {
    fx = await createApiFixture({
      knex: await databases.init('SQLITE_3'),
      concurrency: new ConcurrencyLimit({ maxActive: 1, maxWaiting: 0 }),
      bodyTimeoutMs: 1_000,
    });
  });

  it.each([
    [APPROVALS, 10_000],
    ['/projects', 500_000],
  ])(
    'refuses a deeply nested body to %s by its depth, before building it',
    async (path, depth) => {
      const res = await request(fx.app)
        .post(path)
        .set('Content-Type', 'application/json')
        .send(`${'['.repeat(depth)}${']'.repeat(depth)}`);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        'body: JSON nested deeper than 32 levels',
      );
    },
  );

  it('refuses a body over the limit of an ordinary route with a 413', async () => {
    const res = await request(fx.app)
      .post(APPROVALS)
      .send({ freight: 'x'.repeat(JSON_BODY_LIMIT) });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toBe(
      `body: larger than the ${JSON_BODY_LIMIT} bytes this route accepts`,
    );
  });

  it('counts the bytes of a body sent without a length', async () => {
    const server = fx.app.listen(0);
    try {
      const { port } = server.address() as AddressInfo;
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            port,
            method: 'POST',
            path: APPROVALS,
            headers: { 'Content-Type': 'application/json' },
          },
          res => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        // Chunked: no Content-Length to refuse it by.
        req.write(`{"freight": "${'x'.repeat(JSON_BODY_LIMIT)}`);
        req.end('"}');
      });
      expect(status).toBe(413);
    } finally {
      server.close();
    }
  });

  it('takes larger bodies only where manifests are posted', async () => {
    const res = await request(fx.app)
      .post('/projects')
      .send({ manifests: manifests(200_000) });
    expect(res.status).toBe(201);
  });

  it('says what a route takes when the request has no body or another type', async () => {
    const none = await request(fx.app).post(APPROVALS);
    expect(none.status).toBe(400);
    expect(none.body.error.message).toBe(
      `POST ${APPROVALS} takes a JSON body (Content-Type: application/json); the request has none`,
    );
    const text = await request(fx.app)
      .post(APPROVALS)
      .set('Content-Type', 'text/plain')
      .send('freight=abc');
    expect(text.status).toBe(415);
    expect(text.body.error.message).toBe(
      `POST ${APPROVALS} takes a JSON body: Content-Type must be application/json, got "text/plain"`,
    );
    const broken = await request(fx.app)
      .post(APPROVALS)
      .set('Content-Type', 'application/json')
      .send('{"freight": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toMatch(/^body: not valid JSON: /);
  });

  it('answers an unknown route with a 404 and a JSON error', async () => {
    const res = await request(fx.app).get('/nothing/here');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      name: 'NotFoundError',
      message: 'No route GET /nothing/here in the Kargo API',
    });
  });

  it('answers 408 to a body that trickles in, and frees its turn', async () => {
    const server = fx.app.listen(0);
    try {
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            port,
            method: 'POST',
            path: APPROVALS,
            headers: { 'Content-Type': 'application/json' },
          },
          res => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.write('{"freight": ');
      });
      expect(status).toBe(408);
      expect(Date.now() - started).toBeLessThan(4_000);
      const next = await request(server)
        .post(APPROVALS)
        .send({ freight: 'abc' });
      expect(next.status).not.toBe(503);
    } finally {
      server.close();
    }
  });

  it('handles a bounded number of requests with a body at once, and refuses more than may wait', async () => {
    const server = fx.app.listen(0);
    const { port } = server.address() as AddressInfo;
    // A request whose body never ends holds the only turn.
    const held = http.request({
      port,
      method: 'POST',
      path: APPROVALS,
      headers: { 'Content-Type': 'application/json' },
    });
    held.on('error', () => {});
    held.write('{"freight": ');
    try {
      await new Promise(resolve => setTimeout(resolve, 100));
      const res = await request(server)
        .post(APPROVALS)
        .send({ freight: 'abc' });
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(/^too many requests in progress/);
      const health = await request(server).get('/health');
      expect(health.status).toBe(200);
    } finally {
      held.destroy();
      server.close();
    }
    // Its turn ends with its connection.
    await new Promise(resolve => setTimeout(resolve, 100));
    const after = await request(fx.app)
      .post(APPROVALS)
      .send({ freight: 'abc' });
    expect(after.status).not.toBe(503);
  });
});

describe('ConcurrencyLimit', () => {
  it('passes turns in arrival order and refuses beyond the waiting room', async () => {
    const limit = new ConcurrencyLimit({ maxActive: 1, maxWaiting: 1 });
    const first = await limit.acquire();
    const order: string[] = [];
    const second = limit.acquire().then(release => {
      order.push('second');
      return release;
    });
    await expect(limit.acquire()).rejects.toMatchObject({ statusCode: 503 });
    first();
    first(); // a second release does nothing
    (await second)();
    expect(order).toEqual(['second']);
    const third = await limit.acquire();
    third();
  });
});
