import {
  ApplicationHealth,
  StageHealth,
} from '@kargo-portal/plugin-kargo-common';
import { PromotionHealthCheck } from '@kargo-portal/plugin-kargo-node';
import { StageHealthSubject } from '../stores/PromotionStore';
import {
  HealthCheckContext,
  HealthCheckResult,
  HealthCheckers,
  mergeHealth,
} from './HealthCheckers';

/** A stage's health as stored: without the time it was written. */
export type EvaluatedStageHealth = Omit<StageHealth, 'updatedAt'>;

function runCheck(
  checkers: HealthCheckers,
  check: PromotionHealthCheck,
  context: HealthCheckContext,
): HealthCheckResult {
  const checker = checkers.get(check.uses);
  if (!checker) {
    return {
      status: 'Unknown',
      issues: [
        `no health checker registered for health check kind "${check.uses}"`,
      ],
    };
  }
  try {
    return checker.check(check.config, context);
  } catch (error) {
    return {
      status: 'Unknown',
      issues: [
        `health check "${check.uses}" could not be evaluated: ${
          error instanceof Error ? error.message : String(error)
        }`,
      ],
    };
  }
}

const appKey = (app: ApplicationHealth) =>
  JSON.stringify([app.cluster, app.namespace, app.name]);

/**
 * Evaluates a stage's health as Kargo's Stage reconciler does (pkg/controller/stages, `assessHealth`, and
 * pkg/health, the aggregating checker): Unknown while a promotion of the stage runs, Unknown when its last
 * promotion did not succeed, else the worst result of the health checks the last promotion recorded (Healthy
 * when every check is). Where Kargo leaves health unset (no promotion yet, or no health check) we say
 * NotApplicable.
 *
 * `linkOnly` checks (the stage's `kargo.akuity.io/argocd-context` apps) add their applications for the links
 * and their live state, as NotApplicable: they never change the stage's health.
 */
export function evaluateStageHealth(options: {
  context: HealthCheckContext;
  subject: StageHealthSubject;
  checkers: HealthCheckers;
  linkOnly?: PromotionHealthCheck[];
}): EvaluatedStageHealth {
  const { context, subject, checkers } = options;
  const last = subject.lastFinished;
  const checks = last?.phase === 'Succeeded' ? last.healthChecks : [];
  let status: StageHealth['status'] = 'Healthy';
  const issues: string[] = [];
  const applications: ApplicationHealth[] = [];
  for (const check of checks) {
    const result = runCheck(checkers, check, context);
    status = mergeHealth(status, result.status);
    issues.push(...result.issues);
    applications.push(...(result.applications ?? []));
  }
  const known = new Set(applications.map(appKey));
  for (const check of options.linkOnly ?? []) {
    for (const app of runCheck(checkers, check, context).applications ?? []) {
      if (known.has(appKey(app))) continue;
      known.add(appKey(app));
      applications.push({ ...app, status: 'NotApplicable' });
    }
  }
  const promotion = subject.running ?? last?.id;
  const base = { ...(promotion ? { promotion } : {}), applications };
  if (subject.running) {
    return {
      status: 'Unknown',
      message: `Cannot assess health because promotion ${subject.running} is in progress`,
      ...base,
    };
  }
  if (!last) {
    return {
      status: 'NotApplicable',
      message: 'The stage has not been promoted yet',
      ...base,
    };
  }
  if (last.phase !== 'Succeeded') {
    return {
      status: 'Unknown',
      message: `Cannot assess health because the last promotion did not succeed (${last.phase})`,
      ...base,
    };
  }
  if (checks.length === 0) {
    return {
      status: 'NotApplicable',
      message: 'The last promotion recorded no health checks',
      ...base,
    };
  }
  return {
    status,
    ...(issues.length > 0 ? { message: issues.join('; ') } : {}),
    ...base,
  };
}
