import { Entity } from '@backstage/catalog-model';
import { KARGO_PROJECT_ANNOTATION } from '@kargo-portal/plugin-kargo-common';

/** True when the entity names a Kargo project, i.e. when the Kargo card applies to it. @public */
export function isKargoAvailable(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[KARGO_PROJECT_ANNOTATION]);
}
