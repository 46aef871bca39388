import { HealthChecker, HealthCheckers, mergeHealth } from './HealthCheckers';
import { evaluateStageHealth } from './evaluateStageHealth';

function checker(
  uses: string,
  status: 'Healthy' | 'Progressing' | 'Unhealthy',
): HealthChecker {
  return {
    uses,
    dependencies: () => [],
    check: () => ({
      status,
      issues: status === 'Healthy' ? [] : [`${uses} is ${status}`],
    }),
    track: () => {},
    onChange: () => {},
    stop: async () => {},
  };
}

describe('mergeHealth', () => {
  it('keeps the worse state in Kargo’s order', () => {
    const order = [
      'Healthy',
      'NotApplicable',
      'Progressing',
      'Unknown',
      'Unhealthy',
    ] as const;
    for (const [i, a] of order.entries()) {
      for (const [j, b] of order.entries()) {
        expect(mergeHealth(a, b)).toBe(order[Math.max(i, j)]);
      }
    }
  });
});

describe('evaluateStageHealth', () => {
  const checkers = HealthCheckers.create(
    checker('fine', 'Healthy'),
    checker('slow', 'Progressing'),
    checker('broken', 'Unhealthy'),
  );
  const context = { project: 'shop', stage: 'dev' };
  const succeeded = (...uses: string[]) => ({
    stage: 'dev',
    lastFinished: {
      id: 'p1',
      phase: 'Succeeded' as const,
      healthChecks: uses.map(u => ({ uses: u, config: {} })),
    },
  });

  it.each([
    ['no promotion yet', { stage: 'dev' }, 'NotApplicable'],
    ['no health checks', succeeded(), 'NotApplicable'],
    ['all checks healthy', succeeded('fine', 'fine'), 'Healthy'],
    ['the worst check wins', succeeded('fine', 'slow', 'broken'), 'Unhealthy'],
    ['an unregistered kind', succeeded('fine', 'other'), 'Unknown'],
    ['a promotion running', { ...succeeded('fine'), running: 'p2' }, 'Unknown'],
    [
      'the last promotion failed',
      {
        stage: 'dev',
        lastFinished: { id: 'p1', phase: 'Failed' as const, healthChecks: [] },
      },
      'Unknown',
    ],
  ])('%s', (_, subject, status) => {
    expect(evaluateStageHealth({ context, subject, checkers }).status).toBe(
      status,
    );
  });

  it('names an unregistered kind', () => {
    expect(
      evaluateStageHealth({ context, subject: succeeded('other'), checkers })
        .message,
    ).toBe('no health checker registered for health check kind "other"');
  });

  it('refuses a second checker of one kind', () => {
    expect(() => checkers.add(checker('fine', 'Healthy'))).toThrow(
      'A health checker for "fine" is registered already',
    );
  });
});
