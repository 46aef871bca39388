import { z } from 'zod';
import { createPromotionStep } from './createPromotionStep';
import { PromotionStepContext, TerminalStepError } from './types';

describe('createPromotionStep', () => {
  const step = createPromotionStep({
    name: 'notify-chat',
    schema: z
      .object({ message: z.string().min(1), times: z.number().default(1) })
      .strict(),
    defaultTimeoutMs: 60_000,
    defaultErrorThreshold: 3,
    async run(_context, config) {
      return {
        status: 'Succeeded',
        output: { sent: config.message.repeat(config.times) },
      };
    },
  });

  it('derives parseConfig from the schema: defaults applied, unknown fields and bad values terminal', () => {
    expect(step.parseConfig({ message: 'hi' })).toEqual({
      message: 'hi',
      times: 1,
    });
    expect(() => step.parseConfig({ message: 'hi', channel: 'x' })).toThrow(
      new TerminalStepError(
        'invalid notify-chat config: (root): Additional property channel is not allowed',
      ),
    );
    expect(() => step.parseConfig({})).toThrow(
      'invalid notify-chat config: (root): message is required',
    );
  });

  it('keeps the name and registry metadata, and runs with the checked config', async () => {
    expect(step).toMatchObject({
      name: 'notify-chat',
      defaultTimeoutMs: 60_000,
      defaultErrorThreshold: 3,
    });
    expect(step).not.toHaveProperty('propagatesTaskOutput');
    const context = {} as PromotionStepContext;
    await expect(
      step.run(context, step.parseConfig({ message: 'a', times: 2 })),
    ).resolves.toEqual({ status: 'Succeeded', output: { sent: 'aa' } });
  });

  it('runs the extra checks of `validate` on the parsed config', () => {
    const tagged = createPromotionStep({
      name: 'tag',
      schema: z.object({ tag: z.string() }).strict(),
      validate: config => {
        if (config.tag.startsWith('-')) {
          throw new TerminalStepError(`tag "${config.tag}" is not valid`);
        }
      },
      run: async () => ({ status: 'Succeeded' }),
    });
    expect(tagged.parseConfig({ tag: 'v1' })).toEqual({ tag: 'v1' });
    expect(() => tagged.parseConfig({ tag: '-f' })).toThrow(
      new TerminalStepError('tag "-f" is not valid'),
    );
  });

  it('refuses a step without a name', () => {
    expect(() =>
      createPromotionStep({
        name: ' ',
        schema: z.object({}).strict(),
        run: async () => ({ status: 'Succeeded' }),
      }),
    ).toThrow('A promotion step needs a non-empty name');
  });
});
