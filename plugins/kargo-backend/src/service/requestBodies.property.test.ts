import fc from 'fast-check';
import request from 'supertest';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { createApiFixture } from '../__testUtils__/apiFixture';

const databases = kargoTestDatabases();

/** Every route that takes a body, with a valid body to start from. */
const ROUTES: Array<{ method: 'post' | 'put'; path: string }> = [
  { method: 'post', path: '/projects' },
  { method: 'put', path: '/projects/guestbook' },
  { method: 'post', path: '/projects/guestbook/stages/dev/approvals' },
  { method: 'post', path: '/projects/guestbook/stages/dev/promotions' },
  { method: 'post', path: '/projects/guestbook/warehouses/guestbook/freight' },
  { method: 'post', path: '/projects/guestbook/warehouses/guestbook/refresh' },
];

/**
 * Any body sent to any route with a body gets an answer below 500, and an error answer is JSON naming what is
 * wrong: bodies are validated at the boundary, whatever they hold.
 */
describe('request bodies on any input', () => {
  let fx: Awaited<ReturnType<typeof createApiFixture>>;

  beforeAll(async () => {
    fx = await createApiFixture({ knex: await databases.init('SQLITE_3') });
  });

  async function check(
    route: (typeof ROUTES)[number],
    body: string,
    type = 'application/json',
  ) {
    const res = await request(fx.app)
      [route.method](route.path)
      .set('Content-Type', type)
      .send(body);
    expect(res.status).toBeLessThan(500);
    if (res.status >= 400) {
      expect(typeof res.body?.error?.message).toBe('string');
      expect(res.body.error.message.length).toBeGreaterThan(0);
    }
  }

  const route = fc.constantFrom(...ROUTES);
  const fieldName = fc.constantFrom(
    'freight',
    'manifests',
    'commits',
    'images',
    'charts',
    'artifacts',
    'repoURL',
    'id',
    'tag',
    '__proto__',
    'constructor',
  );
  // Bodies shaped like the API's, with values of any type in any place.
  const shaped: fc.Arbitrary<unknown> = fc.letrec(tie => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 0 }),
      fc.string({ maxLength: 20 }),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fieldName, tie('value'), { maxKeys: 4 }),
    ),
  })).value;

  it('JSON bodies of any shape', async () => {
    expect.hasAssertions();
    await fc.assert(
      fc.asyncProperty(route, shaped, async (r, body) => {
        await check(r, JSON.stringify(body) ?? 'null');
      }),
      { numRuns: 120 },
    );
  });

  it('bytes that are not JSON, or not what they say they are', async () => {
    expect.hasAssertions();
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc
            .array(
              fc.constantFrom(
                '{',
                '}',
                '[',
                ']',
                '"',
                ':',
                ',',
                '\\',
                'null',
                '1e999',
              ),
              {
                maxLength: 60,
              },
            )
            .map(tokens => tokens.join('')),
        ),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
        ),
        async (r, body, type) => {
          await check(r, body, type);
        },
      ),
      { numRuns: 120 },
    );
  });
});
