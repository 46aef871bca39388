import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { parsePromotionStepConfig } from './stepConfig';
import { TerminalStepError } from './types';

function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TerminalStepError);
    return String(error);
  }
  throw new Error('the config was accepted');
}

describe('parsePromotionStepConfig', () => {
  // The same schema in both zod versions a module may use.
  const schemas = {
    'zod 4': z
      .object({
        path: z.string().min(1),
        items: z.array(z.object({ key: z.string() }).strict()).min(1),
        mode: z.enum(['a', 'b']).optional(),
        flag: z.boolean().optional(),
      })
      .strict(),
    'zod 3': z3
      .object({
        path: z3.string().min(1),
        items: z3.array(z3.object({ key: z3.string() }).strict()).min(1),
        mode: z3.enum(['a', 'b']).optional(),
        flag: z3.boolean().optional(),
      })
      .strict(),
  };

  describe.each(Object.entries(schemas))('with %s', (_version, schema) => {
    it('returns the checked config', () => {
      const config = { path: 'p', items: [{ key: 'k' }], mode: 'a' };
      expect(parsePromotionStepConfig('demo', schema, config)).toEqual(config);
    });

    it('reports every problem as Kargo’s JSON schema validation words it, in one terminal error', () => {
      const problems = [
        'path: String length must be greater than or equal to 1',
        'items.0: key is required',
        'items.1.key: Invalid type. Expected: string, given: number',
        'mode: mode must be one of the following: "a", "b"',
        'flag: Invalid type. Expected: boolean, given: string',
        '(root): Additional property extra is not allowed',
      ];
      expect(
        problemsOf(() =>
          parsePromotionStepConfig('demo', schema, {
            path: '',
            items: [{}, { key: 1 }],
            mode: 'c',
            flag: 'yes',
            extra: 1,
          }),
        )
          .replace('TerminalStepError: invalid demo config: ', '')
          .split('; ')
          .sort(),
      ).toEqual(problems.sort());
    });

    it('names an empty array and treats a missing config as an empty one', () => {
      expect(
        problemsOf(() =>
          parsePromotionStepConfig('demo', schema, { path: 'p', items: [] }),
        ),
      ).toBe(
        'TerminalStepError: invalid demo config: items: Array must have at least 1 items',
      );
      expect(
        problemsOf(() => parsePromotionStepConfig('demo', schema, undefined)),
      ).toBe(
        'TerminalStepError: invalid demo config: (root): path is required; (root): items is required',
      );
    });
  });
});
