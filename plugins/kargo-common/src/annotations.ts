/** Catalog annotation naming the Kargo project an entity's card shows. @public */
export const KARGO_PROJECT_ANNOTATION = 'kargo/project';

/** Optional catalog annotation: comma list of warehouses the card is narrowed to. @public */
export const KARGO_WAREHOUSES_ANNOTATION = 'kargo/warehouses';

/** Kargo's stage annotation choosing the stage's color in UIs. @public */
export const KARGO_COLOR_ANNOTATION = 'kargo.akuity.io/color';
