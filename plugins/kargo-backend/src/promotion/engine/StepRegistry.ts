import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';

/** Kargo's system-wide default of `retry.errorThreshold` (no retries). */
export const DEFAULT_ERROR_THRESHOLD = 1;

/**
 * The promotion steps the engine can run, by their `uses:` name: the built-in ones and those that backend
 * modules add through the `kargoPromotionStepsExtensionPoint`. A name can be registered once; a second
 * registration is an error, so that a module cannot silently replace a built-in step.
 */
export class StepRegistry {
  private readonly steps = new Map<string, PromotionStepRunner<unknown>>();

  static create(
    ...groups: Array<Iterable<PromotionStepRunner<any>>>
  ): StepRegistry {
    const registry = new StepRegistry();
    for (const group of groups) {
      for (const step of group) registry.register(step);
    }
    return registry;
  }

  register(step: PromotionStepRunner<any>): void {
    if (typeof step.name !== 'string' || step.name.trim() === '') {
      throw new Error('A promotion step needs a non-empty name');
    }
    if (this.steps.has(step.name)) {
      throw new Error(
        `The promotion step "${step.name}" is registered twice; step names must be unique`,
      );
    }
    this.steps.set(step.name, step);
  }

  get(name: string): PromotionStepRunner<unknown> | undefined {
    return this.steps.get(name);
  }

  names(): string[] {
    return [...this.steps.keys()].sort();
  }
}
