import { kargoProjectRules, kargoStageRules } from './rules';
import { globMatches, matchesCriteria } from './filter';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import { KargoResourceFilter, KargoStageResource } from './resources';

const stage = (name: string, owners: string[] = []): KargoStageResource => ({
  project: 'guestbook',
  stage: name,
  owners,
});

describe('kargo permission rules', () => {
  it.each([
    ['prod', 'prod', true],
    ['prod', 'production', false],
    ['prod*', 'production', true],
    ['prod*', 'preprod', false],
    ['*-eu', 'qa-eu', true],
    ['qa-??', 'qa-eu', true],
    ['qa-??', 'qa-east', false],
    ['a.b', 'axb', false],
  ])('glob %s matches %s: %s', (pattern, name, expected) => {
    expect(globMatches(pattern, name)).toBe(expected);
  });

  it.each([
    [{ stages: ['prod*'] }, stage('prod-eu'), true],
    [{ stages: ['dev', 'staging'] }, stage('prod'), false],
  ])('IS_STAGE %j on %j is %s', (params, resource, expected) => {
    expect(kargoStageRules.isStage.apply(resource, params)).toBe(expected);
  });

  it('IS_PROJECT_OWNER matches a claim case-insensitively on the claim side', () => {
    const resource = stage('dev', ['group:default/guests']);
    expect(
      kargoStageRules.isProjectOwner.apply(resource, {
        claims: ['user:default/guest', 'group:default/Guests'],
      }),
    ).toBe(true);
    expect(
      kargoStageRules.isProjectOwner.apply(resource, {
        claims: ['group:default/other'],
      }),
    ).toBe(false);
  });

  it('IS_IN_PROJECT works for projects and stages', () => {
    expect(
      kargoProjectRules.isInProject.apply(
        { project: 'guestbook', owners: [] },
        { projects: ['guestbook'] },
      ),
    ).toBe(true);
    expect(
      kargoStageRules.isInProject.apply(stage('dev'), { projects: ['other'] }),
    ).toBe(false);
  });

  it('evaluates criteria trees the way the rules apply', () => {
    const ownersButNotProd: PermissionCriteria<KargoResourceFilter> = {
      allOf: [
        kargoStageRules.isProjectOwner.toQuery({
          claims: ['group:default/guests'],
        }),
        { not: kargoStageRules.isStage.toQuery({ stages: ['prod*'] }) },
      ] as const,
    };
    expect(
      matchesCriteria(ownersButNotProd, stage('dev', ['group:default/guests'])),
    ).toBe(true);
    expect(
      matchesCriteria(
        ownersButNotProd,
        stage('prod', ['group:default/guests']),
      ),
    ).toBe(false);
    expect(matchesCriteria(ownersButNotProd, stage('dev'))).toBe(false);
  });
});
