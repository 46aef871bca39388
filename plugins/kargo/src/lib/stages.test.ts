import { PipelineStage } from '@kargo-portal/plugin-kargo-common';
import {
  isActivePhase,
  isHealthSettling,
  narrowStages,
  parseWarehousesAnnotation,
  shortRevision,
  shownHealth,
  stageOrigins,
} from './stages';

const stage = (
  name: string,
  warehouses: string[],
  upstream: string[] = [],
  extra: object = {},
): PipelineStage => ({
  name,
  warehouses,
  upstream,
  depth: upstream.length > 0 ? 1 : 0,
  eligibleFreightCount: 0,
  autoPromotion: { enabled: false },
  ...extra,
});

// api-dev <- api ; web-dev <- web ; both -> int -> prod
const stages = [
  stage('api-dev', ['api']),
  stage('web-dev', ['web']),
  stage('int', [], ['api-dev', 'web-dev']),
  stage('prod', [], ['int']),
];

describe('narrowStages', () => {
  it.each([
    [undefined, ['api-dev', 'web-dev', 'int', 'prod']],
    [['web'], ['web-dev', 'int', 'prod']],
    [
      ['api', 'web'],
      ['api-dev', 'web-dev', 'int', 'prod'],
    ],
    [['other'], []],
  ])('warehouses %j -> %j', (warehouses, expected) => {
    expect(narrowStages(stages, warehouses).map(s => s.name)).toEqual(expected);
  });

  it('uses the origins the backend serves when it does', () => {
    const served = [
      stage('api-dev', ['api']),
      stage('web-dev', ['web']),
      // int requests only api's freight from its upstream stages
      stage('int', [], ['api-dev', 'web-dev'], { origins: ['api'] }),
    ];
    expect(stageOrigins(served).get('int')).toEqual(new Set(['api']));
    expect(narrowStages(served, ['web']).map(s => s.name)).toEqual(['web-dev']);
  });
});

describe('parseWarehousesAnnotation', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    [' , ', undefined],
    ['a', ['a']],
    [' a, b ,', ['a', 'b']],
  ])('%j -> %j', (value, expected) => {
    expect(parseWarehousesAnnotation(value)).toEqual(expected);
  });
});

describe('isActivePhase', () => {
  it.each([
    ['Pending', true],
    ['Running', true],
    ['Succeeded', false],
    ['Failed', false],
    ['Errored', false],
    ['Aborted', false],
    [undefined, false],
  ] as const)('%s -> %s', (phase, expected) => {
    expect(isActivePhase(phase)).toBe(expected);
  });
});

describe('shortRevision', () => {
  it.each([
    ['a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 'a1b2c3d'],
    ['a'.repeat(64), 'aaaaaaa'],
    ['v1.2.0', 'v1.2.0'],
    ['main', 'main'],
    ['a1b2c3d', 'a1b2c3d'],
  ])('%s -> %s', (revision, expected) => {
    expect(shortRevision(revision)).toBe(expected);
  });
});

describe('isHealthSettling', () => {
  const promoted = {
    lastPromotion: {
      id: 'p1',
      project: 'guestbook',
      stage: 'dev',
      freight: 'f',
      phase: 'Succeeded' as const,
      steps: [],
      createdAt: '2026-01-01T00:00:00Z',
    },
  };
  const failed = {
    lastPromotion: { ...promoted.lastPromotion, phase: 'Failed' as const },
  };
  it.each([
    ['Progressing', promoted, true],
    ['Unknown', promoted, true],
    ['Healthy', promoted, false],
    ['Unhealthy', promoted, false],
    ['NotApplicable', promoted, false],
    ['Progressing', {}, false],
    ['Unknown', failed, false],
  ] as const)('%s (%j) -> %s', (status, extra, expected) => {
    expect(
      isHealthSettling(
        stage('dev', ['guestbook'], [], {
          ...extra,
          health: { status, applications: [] },
        }),
      ),
    ).toBe(expected);
  });

  it('is false without health', () => {
    expect(isHealthSettling(stage('dev', [], [], promoted))).toBe(false);
  });
});

describe('shownHealth', () => {
  const app = {
    cluster: 'c',
    namespace: 'argocd',
    name: 'guestbook-dev',
    status: 'NotApplicable' as const,
  };
  it.each([
    ['no health', undefined, false],
    [
      'NotApplicable without apps',
      { status: 'NotApplicable' as const, applications: [] },
      false,
    ],
    [
      'NotApplicable with a linked app',
      { status: 'NotApplicable' as const, applications: [app] },
      true,
    ],
    ['Unknown', { status: 'Unknown' as const, applications: [] }, true],
  ])('%s -> shown: %s', (_, health, shown) => {
    expect(shownHealth(stage('dev', [], [], { health })) !== undefined).toBe(
      shown,
    );
  });
});
