import { InputError } from '@backstage/errors';
import {
  findPromotionPolicy,
  matchesLabelSelector,
  matchesStageSelector,
} from './stageSelector';
import { LabelSelector, StageSelector } from './types';

const stage = (name: string, labels?: Record<string, string>) => ({
  metadata: { name, labels },
});

describe('matchesStageSelector', () => {
  it.each<{
    title: string;
    selector: StageSelector;
    name: string;
    labels?: Record<string, string>;
    matches: boolean;
  }>([
    {
      title: 'an exact name',
      selector: { name: 'dev' },
      name: 'dev',
      matches: true,
    },
    {
      title: 'an exact name, not a prefix',
      selector: { name: 'dev' },
      name: 'dev-eu',
      matches: false,
    },
    {
      title: 'an exact name, not a pattern',
      selector: { name: 'dev*' },
      name: 'dev-eu',
      matches: false,
    },
    {
      title: 'a regex, searched unanchored',
      selector: { name: 'regex:ev' },
      name: 'dev',
      matches: true,
    },
    {
      title: 'an anchored regex',
      selector: { name: 'regex:^dev-(eu|us)$' },
      name: 'dev-eu',
      matches: true,
    },
    {
      title: 'an anchored regex',
      selector: { name: 'regex:^dev-(eu|us)$' },
      name: 'dev-ap',
      matches: false,
    },
    {
      title: 'the regexp: prefix',
      selector: { name: 'regexp:^qa-\\d+$' },
      name: 'qa-12',
      matches: true,
    },
    {
      title: 'RE2 leading flags',
      selector: { name: 'regex:(?i)^DEV$' },
      name: 'dev',
      matches: true,
    },
    {
      title: 'RE2 \\A and \\z anchors',
      selector: { name: 'regex:\\Adev\\z' },
      name: 'dev',
      matches: true,
    },
    {
      title: 'RE2 \\A and \\z anchors',
      selector: { name: 'regex:\\Adev\\z' },
      name: 'dev-eu',
      matches: false,
    },
    {
      title: 'RE2 named groups',
      selector: { name: 'regex:^(?P<env>dev|qa)-' },
      name: 'qa-1',
      matches: true,
    },
    {
      title: 'a glob star',
      selector: { name: 'glob:dev-*' },
      name: 'dev-eu',
      matches: true,
    },
    {
      title: 'a glob star, anchored',
      selector: { name: 'glob:dev-*' },
      name: 'old-dev-eu',
      matches: false,
    },
    {
      title: 'a glob question mark',
      selector: { name: 'glob:qa-?' },
      name: 'qa-1',
      matches: true,
    },
    {
      title: 'a glob question mark',
      selector: { name: 'glob:qa-?' },
      name: 'qa-12',
      matches: false,
    },
    {
      title: 'a glob class',
      selector: { name: 'glob:prod-[a-f]*' },
      name: 'prod-eu',
      matches: true,
    },
    {
      title: 'a negated glob class',
      selector: { name: 'glob:prod-[!e]*' },
      name: 'prod-eu',
      matches: false,
    },
    {
      title: 'glob alternatives',
      selector: { name: 'glob:{dev,qa}-eu' },
      name: 'qa-eu',
      matches: true,
    },
    {
      title: 'glob alternatives',
      selector: { name: 'glob:{dev,qa}-eu' },
      name: 'prod-eu',
      matches: false,
    },
    {
      title: 'an escaped glob character',
      selector: { name: 'glob:dev\\*' },
      name: 'dev*',
      matches: true,
    },
    {
      title: 'an escaped glob character',
      selector: { name: 'glob:dev\\*' },
      name: 'dev-eu',
      matches: false,
    },
    {
      title: 'a regex dot is not a glob dot',
      selector: { name: 'glob:a.b' },
      name: 'axb',
      matches: false,
    },
    {
      title: 'matchLabels',
      selector: { matchLabels: { tier: 'prod' } },
      name: 'p',
      labels: { tier: 'prod' },
      matches: true,
    },
    {
      title: 'matchLabels',
      selector: { matchLabels: { tier: 'prod' } },
      name: 'p',
      labels: { tier: 'dev' },
      matches: false,
    },
    {
      title: 'matchLabels on a stage without labels',
      selector: { matchLabels: { tier: 'prod' } },
      name: 'p',
      matches: false,
    },
    {
      title: 'a name ANDed with labels',
      selector: { name: 'glob:prod-*', matchLabels: { auto: 'true' } },
      name: 'prod-eu',
      labels: { auto: 'true' },
      matches: true,
    },
    {
      title: 'a name ANDed with labels',
      selector: { name: 'glob:prod-*', matchLabels: { auto: 'true' } },
      name: 'prod-eu',
      labels: { auto: 'false' },
      matches: false,
    },
    {
      title: 'a name ANDed with labels',
      selector: { name: 'glob:prod-*', matchLabels: { auto: 'true' } },
      name: 'dev',
      labels: { auto: 'true' },
      matches: false,
    },
    {
      title: 'an empty selector, which selects every stage',
      selector: {},
      name: 'anything',
      matches: true,
    },
  ])(
    '$title: $selector against $name $labels gives $matches',
    ({ selector, name, labels, matches }) => {
      expect(matchesStageSelector(selector, stage(name, labels))).toBe(matches);
    },
  );

  it('throws an InputError for an invalid pattern', () => {
    expect(() =>
      matchesStageSelector({ name: 'regex:(' }, stage('dev')),
    ).toThrow(InputError);
  });
});

describe('matchesLabelSelector', () => {
  const labels = { tier: 'prod', region: 'eu' };
  it.each<[LabelSelector, boolean]>([
    [{}, true],
    [{ matchLabels: { tier: 'prod', region: 'eu' } }, true],
    [{ matchLabels: { tier: 'prod', region: 'us' } }, false],
    [
      {
        matchExpressions: [
          { key: 'region', operator: 'In', values: ['eu', 'us'] },
        ],
      },
      true,
    ],
    [
      { matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }] },
      false,
    ],
    [
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
      false,
    ],
    [
      {
        matchExpressions: [
          { key: 'region', operator: 'NotIn', values: ['us'] },
        ],
      },
      true,
    ],
    [
      {
        matchExpressions: [
          { key: 'region', operator: 'NotIn', values: ['eu'] },
        ],
      },
      false,
    ],
    [
      { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] },
      true,
    ],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    [{ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, false],
    [
      {
        matchLabels: { tier: 'prod' },
        matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }],
      },
      false,
    ],
  ])('%j matches: %s', (selector, expected) => {
    expect(matchesLabelSelector(selector, labels)).toBe(expected);
  });
});

describe('findPromotionPolicy', () => {
  const policies = [
    { stage: 'test', autoPromotionEnabled: true },
    { stageSelector: { name: 'glob:prod-*' }, autoPromotionEnabled: false },
    {
      stageSelector: { matchLabels: { auto: 'true' } },
      autoPromotionEnabled: true,
    },
    { stageSelector: { name: 'regex:^prod-' }, autoPromotionEnabled: true },
  ];

  it.each([
    ['the legacy exact stage name', stage('test'), policies[0]],
    [
      'the first matching policy, even if a later one matches too',
      stage('prod-eu', { auto: 'true' }),
      policies[1],
    ],
    ['a label selector', stage('qa', { auto: 'true' }), policies[2]],
    ['no policy', stage('qa'), undefined],
  ])('finds %s', (_, target, expected) => {
    expect(findPromotionPolicy(policies, target)).toBe(expected);
  });

  it('finds nothing without policies', () => {
    expect(findPromotionPolicy(undefined, stage('dev'))).toBeUndefined();
  });
});
