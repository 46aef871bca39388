import { ConflictError } from '@backstage/errors';
import { ALIAS_ANIMALS, ALIAS_DESCRIPTORS } from './aliasWords';

/** Random picks tried before falling back to a numeric suffix. */
const DEFAULT_MAX_ATTEMPTS = 20;

/** Suffixes tried on one alias before giving up; only a broken `isTaken` gets that far. */
const MAX_SUFFIX = 10_000;

/**
 * Options of {@link generateAlias}.
 *
 * @public
 */
export interface GenerateAliasOptions {
  /** Source of randomness in [0, 1); defaults to `Math.random`. Inject a seeded one in tests. */
  random?: () => number;
  /** Whether a Freight of the project already carries this alias. */
  isTaken: (alias: string) => boolean | Promise<boolean>;
  /** Random picks tried before falling back to a numeric suffix; defaults to 20. */
  maxAttempts?: number;
}

function pick(words: readonly string[], random: () => number): string {
  // Clamped so that a generator returning exactly 1 (or more) cannot index past the end.
  const index = Math.min(
    words.length - 1,
    Math.max(0, Math.floor(random() * words.length)),
  );
  return words[index];
}

/**
 * One random alias, `<descriptor>-<animal>`, as Kargo's `moniker.New().NameSep("-")` makes it:
 * the descriptor is drawn first, then the animal.
 *
 * @public
 */
export function randomAlias(random: () => number = Math.random): string {
  const descriptor = pick(ALIAS_DESCRIPTORS, random);
  const animal = pick(ALIAS_ANIMALS, random);
  return `${descriptor}-${animal}`;
}

/**
 * A Freight alias that no Freight of the project carries yet.
 *
 * @remarks
 * Like Kargo, draws `<descriptor>-<animal>` aliases (94,138 combinations) until one is free. Unlike
 * Kargo, which retries forever, it stops after `maxAttempts` draws and then appends `-2`, `-3`, ...
 * to one more draw until that is free, which ends as soon as the project has fewer aliases than
 * suffixes tried. The caller still needs a uniqueness constraint for concurrent creators.
 *
 * @throws ConflictError when `isTaken` rejects every suffix too, which only a faulty `isTaken` can do
 * @public
 */
export async function generateAlias(
  options: GenerateAliasOptions,
): Promise<string> {
  const {
    random = Math.random,
    isTaken,
    maxAttempts = DEFAULT_MAX_ATTEMPTS,
  } = options;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const alias = randomAlias(random);
    if (!(await isTaken(alias))) return alias;
  }
  const base = randomAlias(random);
  for (let suffix = 2; suffix <= MAX_SUFFIX; suffix++) {
    const alias = `${base}-${suffix}`;
    if (!(await isTaken(alias))) return alias;
  }
  throw new ConflictError(
    `No free Freight alias: ${maxAttempts} random aliases and ${base}-2 to ${base}-${MAX_SUFFIX} are all taken`,
  );
}
