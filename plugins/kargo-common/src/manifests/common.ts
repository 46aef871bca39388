import { z } from 'zod';
import { KUBE_DURATION_PATTERN, parseDuration } from './duration';
import { namePatternProblem } from './namePattern';

/*
 * Building blocks shared by the manifest schemas: Kubernetes names, labels, selectors, durations and the helpers
 * that cross-field checks use to report problems.
 */

type PathPart = string | number;

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/**
 * Formats a field path as `spec.steps[0].config`; keys that are not plain identifiers are quoted, as in
 * `metadata.labels["app.kubernetes.io/name"]`.
 */
export function formatPath(path: ReadonlyArray<PathPart>): string {
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      if (!PLAIN_KEY.test(part)) return `[${JSON.stringify(part)}]`;
      return i === 0 ? part : `.${part}`;
    })
    .join('');
}

/** Reports a problem at a path relative to the value being refined. */
export function report(
  ctx: z.RefinementCtx,
  path: PathPart[],
  message: string,
): void {
  ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
}

/** The absolute path of an item of the value being refined, for messages that point at another field. */
export function pathOf(ctx: z.RefinementCtx, ...parts: PathPart[]): string {
  return formatPath([...ctx.path, ...parts]);
}

const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes object name (DNS-1123 subdomain). */
export const objectName = z
  .string()
  .max(253)
  .regex(
    DNS_SUBDOMAIN,
    'must be a lowercase DNS-1123 name (a-z, 0-9, "-" and ".")',
  );

/** A DNS-1123 label: namespace names, and therefore project names; subscription names. */
export const dnsLabel = z
  .string()
  .max(63)
  .regex(DNS_LABEL, 'must be a lowercase DNS-1123 label (a-z, 0-9 and "-")');

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function isLabelKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  const prefix = parts.length === 2 ? parts[0] : undefined;
  if (prefix !== undefined && !objectName.safeParse(prefix).success) {
    return false;
  }
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

const isLabelValue = (value: string) =>
  value.length <= 63 && LABEL_VALUE.test(value);

/** Kubernetes labels: qualified-name keys, short values. */
export const labels = z
  .record(z.string(), z.string())
  .superRefine((map, ctx) => {
    for (const [key, value] of Object.entries(map)) {
      if (!isLabelKey(key)) {
        report(
          ctx,
          [key],
          'is not a valid label key: use "name" or "prefix/name", the name at most 63 letters, digits, "-", "_" or "."',
        );
      }
      if (!isLabelValue(value)) {
        report(
          ctx,
          [key],
          'is not a valid label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
        );
      }
    }
  });

/** Kubernetes annotations: free-form string values. */
export const annotations = z.record(z.string(), z.string());

/** Object metadata with the given rule for the name. */
export const metadataWith = <N extends z.ZodTypeAny>(name: N) =>
  z
    .object({
      name,
      namespace: dnsLabel.optional(),
      labels: labels.optional(),
      annotations: annotations.optional(),
    })
    .strict();

/** Metadata of namespaced objects and cluster-scoped tasks. */
export const metadata = metadataWith(objectName);

/** A duration limited to hours, minutes and seconds, as Kargo's CRDs require for intervals and soak times. */
export const kubeDuration = z
  .string()
  .regex(
    KUBE_DURATION_PATTERN,
    'must be a duration in hours, minutes and seconds such as "5m0s", "90s" or "1h30m"',
  );

/** Any non-negative Go duration, e.g. a step's retry timeout. */
export const goDuration = z.string().superRefine((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    report(ctx, [], 'must be a duration such as "30s", "5m" or "1h30m"');
  } else if (ms < 0) {
    report(ctx, [], 'must not be negative');
  }
});

/** A variable that expressions can reference as `vars.<name>`. */
export const expressionVariable = z
  .object({
    name: z
      .string()
      .regex(
        /^[a-zA-Z_]\w*$/,
        'must be an identifier: letters, digits and "_", not starting with a digit',
      ),
    value: z.string().optional(),
  })
  .strict();

const labelSelectorRequirement = z
  .object({
    key: z.string().min(1),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((requirement, ctx) => {
    const count = requirement.values?.length ?? 0;
    const needsValues =
      requirement.operator === 'In' || requirement.operator === 'NotIn';
    if (needsValues && count === 0) {
      report(
        ctx,
        ['values'],
        `must list at least one value for operator ${requirement.operator}`,
      );
    }
    if (!needsValues && count > 0) {
      report(
        ctx,
        ['values'],
        `must be empty for operator ${requirement.operator}`,
      );
    }
  });

const labelSelectorShape = {
  matchLabels: labels.optional(),
  matchExpressions: z.array(labelSelectorRequirement).optional(),
};

/** A Kubernetes label selector. */
export const labelSelector = z.object(labelSelectorShape).strict();

/**
 * Selects stages by name (exact, `regex:`, `regexp:` or `glob:`) and/or labels; Kargo's PromotionPolicySelector.
 */
export const stageSelector = z
  .object({ name: z.string().optional(), ...labelSelectorShape })
  .strict()
  .superRefine((selector, ctx) => {
    const problem =
      selector.name === undefined
        ? undefined
        : namePatternProblem(selector.name);
    if (problem) report(ctx, ['name'], problem);
  });
