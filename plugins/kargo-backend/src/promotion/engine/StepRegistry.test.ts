import { StepRegistry } from './StepRegistry';

const step = (name: string) => ({
  name,
  parseConfig: (c: unknown) => c,
  run: async () => ({ status: 'Succeeded' as const }),
});

describe('StepRegistry', () => {
  it('finds steps by name', () => {
    const registry = StepRegistry.create([step('b'), step('a')], [step('c')]);
    expect(registry.names()).toEqual(['a', 'b', 'c']);
    expect(registry.get('a')?.name).toBe('a');
    expect(registry.get('z')).toBeUndefined();
  });

  it('refuses a name registered twice and an empty name', () => {
    const registry = StepRegistry.create([step('git-push')]);
    expect(() => registry.register(step('git-push'))).toThrow(
      'The promotion step "git-push" is registered twice; step names must be unique',
    );
    expect(() => registry.register(step(' '))).toThrow('non-empty name');
  });
});
