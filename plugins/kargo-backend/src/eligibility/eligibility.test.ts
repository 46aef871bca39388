import { InputError } from '@backstage/errors';
import {
  EligibilityFreight,
  EligibilityFreightRequest,
  EligibilityStage,
  EligibleFreight,
  isSoaked,
  listEligibleFreight,
  soakedFor,
} from './eligibility';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function ago(ms: number): Date {
  return new Date(NOW.getTime() - ms);
}

interface FreightShape {
  warehouse?: string;
  kind?: string;
  /** Minutes before NOW the freight was discovered; defaults to 1000. */
  age?: number;
  /** Upstream stage -> longest completed soak in minutes (null: none recorded). */
  verified?: Record<string, number | null>;
  /** Stage -> minutes the freight has been in it. */
  inFor?: Record<string, number>;
  approved?: string[];
}

function freight(id: string, shape: FreightShape = {}): EligibilityFreight {
  const verifiedIn: EligibilityFreight['verifiedIn'] = {};
  for (const [name, soakMinutes] of Object.entries(shape.verified ?? {})) {
    verifiedIn[name] = {
      verifiedAt: ago(2000 * MINUTE),
      ...(soakMinutes === null
        ? {}
        : { longestCompletedSoakMs: soakMinutes * MINUTE }),
    };
  }
  const currentlyIn: EligibilityFreight['currentlyIn'] = {};
  for (const [name, minutes] of Object.entries(shape.inFor ?? {})) {
    currentlyIn[name] = { since: ago(minutes * MINUTE) };
  }
  const approvedFor: EligibilityFreight['approvedFor'] = {};
  for (const name of shape.approved ?? []) {
    approvedFor[name] = { approvedAt: ago(MINUTE) };
  }
  return {
    id,
    origin: { kind: shape.kind ?? 'Warehouse', name: shape.warehouse ?? 'w' },
    createdAt: ago((shape.age ?? 1000) * MINUTE),
    verifiedIn,
    currentlyIn,
    approvedFor,
  };
}

function request(
  sources: EligibilityFreightRequest['sources'],
  warehouse = 'w',
): EligibilityFreightRequest {
  return { origin: { kind: 'Warehouse', name: warehouse }, sources };
}

function stage(
  ...requestedFreight: EligibilityFreightRequest[]
): EligibilityStage {
  return { name: 'prod', requestedFreight };
}

function eligible(
  freightId: string,
  reasons: EligibleFreight['reasons'],
  upstream?: string[],
  warehouse = 'w',
): EligibleFreight {
  return {
    freightId,
    origin: { kind: 'Warehouse', name: warehouse },
    reasons,
    ...(upstream ? { upstream } : {}),
  };
}

describe('listEligibleFreight', () => {
  it.each<{
    title: string;
    stage: EligibilityStage;
    freight: EligibilityFreight[];
    expected: EligibleFreight[];
  }>([
    {
      title: 'origin not requested: verified upstream is not enough',
      stage: stage(request({ stages: ['uat'] })),
      freight: [freight('a', { warehouse: 'other', verified: { uat: 5 } })],
      expected: [],
    },
    {
      title: 'origin kind must match as well as name',
      stage: stage(request({ direct: true })),
      freight: [freight('a', { kind: 'Bucket' })],
      expected: [],
    },
    {
      title: 'direct: every freight of the origin, newest first',
      stage: stage(request({ direct: true })),
      freight: [
        freight('old', { age: 300 }),
        freight('new', { age: 10 }),
        freight('mid', { age: 100 }),
      ],
      expected: [
        eligible('new', ['direct']),
        eligible('mid', ['direct']),
        eligible('old', ['direct']),
      ],
    },
    {
      title: 'direct: freight currently in the stage itself stays listed',
      stage: stage(request({ direct: true })),
      freight: [freight('current', { inFor: { prod: 30 } })],
      expected: [eligible('current', ['direct'])],
    },
    {
      title: 'upstream: verified in the upstream stage',
      stage: stage(request({ stages: ['uat'] })),
      freight: [freight('a', { verified: { uat: null } })],
      expected: [eligible('a', ['verified-upstream'], ['uat'])],
    },
    {
      title: 'upstream: only in the upstream stage, not verified there',
      stage: stage(request({ stages: ['uat'] })),
      freight: [freight('a', { inFor: { uat: 600 } })],
      expected: [],
    },
    {
      title: 'upstream: verified in some other stage only',
      stage: stage(request({ stages: ['uat'] })),
      freight: [freight('a', { verified: { dev: 60, prod: 60 } })],
      expected: [],
    },
    {
      title: 'upstream: freight in the stage itself stays listed',
      stage: stage(request({ stages: ['uat'] })),
      freight: [
        freight('a', { verified: { uat: 5, prod: null }, inFor: { prod: 9 } }),
      ],
      expected: [eligible('a', ['verified-upstream'], ['uat'])],
    },
    {
      title: 'no strategy means OneOf: verified in one of two upstreams',
      stage: stage(request({ stages: ['qa-eu', 'qa-us'] })),
      freight: [freight('a', { verified: { 'qa-us': null } })],
      expected: [eligible('a', ['verified-upstream'], ['qa-us'])],
    },
    {
      title: 'OneOf: verified in no upstream',
      stage: stage(
        request({ stages: ['qa-eu', 'qa-us'], availabilityStrategy: 'OneOf' }),
      ),
      freight: [freight('a', { verified: { dev: null } })],
      expected: [],
    },
    {
      title: 'OneOf: verified in both upstreams lists both',
      stage: stage(
        request({ stages: ['qa-eu', 'qa-us'], availabilityStrategy: 'OneOf' }),
      ),
      freight: [freight('a', { verified: { 'qa-us': null, 'qa-eu': null } })],
      expected: [eligible('a', ['verified-upstream'], ['qa-eu', 'qa-us'])],
    },
    {
      title: 'All: verified in one of two upstreams is not enough',
      stage: stage(
        request({ stages: ['qa-eu', 'qa-us'], availabilityStrategy: 'All' }),
      ),
      freight: [freight('a', { verified: { 'qa-eu': null } })],
      expected: [],
    },
    {
      title: 'All: verified in every upstream',
      stage: stage(
        request({ stages: ['qa-eu', 'qa-us'], availabilityStrategy: 'All' }),
      ),
      freight: [freight('a', { verified: { 'qa-eu': null, 'qa-us': null } })],
      expected: [eligible('a', ['verified-upstream'], ['qa-eu', 'qa-us'])],
    },
    {
      title: 'soak: verified but never soaked and not in the upstream now',
      stage: stage(request({ stages: ['uat'], requiredSoakTime: '1h' })),
      freight: [freight('a', { verified: { uat: null } })],
      expected: [],
    },
    {
      title: 'soak: longest completed soak shorter than required',
      stage: stage(request({ stages: ['uat'], requiredSoakTime: '1h0m0s' })),
      freight: [freight('a', { verified: { uat: 30 } })],
      expected: [],
    },
    {
      title: 'soak: longest completed soak exactly the required time',
      stage: stage(request({ stages: ['uat'], requiredSoakTime: '60m' })),
      freight: [freight('a', { verified: { uat: 60 } })],
      expected: [eligible('a', ['verified-upstream'], ['uat'])],
    },
    {
      title: 'soak: the current stay counts when longer than completed ones',
      stage: stage(request({ stages: ['uat'], requiredSoakTime: '1h30m' })),
      freight: [freight('a', { verified: { uat: 10 }, inFor: { uat: 90 } })],
      expected: [eligible('a', ['verified-upstream'], ['uat'])],
    },
    {
      title: 'soak: current stay half a minute short',
      stage: stage(request({ stages: ['uat'], requiredSoakTime: '1h' })),
      freight: [
        freight('a', { verified: { uat: null }, inFor: { uat: 59.5 } }),
      ],
      expected: [],
    },
    {
      title: 'soak: fractional duration (1.5h) against a completed soak',
      stage: stage(request({ stages: ['uat'], requiredSoakTime: '1.5h' })),
      freight: [
        freight('short', { age: 1, verified: { uat: 89 } }),
        freight('long', { age: 2, verified: { uat: 91 } }),
      ],
      expected: [eligible('long', ['verified-upstream'], ['uat'])],
    },
    {
      title: 'soak: 0s requires verification but no soak',
      stage: stage(request({ stages: ['uat'], requiredSoakTime: '0s' })),
      freight: [
        freight('verified', { age: 1, verified: { uat: null } }),
        freight('unverified', { age: 2, inFor: { uat: 100 } }),
      ],
      expected: [eligible('verified', ['verified-upstream'], ['uat'])],
    },
    {
      title: 'soak + All: soaked in one upstream, not the other',
      stage: stage(
        request({
          stages: ['qa-eu', 'qa-us'],
          availabilityStrategy: 'All',
          requiredSoakTime: '30m',
        }),
      ),
      freight: [freight('a', { verified: { 'qa-eu': 45, 'qa-us': 15 } })],
      expected: [],
    },
    {
      title: 'soak + OneOf: only the soaked upstream is named',
      stage: stage(
        request({
          stages: ['qa-eu', 'qa-us'],
          availabilityStrategy: 'OneOf',
          requiredSoakTime: '30m',
        }),
      ),
      freight: [freight('a', { verified: { 'qa-eu': 45, 'qa-us': 15 } })],
      expected: [eligible('a', ['verified-upstream'], ['qa-eu'])],
    },
    {
      title: 'approved: eligible without any verification',
      stage: stage(request({ stages: ['uat'] })),
      freight: [freight('hotfix', { approved: ['prod'] })],
      expected: [eligible('hotfix', ['approved'])],
    },
    {
      title: 'approved for another stage only',
      stage: stage(request({ stages: ['uat'] })),
      freight: [freight('a', { approved: ['uat', 'dev'] })],
      expected: [],
    },
    {
      title: 'approved, but the origin is not requested',
      stage: stage(request({ stages: ['uat'] })),
      freight: [freight('a', { warehouse: 'other', approved: ['prod'] })],
      expected: [],
    },
    {
      title: 'approved supersedes an unmet soak time',
      stage: stage(request({ stages: ['uat'], requiredSoakTime: '24h' })),
      freight: [freight('a', { verified: { uat: 5 }, approved: ['prod'] })],
      expected: [eligible('a', ['approved'])],
    },
    {
      title: 'approved and verified upstream: both reasons',
      stage: stage(request({ stages: ['uat'] })),
      freight: [freight('a', { verified: { uat: null }, approved: ['prod'] })],
      expected: [eligible('a', ['verified-upstream', 'approved'], ['uat'])],
    },
    {
      title: 'direct and upstream sources: every reason that applies',
      stage: stage(request({ direct: true, stages: ['uat'] })),
      freight: [
        freight('both', { age: 1, verified: { uat: null } }),
        freight('direct-only', { age: 2 }),
      ],
      expected: [
        eligible('both', ['direct', 'verified-upstream'], ['uat']),
        eligible('direct-only', ['direct']),
      ],
    },
    {
      title: 'several origins, each with its own sources, merged by age',
      stage: stage(
        request({ direct: true }, 'images'),
        request({ stages: ['uat'], requiredSoakTime: '10m' }, 'config'),
      ),
      freight: [
        freight('img-1', { warehouse: 'images', age: 50 }),
        freight('cfg-1', {
          warehouse: 'config',
          age: 40,
          verified: { uat: 20 },
        }),
        freight('cfg-2', { warehouse: 'config', age: 5, verified: { uat: 1 } }),
        freight('img-2', { warehouse: 'images', age: 30 }),
        freight('chart-1', { warehouse: 'charts', age: 1 }),
      ],
      expected: [
        eligible('img-2', ['direct'], undefined, 'images'),
        eligible('cfg-1', ['verified-upstream'], ['uat'], 'config'),
        eligible('img-1', ['direct'], undefined, 'images'),
      ],
    },
    {
      title: 'same discovery time: ids descending, as Kargo breaks the tie',
      stage: stage(request({ direct: true })),
      freight: [
        freight('a1', { age: 10 }),
        freight('c3', { age: 10 }),
        freight('b2', { age: 10 }),
      ],
      expected: [
        eligible('c3', ['direct']),
        eligible('b2', ['direct']),
        eligible('a1', ['direct']),
      ],
    },
    {
      title: 'stage names that are Object.prototype keys do not match',
      stage: stage(request({ stages: ['constructor', 'toString'] })),
      freight: [freight('a')],
      expected: [],
    },
  ])('$title', ({ stage: s, freight: f, expected }) => {
    expect(
      listEligibleFreight({ stage: s, freight: f, now: NOW }),
    ).toStrictEqual(expected);
  });

  it('does not depend on the order of requestedFreight', () => {
    const a = request({ direct: true }, 'a');
    const b = request({ stages: ['uat'] }, 'b');
    const items = [
      freight('fa', { warehouse: 'a', age: 2 }),
      freight('fb', { warehouse: 'b', age: 1, verified: { uat: null } }),
    ];
    expect(
      listEligibleFreight({ stage: stage(a, b), freight: items, now: NOW }),
    ).toStrictEqual(
      listEligibleFreight({ stage: stage(b, a), freight: items, now: NOW }),
    );
  });

  it.each<{
    title: string;
    requestedFreight: EligibilityFreightRequest[];
    message: string;
  }>([
    {
      title: 'a day unit, which Go does not have',
      requestedFreight: [request({ stages: ['uat'], requiredSoakTime: '1d' })],
      message:
        'Stage "prod": requestedFreight[0].sources.requiredSoakTime "1d" is not a valid duration',
    },
    {
      title: 'text that is no duration',
      requestedFreight: [
        request({ direct: true }, 'images'),
        request({ stages: ['uat'], requiredSoakTime: 'soon' }),
      ],
      message:
        'Stage "prod": requestedFreight[1].sources.requiredSoakTime "soon" is not a valid duration',
    },
    {
      title: 'a number without a unit',
      requestedFreight: [request({ stages: ['uat'], requiredSoakTime: '30' })],
      message: 'requestedFreight[0].sources.requiredSoakTime "30"',
    },
    {
      title: 'an empty duration',
      requestedFreight: [request({ stages: ['uat'], requiredSoakTime: '' })],
      message: 'requestedFreight[0].sources.requiredSoakTime ""',
    },
    {
      title: 'a negative duration (rejected by the Kargo CRD pattern)',
      requestedFreight: [request({ stages: ['uat'], requiredSoakTime: '-5m' })],
      message: 'requestedFreight[0].sources.requiredSoakTime "-5m"',
    },
    {
      title: 'milliseconds (rejected by the Kargo CRD pattern)',
      requestedFreight: [
        request({ stages: ['uat'], requiredSoakTime: '500ms' }),
      ],
      message: 'requestedFreight[0].sources.requiredSoakTime "500ms"',
    },
    {
      title: 'a duration beyond the range of Go',
      requestedFreight: [
        request({ stages: ['uat'], requiredSoakTime: '9999999999h' }),
      ],
      message: 'requestedFreight[0].sources.requiredSoakTime "9999999999h"',
    },
    {
      title: 'an invalid duration on a direct source',
      requestedFreight: [request({ direct: true, requiredSoakTime: '1 h' })],
      message: 'requestedFreight[0].sources.requiredSoakTime "1 h"',
    },
    {
      title: 'no source at all',
      requestedFreight: [request({ stages: [] })],
      message:
        'Stage "prod": requestedFreight[0].sources must set direct: true or list at least one upstream stage',
    },
    {
      title: 'an origin requested twice',
      requestedFreight: [request({ direct: true }), request({ stages: ['x'] })],
      message:
        'Stage "prod": requestedFreight[1].origin Warehouse/w is requested more than once',
    },
  ])('throws for $title', ({ requestedFreight, message }) => {
    // No freight at all: a broken stage is reported whether or not there is
    // freight to judge.
    const run = () =>
      listEligibleFreight({
        stage: { name: 'prod', requestedFreight },
        freight: [],
        now: NOW,
      });
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });

  it('keeps the parse error as the cause of an out-of-range duration', () => {
    let caught: unknown;
    try {
      listEligibleFreight({
        stage: stage(
          request({ stages: ['uat'], requiredSoakTime: '9999999999h' }),
        ),
        freight: [],
        now: NOW,
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect(caught instanceof InputError && caught.cause?.message).toBe(
      'invalid duration "9999999999h": out of range',
    );
  });

  it('rejects an availability strategy Kargo does not know', () => {
    // Stages reach the engine from stored JSON, which the type system cannot vouch for.
    const stored: EligibilityStage = JSON.parse(
      '{"name":"prod","requestedFreight":[{"origin":{"kind":"Warehouse","name":"w"},"sources":{"stages":["uat"],"availabilityStrategy":"Most"}}]}',
    );
    expect(() =>
      listEligibleFreight({ stage: stored, freight: [], now: NOW }),
    ).toThrow(
      'Stage "prod": requestedFreight[0].sources.availabilityStrategy "Most" is not "All" or "OneOf"',
    );
  });
});

describe('soakedFor and isSoaked', () => {
  it.each<{
    title: string;
    freight: EligibilityFreight;
    soakedMs: number;
  }>([
    {
      title: 'not verified in the stage: zero, however long it has been there',
      freight: freight('a', { inFor: { uat: 600 } }),
      soakedMs: 0,
    },
    {
      title: 'verified, no soak recorded, not there now: zero',
      freight: freight('a', { verified: { uat: null } }),
      soakedMs: 0,
    },
    {
      title: 'verified, left after a completed soak',
      freight: freight('a', { verified: { uat: 45 } }),
      soakedMs: 45 * MINUTE,
    },
    {
      title: 'verified and there now: the current stay',
      freight: freight('a', { verified: { uat: null }, inFor: { uat: 20 } }),
      soakedMs: 20 * MINUTE,
    },
    {
      title: 'current stay shorter than the longest completed soak',
      freight: freight('a', { verified: { uat: 45 }, inFor: { uat: 20 } }),
      soakedMs: 45 * MINUTE,
    },
    {
      title: 'current stay longer than the longest completed soak',
      freight: freight('a', { verified: { uat: 45 }, inFor: { uat: 2 * 60 } }),
      soakedMs: 2 * HOUR,
    },
    {
      title: 'a stay in another stage does not count',
      freight: freight('a', { verified: { uat: 5 }, inFor: { prod: 600 } }),
      soakedMs: 5 * MINUTE,
    },
  ])('$title', ({ freight: f, soakedMs }) => {
    expect(soakedFor(f, 'uat', NOW)).toBe(soakedMs);
    expect(isSoaked(f, 'uat', NOW, soakedMs)).toBe(true);
    expect(isSoaked(f, 'uat', NOW, soakedMs + 1)).toBe(false);
    expect(isSoaked(f, 'uat', NOW)).toBe(true);
  });
});
