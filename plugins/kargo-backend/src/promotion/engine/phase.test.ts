import { PromotionStepState } from '@kargo-portal/plugin-kargo-common';
import { finalPhase, hasFailures, isWorse } from './phase';

type Status = PromotionStepState['status'];
const step = (status: Status, continueOnError = false): PromotionStepState => ({
  alias: status,
  status,
  message: `${status} message`,
  continueOnError,
});

describe('phase', () => {
  it('orders statuses as Kargo does', () => {
    const order: Status[] = [
      'Succeeded',
      'Skipped',
      'Running',
      'Aborted',
      'Failed',
      'Errored',
    ];
    for (let i = 1; i < order.length; i++) {
      expect([order[i], isWorse(order[i], order[i - 1])]).toEqual([
        order[i],
        true,
      ]);
      expect([order[i], isWorse(order[i - 1], order[i])]).toEqual([
        order[i],
        false,
      ]);
    }
  });

  it.each([
    [[], 'Succeeded', undefined],
    [[step('Succeeded'), step('Skipped')], 'Succeeded', 'Skipped message'],
    [[step('Failed'), step('Aborted')], 'Failed', 'Failed message'],
    [[step('Aborted'), step('Skipped')], 'Aborted', 'Aborted message'],
    [[step('Errored'), step('Failed')], 'Errored', 'Errored message'],
    [[step('Running')], 'Errored', 'Running message'],
    [[step('Errored', true), step('Succeeded')], 'Succeeded', undefined],
  ] as Array<[PromotionStepState[], string, string | undefined]>)(
    'gives the phase of the worst step, ignoring continueOnError (%#)',
    (steps, phase, message) => {
      expect(finalPhase(steps)).toEqual({ phase, message });
    },
  );

  it('counts failures of steps without continueOnError only', () => {
    expect(hasFailures([step('Succeeded'), step('Skipped')])).toBe(false);
    expect(hasFailures([step('Failed', true), step('Errored', true)])).toBe(
      false,
    );
    expect(hasFailures([step('Errored')])).toBe(true);
    expect(hasFailures([step('Failed')])).toBe(true);
  });
});
