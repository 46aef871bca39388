import { AnalysisMetric } from '@kargo-portal/plugin-kargo-common';
import { Measurement } from '../stores/VerificationStore';
import {
  assessMetric,
  assessRun,
  evaluateResult,
  nextMeasurementAt,
} from './assess';
import { readJsonPath } from './jsonPath';

const metric = (fields: Partial<AnalysisMetric> = {}): AnalysisMetric => ({
  name: 'm',
  provider: { web: { url: 'http://x' } },
  ...fields,
});

const measured = (...phases: Array<Measurement['phase']>): Measurement[] =>
  phases.map((phase, i) => ({
    metric: 'm',
    phase,
    startedAt: new Date(i * 1000).toISOString(),
    finishedAt: new Date(i * 1000 + 10).toISOString(),
  }));

describe('evaluateResult (Rollouts conditions in the expression language)', () => {
  it.each([
    ['result[0] >= 0.95', undefined, [0.99], 'Successful'],
    ['result[0] >= 0.95', undefined, [0.5], 'Failed'],
    [undefined, 'result[0] < 0.5', [0.7], 'Successful'],
    [undefined, 'result[0] < 0.5', [0.2], 'Failed'],
    ['result > 10', 'result < 0', 5, 'Inconclusive'],
    ['result > 10', 'result > 0', 50, 'Failed'],
    [undefined, undefined, 'anything', 'Successful'],
    ['len(result) == 0', undefined, [], 'Successful'],
    ['all(result, {# >= 0.9})', undefined, [0.95, 0.91], 'Successful'],
    ['any(result, # < 0.5)', undefined, [0.95, 0.3], 'Successful'],
    ['isNaN(result[0])', undefined, [NaN], 'Successful'],
    ['!isInf(result) && asFloat("0.5") < result', undefined, 1, 'Successful'],
    [
      'asInt("3") == 3 && default(result.missing, 7) == 7',
      undefined,
      {},
      'Successful',
    ],
    ['result.ok == true', undefined, { ok: true }, 'Successful'],
  ])(
    'success %p, failure %p, result %p: %p',
    (successCondition, failureCondition, result, expected) => {
      expect(
        evaluateResult(result, { successCondition, failureCondition }),
      ).toBe(expected);
    },
  );

  it('refuses a condition that is not a boolean', () => {
    expect(() =>
      evaluateResult([1], { successCondition: 'result[0]' }),
    ).toThrow('expected bool');
  });
});

describe('assessMetric (Rollouts limits)', () => {
  it.each<[string, Partial<AnalysisMetric>, Measurement[], string]>([
    ['no measurement yet', {}, [], 'Running'],
    [
      'one success, count 1 by default',
      {},
      measured('Successful'),
      'Successful',
    ],
    ['a failure beyond failureLimit 0', {}, measured('Failed'), 'Failed'],
    [
      'failures within failureLimit',
      { count: 3, interval: '1s', failureLimit: 1 },
      measured('Failed', 'Successful', 'Successful'),
      'Successful',
    ],
    [
      'failures beyond failureLimit',
      { count: 5, interval: '1s', failureLimit: 1 },
      measured('Failed', 'Successful', 'Failed'),
      'Failed',
    ],
    [
      'inconclusive beyond its limit',
      {},
      measured('Inconclusive'),
      'Inconclusive',
    ],
    [
      'inconclusive within its limit, then count',
      { count: 2, interval: '1s', inconclusiveLimit: 1 },
      measured('Inconclusive', 'Successful'),
      'Inconclusive',
    ],
    [
      'errors are retried up to consecutiveErrorLimit',
      {},
      measured('Error', 'Error', 'Error', 'Error'),
      'Running',
    ],
    [
      'errors beyond the default consecutiveErrorLimit 4',
      {},
      measured('Error', 'Error', 'Error', 'Error', 'Error'),
      'Error',
    ],
    [
      'a success resets consecutive errors',
      { consecutiveErrorLimit: '1', count: 3, interval: '1s' },
      measured('Error', 'Successful', 'Error', 'Successful'),
      'Running',
    ],
    [
      'errors do not count toward count',
      { count: 2, interval: '1s' },
      measured('Successful', 'Error'),
      'Running',
    ],
    [
      'interval without count measures on',
      { interval: '1s' },
      measured('Successful', 'Successful', 'Successful'),
      'Running',
    ],
  ])('%s', (_, fields, measurements, phase) => {
    expect(assessMetric(metric(fields), measurements).phase).toBe(phase);
  });

  it('runs while a metric runs, and ends at the worst phase once one ends badly', () => {
    expect(
      assessRun([{ phase: 'Successful' }, { phase: 'Running' }]).phase,
    ).toBe('Running');
    expect(
      assessRun([
        { phase: 'Inconclusive', message: 'i' },
        { phase: 'Running' },
        { phase: 'Failed', message: 'f' },
      ]),
    ).toEqual({ phase: 'Failed', message: 'f' });
    expect(
      assessRun([{ phase: 'Successful' }, { phase: 'Successful' }]).phase,
    ).toBe('Successful');
  });

  it('waits initialDelay, then interval, and retries errors sooner', () => {
    const start = new Date(0);
    expect(
      nextMeasurementAt(metric({ initialDelay: '30s' }), [], start),
    ).toEqual(new Date(30_000));
    expect(
      nextMeasurementAt(
        metric({ interval: '5m' }),
        measured('Successful'),
        start,
      ),
    ).toEqual(new Date(10 + 300_000));
    expect(
      nextMeasurementAt(metric({ interval: '5m' }), measured('Error'), start),
    ).toEqual(new Date(10 + 10_000));
  });
});

describe('readJsonPath', () => {
  const data = { data: { ok: true, items: [{ v: 1 }, { v: 2 }], 'a-b': 'x' } };
  it.each([
    ['{$}', data],
    ['{$.data.ok}', true],
    ['{.data.items[1].v}', 2],
    ['{$.data.items[-1].v}', 2],
    ["{$.data['a-b']}", 'x'],
  ])('%s', (path, expected) => {
    expect(readJsonPath(data, path)).toEqual(expected);
  });
  it.each([
    ['{$.data.missing}', 'missing is not found'],
    ['{$.data.items[5]}', 'out of range'],
    ['{$.data.items[*].v}', 'only fields and array indexes are supported'],
    ['{$..v}', 'only fields and array indexes are supported'],
  ])('refuses %s', (path, message) => {
    expect(() => readJsonPath(data, path)).toThrow(message);
  });
});
