import { AddressInfo } from 'node:net';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import authPlugin from '@backstage/plugin-auth-backend';
import testGuestProvider from './testGuestProvider';

// The auth backend with the test-guest module, as the backend starts them, against a catalog with Rita of
// examples/org.yaml, member of release-managers.
const rita = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name: 'rita', namespace: 'default' },
  spec: { memberOf: ['release-managers'] },
  relations: [
    { type: 'memberOf', targetRef: 'group:default/release-managers' },
  ],
};

async function refresh(providers: { [id: string]: { userEntityRef: string } }) {
  const { server } = await startTestBackend({
    features: [
      authPlugin,
      testGuestProvider,
      catalogServiceMock.factory({ entities: [rita] }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          auth: { providers },
        },
      }),
    ],
  });
  const { port } = server.address() as AddressInfo;
  const response = await fetch(
    `http://localhost:${port}/api/auth/test-guest/refresh`,
    { headers: { 'x-requested-with': 'XMLHttpRequest' } },
  );
  return { status: response.status, body: await response.json() };
}

describe('test-guest auth provider', () => {
  const nodeEnv = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = nodeEnv;
  });

  it('signs in as the configured catalog user, with their groups', async () => {
    process.env.NODE_ENV = 'development';
    const { status, body } = await refresh({
      'test-guest': { userEntityRef: 'user:default/rita' },
    });
    expect(status).toBe(200);
    expect(body.backstageIdentity.identity).toEqual({
      type: 'user',
      userEntityRef: 'user:default/rita',
      ownershipEntityRefs: expect.arrayContaining([
        'user:default/rita',
        'group:default/release-managers',
      ]),
    });
    // The token the backend issued: its payload names her.
    const payload = body.backstageIdentity.token.split('.')[1];
    expect(
      JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).sub,
    ).toBe('user:default/rita');
  });

  it('is not set up where auth.providers does not configure it (the demo)', async () => {
    process.env.NODE_ENV = 'development';
    const { status, body } = await refresh({
      guest: { userEntityRef: 'user:default/guest' },
    });
    expect(status).toBe(404);
    expect(body.error.message).toBe(
      "No auth provider registered for 'test-guest'",
    );
  });

  it('refuses a user missing from the catalog instead of signing in without groups', async () => {
    process.env.NODE_ENV = 'development';
    const { status, body } = await refresh({
      'test-guest': { userEntityRef: 'user:default/nobody' },
    });
    expect(status).toBe(404);
    expect(body.error.message).toBe('User not found');
  });

  it('works only in development unless allowed outside it, as the guest provider', async () => {
    process.env.NODE_ENV = 'production';
    const { status, body } = await refresh({
      'test-guest': { userEntityRef: 'user:default/rita' },
    });
    expect(status).toBe(403);
    expect(body.error.message).toContain('outside of a development');
  });
});
