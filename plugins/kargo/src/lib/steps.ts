import { PromotionStepState } from '@kargo-portal/plugin-kargo-common';

/** A step's log as text, one line per entry: `<time> <LEVEL> <message>`. */
export function stepLogText(step: PromotionStepState): string {
  return (step.log ?? [])
    .map(l => `${l.time} ${l.level.toUpperCase()} ${l.message}`)
    .join('\n');
}

/** A step's output when it has any. */
export function stepOutput(
  step: PromotionStepState,
): Record<string, unknown> | undefined {
  return step.output && Object.keys(step.output).length > 0
    ? step.output
    : undefined;
}
