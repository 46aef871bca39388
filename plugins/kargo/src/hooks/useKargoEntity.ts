import { useEntity } from '@backstage/plugin-catalog-react';
import {
  KARGO_PROJECT_ANNOTATION,
  KARGO_WAREHOUSES_ANNOTATION,
} from '@kargo-portal/plugin-kargo-common';
import { parseWarehousesAnnotation } from '../lib/stages';

/** The Kargo project (and warehouses) the current entity names in its annotations. */
export function useKargoEntity(): {
  project?: string;
  warehouses?: string[];
} {
  const { entity } = useEntity();
  const annotations = entity.metadata.annotations ?? {};
  const project = annotations[KARGO_PROJECT_ANNOTATION]?.trim() || undefined;
  return {
    project,
    warehouses: parseWarehousesAnnotation(
      annotations[KARGO_WAREHOUSES_ANNOTATION],
    ),
  };
}
