import { createBackendModule } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  SignInResolver,
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
  createProxyAuthenticator,
} from '@backstage/plugin-auth-node';

/** The id of the provider: its routes are /api/auth/test-guest/refresh and /api/auth/test-guest/logout. */
export const TEST_GUEST_PROVIDER_ID = 'test-guest';

/** What the provider authenticates: the catalog user it signs in as. */
export interface TestGuestResult {
  userEntityRef: string;
}

/**
 * Reads `auth.providers.test-guest`: `userEntityRef` (required). Like the guest provider, it works only in
 * development unless `dangerouslyAllowOutsideDevelopment` is true.
 */
export const testGuestAuthenticator = createProxyAuthenticator<
  { userEntityRef: string; disabled: boolean },
  TestGuestResult,
  undefined
>({
  defaultProfileTransform: async () => ({ profile: {} }),
  initialize({ config }) {
    return {
      userEntityRef: config.getString('userEntityRef'),
      disabled:
        process.env.NODE_ENV !== 'development' &&
        config.getOptionalBoolean('dangerouslyAllowOutsideDevelopment') !==
          true,
    };
  },
  async authenticate(_, { userEntityRef, disabled }) {
    if (disabled) {
      throw new NotAllowedError(
        `The ${TEST_GUEST_PROVIDER_ID} auth provider cannot be used outside of a development environment unless 'auth.providers.${TEST_GUEST_PROVIDER_ID}.dangerouslyAllowOutsideDevelopment' is enabled`,
      );
    }
    return { result: { userEntityRef } };
  },
});

/**
 * Signs in as the configured user, who must be in the catalog: their groups (memberOf) are their ownership
 * claims, as for any catalog user. There is no fallback identity: a user missing from the catalog is an error.
 */
export const signInAsTestGuest: SignInResolver<TestGuestResult> = async (
  { result },
  ctx,
) => ctx.signInWithCatalogUser({ entityRef: result.userEntityRef });

/**
 * A second guest identity, for the browser tests: the guest provider signs in as one configured user only, and a
 * test that must act as another catalog user (a release manager, who may promote production stages under the demo
 * policy) signs in through this one. Nothing in the app offers it: the auth backend sets up only the providers
 * that `auth.providers` configures, and only e2e/app-config.e2e.yaml configures `test-guest` (elsewhere its routes
 * answer 404).
 */
export default createBackendModule({
  pluginId: 'auth',
  moduleId: 'test-guest-provider',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: TEST_GUEST_PROVIDER_ID,
          factory: createProxyAuthProviderFactory({
            authenticator: testGuestAuthenticator,
            signInResolver: signInAsTestGuest,
          }),
        });
      },
    });
  },
});
