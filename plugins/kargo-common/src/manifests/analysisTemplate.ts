import { z } from 'zod';
import { parseDuration } from './duration';

/**
 * The part of Argo Rollouts' AnalysisTemplate spec that Kargo Portal runs: metrics of the `web` and `prometheus`
 * providers, with Rollouts' fields for timing (`interval`, `initialDelay`, `count`), conditions and limits.
 * Everything else is refused with the field named, so that nothing written in a template is silently ignored.
 */

/** The providers Kargo Portal runs. @public */
export const SUPPORTED_ANALYSIS_PROVIDERS = ['web', 'prometheus'] as const;

/** A whole field written as one `{{args.<name>}}`, resolved when the verification measures. */
const ARG_REFERENCE = /^\{\{\s*args\.[^}\s]+\s*\}\}$/;

const goDuration = (allowArgs: boolean) =>
  z
    .string()
    .refine(
      v =>
        (allowArgs && ARG_REFERENCE.test(v)) ||
        (parseDuration(v) !== undefined && parseDuration(v)! >= 0),
      { message: 'must be a duration such as 30s or 5m' },
    );

/** Rollouts' IntOrString fields: a non-negative integer, or one written as a string. */
const intOrString = (allowArgs: boolean) =>
  z.union([
    z.number().int().min(0),
    z
      .string()
      .refine(v => /^[0-9]+$/.test(v) || (allowArgs && ARG_REFERENCE.test(v)), {
        message: 'must be a non-negative integer',
      }),
  ]);

/** A measurement must end well within the lease a worker holds a verification by (90 s). */
const timeoutSeconds = z
  .number()
  .int()
  .positive()
  .max(60, 'must be at most 60 seconds in Kargo Portal');

const header = z.object({ key: z.string().min(1), value: z.string() }).strict();

const webProvider = z
  .object({
    url: z.string().min(1),
    method: z.enum(['GET', 'POST', 'PUT']).optional(),
    headers: z.array(header).optional(),
    body: z.string().optional(),
    jsonBody: z.unknown().optional(),
    timeoutSeconds: timeoutSeconds.optional(),
    jsonPath: z.string().optional(),
  })
  .strict();

const prometheusProvider = z
  .object({
    address: z.string().min(1),
    query: z.string().min(1),
    timeout: timeoutSeconds.optional(),
    headers: z.array(header).optional(),
  })
  .strict();

const metricSchema = (allowArgs: boolean) =>
  z
    .object({
      name: z.string().min(1),
      interval: goDuration(allowArgs).optional(),
      initialDelay: goDuration(allowArgs).optional(),
      count: intOrString(allowArgs).optional(),
      successCondition: z.string().optional(),
      failureCondition: z.string().optional(),
      failureLimit: intOrString(allowArgs).optional(),
      inconclusiveLimit: intOrString(allowArgs).optional(),
      consecutiveErrorLimit: intOrString(allowArgs).optional(),
      provider: z
        .object({
          web: webProvider.optional(),
          prometheus: prometheusProvider.optional(),
        })
        .strict(),
    })
    .strict()
    .superRefine((m, ctx) => {
      if (Number(m.count) > 1 && !m.interval) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['interval'],
          message: 'is required when count is more than 1',
        });
      }
    });

/** A metric as written: `interval`, `initialDelay`, `count` and the limits may be one `{{args.<name>}}`. */
const metric = metricSchema(true);

/**
 * A metric once its `{{args.<name>}}` are resolved, as measured: durations and counts must be what they say.
 *
 * @public
 */
export const resolvedAnalysisMetricSchema = metricSchema(false);

const arg = z
  .object({
    name: z.string().min(1),
    value: z.string().optional(),
    valueFrom: z
      .object({
        secretKeyRef: z
          .object({ name: z.string().min(1), key: z.string().min(1) })
          .strict(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** @public */
export const analysisTemplateSpecSchema = z
  .object({
    metrics: z.array(metric).min(1),
    args: z.array(arg).optional(),
  })
  .strict();

/** A metric of an AnalysisTemplate, as validated. @public */
export type AnalysisMetric = z.infer<typeof metric>;
/** An argument an AnalysisTemplate declares. @public */
export type AnalysisTemplateArg = z.infer<typeof arg>;
/** The spec of an AnalysisTemplate that Kargo Portal runs. @public */
export type AnalysisTemplateSpec = z.infer<typeof analysisTemplateSpecSchema>;

/**
 * What is wrong with an AnalysisTemplate's spec, as `[path, message]` pairs; a provider other than web and
 * prometheus is named with the template, so the error says what cannot run where.
 *
 * @public
 */
export function analysisTemplateSpecProblems(
  template: string,
  spec: unknown,
): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const metrics =
    typeof spec === 'object' && spec !== null
      ? (spec as { metrics?: unknown }).metrics
      : undefined;
  const providerPaths = new Set<string>();
  if (Array.isArray(metrics)) {
    metrics.forEach((m, index) => {
      const provider =
        typeof m === 'object' && m !== null
          ? (m as { provider?: unknown }).provider
          : undefined;
      const path = `spec.metrics[${index}].provider`;
      if (typeof provider !== 'object' || provider === null) {
        problems.push([path, 'is required (web or prometheus)']);
        providerPaths.add(path);
        return;
      }
      const keys = Object.keys(provider);
      const metricName = String((m as { name?: unknown }).name ?? index);
      for (const key of keys) {
        if (
          !(SUPPORTED_ANALYSIS_PROVIDERS as readonly string[]).includes(key)
        ) {
          problems.push([
            `${path}.${key}`,
            `${template} metric "${metricName}" uses the ${key} provider: Kargo Portal runs only the web and prometheus providers`,
          ]);
          providerPaths.add(path);
        }
      }
      if (keys.length !== 1 && !providerPaths.has(path)) {
        problems.push([
          path,
          'must name exactly one provider (web or prometheus)',
        ]);
        providerPaths.add(path);
      }
    });
  }
  const parsed = analysisTemplateSpecSchema.safeParse(spec);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.reduce<string>(
        (text, p) => (typeof p === 'number' ? `${text}[${p}]` : `${text}.${p}`),
        'spec',
      );
      if ([...providerPaths].some(p => path.startsWith(p))) continue;
      const message =
        issue.code === 'unrecognized_keys'
          ? `${template}: Kargo Portal does not run ${issue.keys.join(', ')}`
          : issue.message;
      problems.push([path, message]);
    }
  } else {
    const names = new Set<string>();
    parsed.data.metrics.forEach((m, index) => {
      if (names.has(m.name)) {
        problems.push([`spec.metrics[${index}].name`, 'is repeated']);
      }
      names.add(m.name);
    });
  }
  return problems;
}
