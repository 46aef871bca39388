import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createComposeOutputStep } from './compose-output';

describe('compose-output', () => {
  const step = createComposeOutputStep();

  it('outputs its config, whatever its values', async () => {
    const config = step.parseConfig({
      url: 'https://github.com/example/repo/pull/42',
      number: 42,
      nested: { merged: true, commits: ['abc', 'def'] },
      nothing: null,
    });
    const result = await step.run(createStepContext(), config);
    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        url: 'https://github.com/example/repo/pull/42',
        number: 42,
        nested: { merged: true, commits: ['abc', 'def'] },
        nothing: null,
      },
    });
    expect(result.output).not.toBe(config);
  });

  it.each([
    [{}, '(root): Must have at least 1 properties'],
    [undefined, '(root): Must have at least 1 properties'],
    [['a'], '(root): Invalid type. Expected: object, given: array'],
    ['text', '(root): Invalid type. Expected: object, given: string'],
  ])('refuses %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(TerminalStepError);
    expect(() => step.parseConfig(config)).toThrow(problem);
  });
});
