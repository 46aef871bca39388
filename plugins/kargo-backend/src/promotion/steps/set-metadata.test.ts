import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createSetMetadataStep } from './set-metadata';

// Config examples of the set-metadata docs and schema.
describe('set-metadata', () => {
  const step = createSetMetadataStep();
  const updates = [
    { kind: 'Stage', name: 'production', values: { foo: 'hello', bar: 42 } },
    {
      kind: 'Freight',
      name: 'my-app-freight',
      values: {
        baz: true,
        qux: ['a', 'b', 'c'],
        nested: { items: [{ name: 'item1' }] },
      },
    },
  ];

  it('hands the updates to the engine as metadata effects', async () => {
    const result = await step.run(
      createStepContext(),
      step.parseConfig({ updates }),
    );
    expect(result).toEqual({
      status: 'Succeeded',
      effects: updates.map(({ kind, name, values }) => ({
        kind: 'metadata',
        target: kind,
        name,
        values,
      })),
    });
  });

  it.each([
    [{}, '(root): updates is required'],
    [{ updates: [] }, 'updates: Array must have at least 1 items'],
    [
      { updates: [{ kind: 'Warehouse', name: 'w', values: { a: 1 } }] },
      'updates.0.kind: kind must be one of the following: "Stage", "Freight"',
    ],
    [
      { updates: [{ kind: 'Stage', name: '', values: { a: 1 } }] },
      'updates.0.name: String length must be greater than or equal to 1',
    ],
    [
      { updates: [{ kind: 'Stage', name: 's', values: {} }] },
      'updates.0.values: Must have at least 1 properties',
    ],
    [
      { updates: [{ kind: 'Stage', name: 's', values: [1] }] },
      'updates.0.values: Invalid type. Expected: object, given: array',
    ],
    [
      { updates: [{ kind: 'Stage', name: 's' }] },
      'updates.0: values is required',
    ],
    [
      { updates: [{ kind: 'Stage', name: 's', values: { a: 1 }, extra: 1 }] },
      'updates.0: Additional property extra is not allowed',
    ],
  ])('refuses %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(TerminalStepError);
    expect(() => step.parseConfig(config)).toThrow(problem);
  });
});
