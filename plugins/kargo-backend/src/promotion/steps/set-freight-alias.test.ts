import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createSetFreightAliasStep } from './set-freight-alias';

describe('set-freight-alias', () => {
  const step = createSetFreightAliasStep();

  it('hands the new alias to the engine as an effect', async () => {
    const result = await step.run(
      createStepContext(),
      step.parseConfig({ name: 'f'.repeat(40), alias: 'release-1.2_rc' }),
    );
    expect(result).toEqual({
      status: 'Succeeded',
      message: `set alias of Freight "${'f'.repeat(40)}" to "release-1.2_rc"`,
      effects: [
        {
          kind: 'freight-alias',
          name: 'f'.repeat(40),
          alias: 'release-1.2_rc',
        },
      ],
    });
  });

  it.each([
    [{}, '(root): name is required; (root): alias is required'],
    [
      { name: '', alias: 'a' },
      'name: String length must be greater than or equal to 1',
    ],
    [
      { name: 'f', alias: '' },
      'alias: String length must be greater than or equal to 1',
    ],
    [
      { name: 'f', alias: 1 },
      'alias: Invalid type. Expected: string, given: number',
    ],
    [
      { name: 'f', alias: 'a', stage: 'x' },
      '(root): Additional property stage is not allowed',
    ],
  ])('refuses config %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(
      new TerminalStepError(`invalid set-freight-alias config: ${problem}`),
    );
  });

  it.each(['-release', 'release_', 'has space', 'a/b', 'x'.repeat(64)])(
    'refuses alias %p, which cannot be a label value',
    alias => {
      expect(() => step.parseConfig({ name: 'f', alias })).toThrow(
        /^invalid set-freight-alias config: alias: ".*" is not a valid alias/,
      );
    },
  );
});
