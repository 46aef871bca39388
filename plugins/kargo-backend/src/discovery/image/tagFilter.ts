import { compileGoRegexp, GoRegexp } from '@kargo-portal/plugin-kargo-common';

/** Which tags a subscription considers, by `allowTagsRegexes` and `ignoreTagsRegexes`. */
export interface TagFilter {
  matches(tag: string): boolean;
}

/**
 * Compiles the regexes of one field (Go RE2 syntax, matched in linear time); errors name the field and the index,
 * as in "allowTagsRegexes[1]", and carry Go's words: `error compiling regular expression "<pattern>": ...`.
 */
export function compileTagRegexes(
  patterns: readonly string[] | undefined,
  field: 'allowTagsRegexes' | 'ignoreTagsRegexes',
): GoRegexp[] {
  const noun = field === 'allowTagsRegexes' ? 'allow tags' : 'ignore tags';
  return (patterns ?? []).map((pattern, index) => {
    try {
      return compileGoRegexp(pattern);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `error compiling ${noun} regex (${field}[${index}]): error compiling regular expression "${pattern}": ${reason}`,
      );
    }
  });
}

/**
 * Kargo's tag filter (pkg/image/tag_based_selector.go): a tag matching any ignore regex is out; otherwise it is
 * in when there are no allow regexes or any of them matches. Regexes match anywhere in the tag unless anchored.
 */
export function tagFilterOf(
  allow: readonly GoRegexp[],
  ignore: readonly GoRegexp[],
): TagFilter {
  return {
    matches(tag: string): boolean {
      if (ignore.some(regex => regex.test(tag))) return false;
      return allow.length === 0 || allow.some(regex => regex.test(tag));
    },
  };
}

/** Compiles both fields into a filter. */
export function createTagFilter(options: {
  allowTagsRegexes?: readonly string[];
  ignoreTagsRegexes?: readonly string[];
}): TagFilter {
  return tagFilterOf(
    compileTagRegexes(options.allowTagsRegexes, 'allowTagsRegexes'),
    compileTagRegexes(options.ignoreTagsRegexes, 'ignoreTagsRegexes'),
  );
}
