import type { Freight } from '@kargo-portal/plugin-kargo-common';
import type { PromotionStepContext } from '@kargo-portal/plugin-kargo-node';

/** Log lines a step wrote, by level. */
export interface RecordedLog {
  info: string[];
  warn: string[];
  error: string[];
}

/**
 * A step context for unit tests of steps: a fixed promotion with one freight, a logger that records lines,
 * and no Git credentials (steps that need them get them from their own dependencies).
 */
export function createStepContext(
  overrides: Partial<PromotionStepContext> = {},
): PromotionStepContext & { log: RecordedLog } {
  const log: RecordedLog = { info: [], warn: [], error: [] };
  const freight: Freight = {
    id: 'a'.repeat(40),
    alias: 'test-freight',
    project: 'demo',
    origin: { kind: 'Warehouse', name: 'main' },
    commits: [],
    images: [],
    charts: [],
    createdAt: '2026-01-01T00:00:00Z',
  };
  return {
    project: 'demo',
    stage: 'test',
    promotion: 'test.01j0000000000000000000000.abcdef0',
    alias: 'step-1',
    workDir: '/nonexistent',
    targetFreight: freight,
    freight: [freight],
    signal: new AbortController().signal,
    logger: {
      info: message => log.info.push(message),
      warn: message => log.warn.push(message),
      error: message => log.error.push(message),
    },
    credentials: { git: async () => undefined },
    ...overrides,
    log,
  };
}
