import { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  isAndCriteria,
  isNotCriteria,
  isOrCriteria,
} from '@backstage/plugin-permission-node';
import {
  KargoResourceFilter,
  KargoProjectResource,
  KargoStageResource,
} from './resources';

/** Matches a name against a pattern where `*` stands for any run of characters and `?` for one. @public */
export function globMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const escape = (c: string) => c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  const wildcards: Record<string, string> = { '*': '.*', '?': '.' };
  const source = pattern
    .split('')
    .map(c => wildcards[c] ?? escape(c))
    .join('');
  return new RegExp(`^${source}$`).test(name);
}

/**
 * Whether a resource satisfies a filter. Rules apply through this one function, so that a conditional decision
 * means the same whether the permission backend or this plugin evaluates it.
 *
 * @public
 */
export function matchesFilter(
  filter: KargoResourceFilter,
  resource: KargoProjectResource | KargoStageResource,
): boolean {
  switch (filter.key) {
    case 'project':
      return filter.values.includes(resource.project);
    case 'stage':
      return (
        'stage' in resource &&
        filter.values.some(v => globMatches(v, resource.stage))
      );
    case 'owner':
      return filter.values.some(v =>
        resource.owners.includes(v.toLocaleLowerCase('en-US')),
      );
    default:
      return false;
  }
}

/** Evaluates a tree of filters (allOf / anyOf / not) against a resource. @public */
export function matchesCriteria(
  criteria: PermissionCriteria<KargoResourceFilter>,
  resource: KargoProjectResource | KargoStageResource,
): boolean {
  if (isAndCriteria(criteria)) {
    return criteria.allOf.every(c => matchesCriteria(c, resource));
  }
  if (isOrCriteria(criteria)) {
    return criteria.anyOf.some(c => matchesCriteria(c, resource));
  }
  if (isNotCriteria(criteria)) {
    return !matchesCriteria(criteria.not, resource);
  }
  return matchesFilter(criteria, resource);
}
