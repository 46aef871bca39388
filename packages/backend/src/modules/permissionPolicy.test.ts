import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  kargoFreightApprovePermission,
  kargoProjectCreatePermission,
  kargoProjectReadPermission,
  kargoStagePromotePermission,
  kargoWarehouseRefreshPermission,
} from '@kargo-portal/plugin-kargo-common';
import { createConditionAuthorizer } from '@backstage/plugin-permission-node';
import {
  kargoProjectRules,
  kargoStageRules,
} from '@kargo-portal/plugin-kargo-node';
import { KargoDemoPolicy } from './permissionPolicy';

const policy = new KargoDemoPolicy();
const applyStage = createConditionAuthorizer(Object.values(kargoStageRules));
const applyProject = createConditionAuthorizer(
  Object.values(kargoProjectRules),
);

const user = (...ownershipEntityRefs: string[]) => ({
  identity: {
    type: 'user' as const,
    userEntityRef: ownershipEntityRefs[0],
    ownershipEntityRefs,
  },
  token: 'token',
  credentials: {} as never,
  info: { userEntityRef: ownershipEntityRefs[0], ownershipEntityRefs },
});

const guest = user('user:default/guest', 'group:default/guests');
const releaseManager = user(
  'user:default/rita',
  'group:default/release-managers',
);
const stranger = user('user:default/sam', 'group:default/other');
const owners = ['group:default/guests'];

describe('KargoDemoPolicy', () => {
  it.each([
    ['an owner promotes to dev', guest, 'dev', true],
    ['an owner promotes to staging', guest, 'staging', true],
    ['an owner does not promote to prod', guest, 'prod', false],
    ['an owner does not promote to prod-eu', guest, 'prod-eu', false],
    ['a release manager promotes to prod', releaseManager, 'prod', true],
    ['a stranger promotes nowhere', stranger, 'dev', false],
  ])('%s', async (_, who, stage, allowed) => {
    for (const permission of [
      kargoStagePromotePermission,
      kargoFreightApprovePermission,
    ]) {
      const decision = await policy.handle({ permission }, who);
      const result =
        decision.result === AuthorizeResult.CONDITIONAL
          ? applyStage(decision, { project: 'guestbook', stage, owners })
          : decision.result === AuthorizeResult.ALLOW;
      expect(result).toBe(allowed);
    }
  });

  it('lets everyone read, owners refresh, guests and release managers create', async () => {
    expect(
      (
        await policy.handle(
          { permission: kargoProjectReadPermission },
          stranger,
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
    const refresh = await policy.handle(
      { permission: kargoWarehouseRefreshPermission },
      guest,
    );
    expect(
      refresh.result === AuthorizeResult.CONDITIONAL &&
        applyProject(refresh, { project: 'guestbook', owners }),
    ).toBe(true);
    expect(
      (await policy.handle({ permission: kargoProjectCreatePermission }, guest))
        .result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      (
        await policy.handle(
          { permission: kargoProjectCreatePermission },
          stranger,
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
    expect(
      (
        await policy.handle(
          { permission: kargoProjectCreatePermission },
          releaseManager,
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it.each([['catalog.location.create'], ['catalog.entity.create']])(
    'lets only release managers register in the catalog (%s): registering chooses owners',
    async name => {
      const permission = {
        type: 'basic' as const,
        name,
        attributes: { action: 'create' as const },
      };
      expect((await policy.handle({ permission }, guest)).result).toBe(
        AuthorizeResult.DENY,
      );
      expect((await policy.handle({ permission }, releaseManager)).result).toBe(
        AuthorizeResult.ALLOW,
      );
    },
  );
});
