import fs from 'node:fs';
import { z } from 'zod';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  TerminalStepError,
  parsePromotionStepConfig,
} from '@kargo-portal/plugin-kargo-node';
import { messageOf, requiredValue, workDirErrorMessage } from './stepConfig';

describe('parsePromotionStepConfig with the zod schemas of the built-in steps', () => {
  const schema = z
    .object({
      path: z.string().min(1),
      items: z
        .array(z.object({ key: z.string(), value: requiredValue() }).strict())
        .min(1),
      mode: z.enum(['a', 'b']).optional(),
      flag: z.boolean().optional(),
    })
    .strict();

  it('returns the checked config', () => {
    const config = { path: 'p', items: [{ key: 'k', value: null }] };
    expect(parsePromotionStepConfig('demo', schema, config)).toEqual(config);
  });

  it('reports every problem as Kargo’s JSON schema validation words it, in one terminal error', () => {
    const error = (() => {
      try {
        return parsePromotionStepConfig('demo', schema, {
          path: '',
          items: [{ value: 1 }, { key: 'k' }],
          mode: 'c',
          flag: 'yes',
          extra: 1,
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TerminalStepError);
    const problems = [
      'path: String length must be greater than or equal to 1',
      'items.0: key is required',
      'items.1: value is required',
      'mode: mode must be one of the following: "a", "b"',
      'flag: Invalid type. Expected: boolean, given: string',
      '(root): Additional property extra is not allowed',
    ];
    expect(String(error)).toBe(
      `TerminalStepError: invalid demo config: ${problems.join('; ')}`,
    );
  });

  it('treats a missing config as an empty one', () => {
    expect(() => parsePromotionStepConfig('demo', schema, undefined)).toThrow(
      'invalid demo config: (root): path is required; (root): items is required',
    );
  });
});

describe('workDirErrorMessage', () => {
  const mockDir = createMockDirectory({
    content: { work: {}, link: ({ symlink }) => symlink('work') },
  });

  it('leaves the work directory out of the paths an error names', () => {
    const workDir = mockDir.resolve('link');
    const real = fs.realpathSync(workDir);
    expect(
      workDirErrorMessage(
        new Error(`ENOENT: no such file or directory, open '${real}/a/b.yaml'`),
        workDir,
      ),
    ).toBe("ENOENT: no such file or directory, open 'a/b.yaml'");
    expect(
      workDirErrorMessage(new Error(`cannot read ${workDir}`), workDir),
    ).toBe('cannot read .');
  });
});

describe('messageOf', () => {
  it('reads the message of errors from other realms and of non-errors', () => {
    expect(messageOf({ name: 'Error', message: 'from elsewhere' })).toBe(
      'from elsewhere',
    );
    expect(messageOf('text')).toBe('text');
  });
});
