import {
  matchesLabelSelector,
  parseLabelSelector,
} from './kubernetesLabelSelector';

describe('label selectors of the Kubernetes API double', () => {
  const labels = {
    app: 'web',
    tier: 'frontend',
    'kargo.akuity.io/stage': 'test',
    replicas: '3',
  };

  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (api, web)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['kargo.akuity.io/stage=test,tier=frontend', true],
    ['kargo.akuity.io/stage=test,tier=backend', false],
    ['replicas>2', true],
    ['replicas<3', false],
    ['app=', false],
  ])('%j matches: %s', (selector, expected) => {
    expect(matchesLabelSelector(parseLabelSelector(selector), labels)).toBe(
      expected,
    );
  });

  it.each([
    'app in ()',
    'app in (a',
    '=web',
    'app=web,',
    'app=-bad',
    'bad key=1',
    'replicas>x',
    'Prefix.Upper/x=1',
  ])('refuses %j', selector => {
    expect(() => parseLabelSelector(selector)).toThrow(
      /unable to parse requirement/,
    );
  });
});
