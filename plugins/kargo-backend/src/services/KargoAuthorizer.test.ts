import fs from 'node:fs';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createConditionAuthorizer } from '@backstage/plugin-permission-node';
import {
  kargoFreightApprovePermission,
  kargoProjectUpdatePermission,
  kargoPromotionAbortPermission,
  kargoStagePromotePermission,
  parseManifests,
} from '@kargo-portal/plugin-kargo-common';
import {
  createKargoProjectConditionalDecision,
  createKargoStageConditionalDecision,
  kargoProjectConditions,
  kargoStageConditions,
  kargoStageRules,
} from '@kargo-portal/plugin-kargo-node';
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { examplesDir } from '../__testUtils__/apiFixture';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { KargoAuthorizer } from './KargoAuthorizer';

const component = (name: string, owner: string, project: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'kargo/project': project },
  },
  spec: { owner },
  relations: [{ type: 'ownedBy', targetRef: owner }],
});

/** The demo's project, and a component somebody registered that claims it. */
const entities = [
  component('guestbook', 'group:default/guests', 'guestbook'),
  component('guestbook-claim', 'group:default/mallory-team', 'guestbook'),
];

function authorizer(claims: string[], text?: string) {
  const file = path.join(examplesDir, 'guestbook.yaml');
  const catalog = DefinitionCatalog.fromManifests(
    parseManifests({
      source: file,
      text: text ?? fs.readFileSync(file, 'utf8'),
    }),
  );
  const permissions = mockServices.permissions.mock({
    authorizeConditional: async ([{ permission }]) => [
      permission.name === kargoProjectUpdatePermission.name
        ? createKargoProjectConditionalDecision(
            kargoProjectUpdatePermission,
            kargoProjectConditions.isProjectOwner({ claims }),
          )
        : createKargoStageConditionalDecision(
            kargoStagePromotePermission,
            kargoStageConditions.isProjectOwner({ claims }),
          ),
    ],
  });
  return new KargoAuthorizer({
    permissions,
    catalog: catalogServiceMock({ entities }),
    auth: mockServices.auth(),
    declaredOwners: async project => catalog.getProjectOwners(project),
  });
}

const credentials = {} as BackstageCredentials;

describe('KargoAuthorizer: ownership comes from the project', () => {
  it('gives the owners of the entities the project names its rights', async () => {
    const guests = authorizer(['user:default/guest', 'group:default/guests']);
    await expect(
      guests.isAllowedForStage(
        kargoStagePromotePermission,
        'guestbook',
        'dev',
        credentials,
      ),
    ).resolves.toBe(true);
    await expect(
      guests.isAllowedForProject(
        kargoProjectUpdatePermission,
        'guestbook',
        credentials,
      ),
    ).resolves.toBe(true);
  });

  it('gives no rights to the owner of a catalog entity that merely claims the project', async () => {
    const mallory = authorizer([
      'user:default/mallory',
      'group:default/mallory-team',
    ]);
    await expect(
      mallory.isAllowedForStage(
        kargoStagePromotePermission,
        'guestbook',
        'dev',
        credentials,
      ),
    ).resolves.toBe(false);
    await expect(
      mallory.isAllowedForProject(
        kargoProjectUpdatePermission,
        'guestbook',
        credentials,
      ),
    ).resolves.toBe(false);
  });

  it('takes users and groups named by the project as owners, and nobody when it names none', async () => {
    const text = (annotation: string) => `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata:
  name: guestbook
  ${annotation}
`;
    const named = authorizer(
      ['group:default/release-train'],
      text(
        'annotations: { kargo-portal/owners: "Group:default/Release-Train" }',
      ),
    );
    await expect(
      named.isAllowedForProject(
        kargoProjectUpdatePermission,
        'guestbook',
        credentials,
      ),
    ).resolves.toBe(true);
    const unnamed = authorizer(['group:default/guests'], text(''));
    await expect(
      unnamed.isAllowedForProject(
        kargoProjectUpdatePermission,
        'guestbook',
        credentials,
      ),
    ).resolves.toBe(false);
  });
});

describe('KargoAuthorizer.decideForStages', () => {
  const stages = ['test', 'uat', 'prod-east', 'prod-west'];
  const claims = ['group:default/guests'];
  const decisions = [
    createKargoStageConditionalDecision(
      kargoStagePromotePermission,
      kargoStageConditions.isStage({ stages: ['prod*'] }),
    ),
    createKargoStageConditionalDecision(kargoFreightApprovePermission, {
      anyOf: [
        { not: kargoStageConditions.isProjectOwner({ claims }) },
        {
          allOf: [
            kargoStageConditions.isInProject({ projects: ['guestbook'] }),
            { not: kargoStageConditions.isStage({ stages: ['u?t'] }) },
          ],
        },
      ],
    }),
    { result: AuthorizeResult.DENY } as const,
  ];
  const permissions = [
    kargoStagePromotePermission,
    kargoFreightApprovePermission,
    kargoPromotionAbortPermission,
  ];

  function stageAuthorizer(
    owners: string[],
    conditional: typeof decisions = decisions,
  ) {
    return new KargoAuthorizer({
      permissions: mockServices.permissions.mock({
        authorizeConditional: async () => conditional,
      }),
      catalog: catalogServiceMock({ entities }),
      auth: mockServices.auth(),
      declaredOwners: async () => owners,
    });
  }

  it("decides each stage as the permission framework's condition authorizer does", async () => {
    const apply = createConditionAuthorizer(Object.values(kargoStageRules));
    for (const owners of [['group:default/guests'], ['user:default/someone']]) {
      const decided = await stageAuthorizer(owners).decideForStages(
        permissions,
        'guestbook',
        stages,
        credentials,
      );
      const expected = Object.fromEntries(
        stages.map(stage => [
          stage,
          Object.fromEntries(
            permissions.map((permission, i) => [
              permission.name,
              apply(decisions[i], { project: 'guestbook', stage, owners }),
            ]),
          ),
        ]),
      );
      expect(decided).toEqual(expected);
    }
    // Not every stage is allowed or refused the same: the stage's name counts.
    const decided = await stageAuthorizer(claims).decideForStages(
      permissions,
      'guestbook',
      stages,
      credentials,
    );
    expect(decided['prod-east'][kargoStagePromotePermission.name]).toBe(true);
    expect(decided.test[kargoStagePromotePermission.name]).toBe(false);
    expect(decided.test[kargoFreightApprovePermission.name]).toBe(true);
    expect(decided.uat[kargoFreightApprovePermission.name]).toBe(false);
  });

  it('checks a condition only when it is reached, as the condition authorizer does', async () => {
    const unknownRule = {
      rule: 'NO_SUCH_RULE',
      resourceType: 'kargo-stage' as const,
      params: {},
    };
    const promoteWhen = (
      criteria: Parameters<typeof createKargoStageConditionalDecision>[1],
    ) =>
      stageAuthorizer(
        [],
        [
          createKargoStageConditionalDecision(
            kargoStagePromotePermission,
            criteria,
          ),
        ],
      );
    const shortCircuited = promoteWhen({
      anyOf: [kargoStageConditions.isStage({ stages: ['*'] }), unknownRule],
    });
    await expect(
      shortCircuited.decideForStages(
        [kargoStagePromotePermission],
        'guestbook',
        stages,
        credentials,
      ),
    ).resolves.toEqual(
      Object.fromEntries(
        stages.map(s => [s, { [kargoStagePromotePermission.name]: true }]),
      ),
    );
    const reached = promoteWhen({
      allOf: [kargoStageConditions.isStage({ stages: ['*'] }), unknownRule],
    });
    await expect(
      reached.decideForStages(
        [kargoStagePromotePermission],
        'guestbook',
        stages,
        credentials,
      ),
    ).rejects.toThrow(/NO_SUCH_RULE/);
  });
});
