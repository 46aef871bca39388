import { CodeSnippet, EmptyState } from '@backstage/core-components';
import {
  KARGO_PROJECT_ANNOTATION,
  KARGO_WAREHOUSES_ANNOTATION,
} from '@kargo-portal/plugin-kargo-common';

/** The entity names no Kargo project: how to name one. */
export function MissingProjectAnnotation() {
  return (
    <EmptyState
      missing="field"
      title="No Kargo project"
      description={`Add the ${KARGO_PROJECT_ANNOTATION} annotation to this entity's catalog-info.yaml to see its promotion pipeline.`}
      action={
        <CodeSnippet
          language="yaml"
          text={`metadata:
  annotations:
    ${KARGO_PROJECT_ANNOTATION}: my-project
    # optional: only the stages fed by these warehouses
    # ${KARGO_WAREHOUSES_ANNOTATION}: my-warehouse`}
        />
      }
    />
  );
}
