/**
 * Separator between the alias of a PromotionTask step in a Stage's promotion template and the alias
 * of a step inside that task (Kargo's `PromotionAliasSeparator`).
 *
 * @public
 */
export const PROMOTION_ALIAS_SEPARATOR = '::';

/**
 * The alias of a step inflated from a PromotionTask: `<taskAlias>::<stepAlias>`, as Kargo builds it.
 *
 * @remarks
 * Both parts are used as given, empty or not, and may themselves contain the separator; resolving
 * the default alias of a step without `as` (`step-<index>`) is the caller's business.
 *
 * @param taskAlias - alias of the step that references the PromotionTask
 * @param stepAlias - alias of the step inside the PromotionTask
 * @public
 */
export function promotionTaskStepAlias(
  taskAlias: string,
  stepAlias: string,
): string {
  return `${taskAlias}${PROMOTION_ALIAS_SEPARATOR}${stepAlias}`;
}
