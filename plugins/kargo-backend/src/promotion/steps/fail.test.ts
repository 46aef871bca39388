import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createFailStep } from './fail';

// Cases of Kargo's Test_failer_convert and Test_failer_run.
describe('fail', () => {
  const step = createFailStep();

  it.each([
    [{}, 'failed'],
    [undefined, 'failed'],
    [{ message: 'test message' }, 'failed: test message'],
  ])('fails the promotion with %j', async (config, message) => {
    await expect(
      step.run(createStepContext(), step.parseConfig(config)),
    ).resolves.toEqual({ status: 'Failed', message });
  });

  it.each([
    [
      { message: '' },
      'message: String length must be greater than or equal to 1',
    ],
    [{ message: 1 }, 'message: Invalid type. Expected: string, given: number'],
    [{ reason: 'x' }, '(root): Additional property reason is not allowed'],
  ])('refuses %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(TerminalStepError);
    expect(() => step.parseConfig(config)).toThrow(problem);
  });
});
