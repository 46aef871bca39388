import {
  AnalysisMetric,
  parseGoDuration,
} from '@kargo-portal/plugin-kargo-common';
import { evaluateExpression } from '../expressions';
import {
  FinishedVerificationPhase,
  Measurement,
} from '../stores/VerificationStore';
import { analysisFunctions } from './analysisFunctions';

/** Rollouts' default `consecutiveErrorLimit`. */
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
/** How soon a measurement that errored is taken again (Rollouts' `DefaultErrorRetryInterval`). */
export const ERROR_RETRY_INTERVAL_MS = 10_000;

type MeasuredPhase = Measurement['phase'];

function evalCondition(result: unknown, condition: string): boolean {
  const value = evaluateExpression(condition, {
    values: { result },
    functions: analysisFunctions(),
  });
  if (typeof value !== 'boolean') {
    throw new Error(
      `expected bool, but got ${
        value === null ? 'nil' : typeof value
      } from ${JSON.stringify(condition)}`,
    );
  }
  return value;
}

/**
 * A measurement's phase from its result, as Rollouts' `EvaluateResult`: without conditions it succeeds; with only
 * one, the other is its negation; a failure condition that holds fails it; neither holding is inconclusive. A
 * condition that does not evaluate to a boolean throws (an Error measurement).
 */
export function evaluateResult(
  result: unknown,
  metric: Pick<AnalysisMetric, 'successCondition' | 'failureCondition'>,
): Exclude<MeasuredPhase, 'Error'> {
  const { successCondition, failureCondition } = metric;
  let success = successCondition
    ? evalCondition(result, successCondition)
    : false;
  let failure = failureCondition
    ? evalCondition(result, failureCondition)
    : false;
  if (!successCondition && !failureCondition) return 'Successful';
  if (successCondition && !failureCondition) failure = !success;
  if (!successCondition && failureCondition) success = !failure;
  if (failure) return 'Failed';
  if (!success) return 'Inconclusive';
  return 'Successful';
}

const intOf = (value: number | string | undefined, fallback: number) =>
  value === undefined ? fallback : Number(value);

/** How a metric stands after its measurements (Rollouts' `assessMetricStatus`). */
export interface MetricAssessment {
  phase: 'Running' | FinishedVerificationPhase;
  message?: string;
}

/**
 * A metric's phase from its measurements, as Rollouts assesses it: beyond `failureLimit` failures it Failed,
 * beyond `inconclusiveLimit` inconclusive ones it is Inconclusive, beyond `consecutiveErrorLimit` consecutive
 * errors it is in Error; once `count` measurements (errors aside) are taken it is Successful, or Inconclusive when
 * one of them was. Without `interval`, `count` is 1; with `interval` and no `count`, it measures until it fails or
 * the verification is aborted.
 */
export function assessMetric(
  metric: AnalysisMetric,
  measurements: Measurement[],
): MetricAssessment {
  const own = measurements.filter(m => m.metric === metric.name);
  const counts = { Successful: 0, Failed: 0, Inconclusive: 0, Error: 0 };
  let consecutiveErrors = 0;
  for (const m of own) {
    counts[m.phase] += 1;
    consecutiveErrors = m.phase === 'Error' ? consecutiveErrors + 1 : 0;
  }
  const failureLimit = intOf(metric.failureLimit, 0);
  const inconclusiveLimit = intOf(metric.inconclusiveLimit, 0);
  const errorLimit = intOf(
    metric.consecutiveErrorLimit,
    DEFAULT_CONSECUTIVE_ERROR_LIMIT,
  );
  const name = JSON.stringify(metric.name);
  if (counts.Failed > failureLimit) {
    return {
      phase: 'Failed',
      message: `Metric ${name} assessed Failed due to failed (${counts.Failed}) > failureLimit (${failureLimit})`,
    };
  }
  if (counts.Inconclusive > inconclusiveLimit) {
    return {
      phase: 'Inconclusive',
      message: `Metric ${name} assessed Inconclusive due to inconclusive (${counts.Inconclusive}) > inconclusiveLimit (${inconclusiveLimit})`,
    };
  }
  if (consecutiveErrors > errorLimit) {
    const last = own[own.length - 1];
    return {
      phase: 'Error',
      message: `Metric ${name} assessed Error due to consecutiveErrors (${consecutiveErrors}) > consecutiveErrorLimit (${errorLimit}): ${
        last?.message ?? ''
      }`,
    };
  }
  // Without interval a metric measures once; with interval and no count, until it fails or is aborted.
  let count: number | undefined;
  if (metric.count !== undefined) count = Number(metric.count);
  else if (!metric.interval) count = 1;
  const measured = own.length - counts.Error;
  if (count !== undefined && measured >= count) {
    return counts.Inconclusive > 0
      ? {
          phase: 'Inconclusive',
          message: `Metric ${name} assessed Inconclusive: ${counts.Inconclusive} of its measurements were`,
        }
      : { phase: 'Successful' };
  }
  return { phase: 'Running' };
}

/** When the metric's next measurement is due, from the start of the verification and its measurements. */
export function nextMeasurementAt(
  metric: AnalysisMetric,
  measurements: Measurement[],
  startedAt: Date,
): Date {
  const own = measurements.filter(m => m.metric === metric.name);
  const last = own[own.length - 1];
  if (!last) {
    const delay = metric.initialDelay
      ? parseGoDuration(metric.initialDelay)
      : 0;
    return new Date(startedAt.getTime() + delay);
  }
  const interval = metric.interval ? parseGoDuration(metric.interval) : 0;
  const wait =
    last.phase === 'Error'
      ? Math.min(interval || ERROR_RETRY_INTERVAL_MS, ERROR_RETRY_INTERVAL_MS)
      : interval;
  return new Date(Date.parse(last.finishedAt) + wait);
}

const PHASE_ORDER: Record<FinishedVerificationPhase, number> = {
  Successful: 0,
  Aborted: 1,
  Inconclusive: 2,
  Error: 3,
  Failed: 4,
};

/**
 * The verification's phase from its metrics', as Rollouts' `assessRunStatus`: it runs while a metric runs, unless
 * one ended badly (Failed, Error, Inconclusive), which ends it; then the worst phase wins, with its message.
 */
export function assessRun(assessments: MetricAssessment[]): MetricAssessment {
  let worst: MetricAssessment | undefined;
  let running = false;
  for (const a of assessments) {
    if (a.phase === 'Running') {
      running = true;
      continue;
    }
    if (
      !worst ||
      PHASE_ORDER[a.phase as FinishedVerificationPhase] >
        PHASE_ORDER[worst.phase as FinishedVerificationPhase]
    ) {
      worst = a;
    }
  }
  if (worst && worst.phase !== 'Successful') return worst;
  if (running) return { phase: 'Running' };
  return { phase: 'Successful', message: 'Metric assessment was Successful' };
}
