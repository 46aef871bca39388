import { z } from 'zod';

/** A Kubernetes label selector, as Kargo's `ArgoCDAppSelector`. */
export const appSelectorSchema = z
  .object({
    matchLabels: z.record(z.string()).optional(),
    matchExpressions: z
      .array(
        z
          .object({
            key: z.string().min(1),
            operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
            values: z.array(z.string()).optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict()
  .refine(
    selector =>
      Object.keys(selector.matchLabels ?? {}).length > 0 ||
      (selector.matchExpressions ?? []).length > 0,
    { message: 'a selector needs matchLabels or matchExpressions' },
  );

export type AppSelector = z.infer<typeof appSelectorSchema>;

/** The selector in the `labelSelector` query syntax of the Kubernetes API. */
export function labelSelectorString(selector: AppSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(
    ([key, value]) => `${key}=${value}`,
  );
  for (const { key, operator, values = [] } of selector.matchExpressions ??
    []) {
    if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
    else parts.push(`${key} ${operator.toLowerCase()} (${values.join(',')})`);
  }
  return parts.join(',');
}

/** The fields that name Argo CD Applications in a step's config: one by name, or several by labels. */
export const appReferenceFields = {
  name: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  selector: appSelectorSchema.optional(),
  /** This portal's addition: the configured cluster the app lives on (default: `kargo.argocd.defaultCluster`). */
  cluster: z.string().min(1).optional(),
};

/** Checks that an app reference has a name or a selector, not both. */
export function hasNameOrSelector(app: {
  name?: string;
  selector?: AppSelector;
}): boolean {
  return (app.name === undefined) !== (app.selector === undefined);
}

/** `Argo CD Application <namespace>/<name> on cluster "<cluster>"`, as step messages name an app. */
export function describeApp(cluster: string, namespace: string, name: string) {
  return `Argo CD Application ${namespace}/${name} on cluster "${cluster}"`;
}
