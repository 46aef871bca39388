import { PromotionStepState } from '@kargo-portal/plugin-kargo-common';
import { stepLogText, stepOutput } from './steps';

const step = (extra: Partial<PromotionStepState>): PromotionStepState => ({
  alias: 's',
  status: 'Succeeded',
  ...extra,
});

describe('stepLogText', () => {
  it.each([
    [undefined, ''],
    [[], ''],
    [
      [
        { time: 't1', level: 'info' as const, message: 'one' },
        { time: 't2', level: 'error' as const, message: 'two' },
      ],
      't1 INFO one\nt2 ERROR two',
    ],
  ])('%j -> %j', (log, expected) => {
    expect(stepLogText(step({ log }))).toBe(expected);
  });
});

describe('stepOutput', () => {
  it.each([
    [undefined, undefined],
    [{}, undefined],
    [{ commit: 'abc' }, { commit: 'abc' }],
  ])('%j -> %j', (output, expected) => {
    expect(stepOutput(step({ output }))).toEqual(expected);
  });
});
