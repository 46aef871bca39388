import { EmptyState } from '@backstage/core-components';
import { KARGO_WAREHOUSES_ANNOTATION } from '@kargo-portal/plugin-kargo-common';

/** Props of {@link NoStages}. */
export interface NoStagesProps {
  project: string;
  /** The warehouses the entity's `kargo/warehouses` annotation names, when it has one. */
  narrowTo?: string[];
  /** The project's warehouses. */
  warehouses: string[];
}

/** The project has no stage to show: none at all, or none fed by the warehouses the entity names. */
export function NoStages(props: NoStagesProps) {
  const { project, narrowTo, warehouses } = props;
  return (
    <EmptyState
      missing="data"
      title="No stages"
      description={
        narrowTo
          ? `No stage of Kargo project "${project}" takes freight from ${narrowTo.join(
              ', ',
            )}: check the ${KARGO_WAREHOUSES_ANNOTATION} annotation against the project's warehouses (${
              warehouses.join(', ') || 'none'
            }).`
          : `Kargo project "${project}" has no stages yet: add Stage manifests to it.`
      }
    />
  );
}
