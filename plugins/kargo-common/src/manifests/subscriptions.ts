import { z } from 'zod';
import { dnsLabel, pathOf, report } from './common';
import { isValidSemverConstraint } from './semverConstraint';

/*
 * Warehouse subscriptions, after Kargo's subscription JSON schemas (akuity/kargo pkg/subscription/schemas/*.json)
 * and the checks and defaults of its subscribers (pkg/subscription/{image,git,chart}.go) and Warehouse webhook.
 */

const SEMVER_CONSTRAINT_MESSAGE =
  'must be a semantic version constraint such as "^1.2.0", ">=1.0.0, <2.0.0" or "1.x || 2.x"';

function checkSemverConstraint(
  ctx: z.RefinementCtx,
  field: string,
  constraint: string | undefined,
): void {
  if (constraint !== undefined && !isValidSemverConstraint(constraint)) {
    report(ctx, [field], SEMVER_CONSTRAINT_MESSAGE);
  }
}

const discoveryLimit = z.number().int().min(1).max(100).default(20);
const regexList = z.array(z.string()).optional();

/** Go's regexp.QuoteMeta: a regex matching exactly the text. */
const quoteMeta = (text: string) => text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

/**
 * Reads the deprecated `allowTags` (one regex) and `ignoreTags` (exact tags, as Kargo before v1.11 compared them)
 * as their `allowTagsRegexes` / `ignoreTagsRegexes` equivalents, so that older manifests keep discovering what
 * they did; {@link deprecatedTagFieldWarnings} warns about them.
 */
function readDeprecatedTagFields<
  T extends {
    allowTags?: string;
    allowTagsRegexes?: string[];
    ignoreTags?: string[];
    ignoreTagsRegexes?: string[];
  },
>(subscription: T): Omit<T, 'allowTags' | 'ignoreTags'> {
  const { allowTags, ignoreTags, ...rest } = subscription;
  const result: Omit<T, 'allowTags' | 'ignoreTags'> & {
    allowTagsRegexes?: string[];
    ignoreTagsRegexes?: string[];
  } = rest;
  if (allowTags) {
    result.allowTagsRegexes = [...(rest.allowTagsRegexes ?? []), allowTags];
  }
  if (ignoreTags && ignoreTags.length > 0) {
    result.ignoreTagsRegexes = [
      ...(rest.ignoreTagsRegexes ?? []),
      ...ignoreTags.map(tag => `^${quoteMeta(tag)}$`),
    ];
  }
  return result;
}

/**
 * Deprecation warnings for the `allowTags` and `ignoreTags` fields of a raw subscription (`image` or `git`), as
 * [field, message] pairs.
 */
export function deprecatedTagFieldWarnings(
  subscription: Record<string, unknown>,
): Array<[string, string]> {
  const warnings: Array<[string, string]> = [];
  const { allowTags, ignoreTags } = subscription;
  if (typeof allowTags === 'string' && allowTags !== '') {
    warnings.push([
      'allowTags',
      `is deprecated (Kargo v1.11.0 no longer supports it): read as allowTagsRegexes: [${JSON.stringify(
        allowTags,
      )}]; use allowTagsRegexes instead`,
    ]);
  }
  if (Array.isArray(ignoreTags) && ignoreTags.length > 0) {
    warnings.push([
      'ignoreTags',
      'is deprecated (Kargo v1.11.0 no longer supports it): each tag is read as an ignoreTagsRegexes entry ' +
        'matching exactly that tag; use ignoreTagsRegexes instead',
    ]);
  }
  return warnings;
}

/** Image repository: optional registry host[:port], then path segments; no tag. */
const IMAGE_REPO_URL =
  /^(\w+([.-]\w+)*(:\d+)?\/)?(\w+([.-]\w+)*)(\/\w+([.-]\w+)*)*$/;

/** `<os>/<arch>` with an optional `/<variant>`, as Kargo's platform constraint parser accepts. */
const PLATFORM = /^[\w.-]+\/[\w.-]+(\/[\w.-]+)?$/;

export const imageSubscriptionSchema = z
  .object({
    repoURL: z
      .string()
      .regex(
        IMAGE_REPO_URL,
        'must be an image repository such as "ghcr.io/acme/app" (no tag, no scheme)',
      ),
    imageSelectionStrategy: z
      .enum(['Digest', 'Lexical', 'NewestBuild', 'SemVer'])
      .default('SemVer'),
    strictSemvers: z.boolean().default(true),
    constraint: z.string().optional(),
    allowTags: z.string().optional(),
    allowTagsRegexes: regexList,
    ignoreTags: z.array(z.string()).optional(),
    ignoreTagsRegexes: regexList,
    platform: z
      .string()
      .regex(PLATFORM, 'must be in format <os>/<arch>[/<variant>]')
      .optional(),
    insecureSkipTLSVerify: z.boolean().optional(),
    discoveryLimit,
    cacheByTag: z.boolean().default(false),
  })
  .strict()
  .superRefine((image, ctx) => {
    if (image.imageSelectionStrategy === 'Digest' && !image.constraint) {
      report(
        ctx,
        ['constraint'],
        'must be set when imageSelectionStrategy is Digest: it names the tag to follow',
      );
    }
    if (image.imageSelectionStrategy === 'SemVer') {
      checkSemverConstraint(ctx, 'constraint', image.constraint);
    }
  })
  .transform(readDeprecatedTagFields);

// Kargo's Git URL pattern (https, http, ssh, or SCP-style user@host:path).
const GIT_URL =
  /(?:^(ssh|https?):\/\/(?:([\w-]+)(:(.+))?@)?([\w-]+(?:\.[\w-]+)*)(?::(\d{1,5}))?(\/.*)$)|(?:^([\w-]+)@([\w+]+(?:\.[\w-]+)*):(\/?.*))/;
// Portal extension: local repositories, which Kargo does not accept but the portal's git CLI can read.
const FILE_URL = /^file:\/\/\/\S+$/;

const GIT_BRANCH = /^[a-zA-Z0-9]([a-zA-Z0-9._/-]*[a-zA-Z0-9_-])?$/;

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export const gitSubscriptionSchema = z
  .object({
    repoURL: z.string().refine(url => GIT_URL.test(url) || FILE_URL.test(url), {
      message:
        'must be a Git repository URL (https://, http://, ssh://, user@host:path or file:///path)',
    }),
    commitSelectionStrategy: z
      .enum(['NewestFromBranch', 'SemVer', 'Lexical', 'NewestTag'])
      .default('NewestFromBranch'),
    branch: z
      .string()
      .max(255)
      .regex(GIT_BRANCH, 'must be a valid branch name')
      .optional(),
    strictSemvers: z.boolean().default(true),
    semverConstraint: z.string().optional(),
    allowTags: z.string().optional(),
    allowTagsRegexes: regexList,
    ignoreTags: z.array(z.string()).optional(),
    ignoreTagsRegexes: regexList,
    expressionFilter: z.string().optional(),
    insecureSkipTLSVerify: z.boolean().optional(),
    blobless: z.boolean().optional(),
    includePaths: z.array(z.string()).optional(),
    excludePaths: z.array(z.string()).optional(),
    discoveryLimit,
    since: z
      .string()
      .refine(text => RFC3339.test(text) && !Number.isNaN(Date.parse(text)), {
        message: 'must be an RFC 3339 date-time such as "2025-01-31T00:00:00Z"',
      })
      .optional(),
  })
  .strict()
  .superRefine((git, ctx) => {
    checkSemverConstraint(ctx, 'semverConstraint', git.semverConstraint);
  })
  .transform(readDeprecatedTagFields);

const HELM_REPO_URL = /^(((https?)|(oci)):\/\/)([\w.-]+)(:\d+)?(\/.*)*$/;

export const chartSubscriptionSchema = z
  .object({
    repoURL: z
      .string()
      .regex(
        HELM_REPO_URL,
        'must be a Helm chart repository URL (http://, https:// or oci://)',
      ),
    name: z.string().optional(),
    semverConstraint: z.string().optional(),
    discoveryLimit,
    insecureSkipTLSVerify: z.boolean().optional(),
  })
  .strict()
  .superRefine((chart, ctx) => {
    if (chart.repoURL.startsWith('oci://') && chart.name) {
      report(
        ctx,
        ['name'],
        'must be empty when repoURL starts with oci://: the URL names the chart',
      );
    }
    if (/^https?:\/\//.test(chart.repoURL) && !chart.name) {
      report(
        ctx,
        ['name'],
        'is required when repoURL is an http:// or https:// chart repository',
      );
    }
    checkSemverConstraint(ctx, 'semverConstraint', chart.semverConstraint);
  });

/** A subscription of a type other than image, git and chart, served by a subscriber a backend module registers. */
export const genericSubscriptionSchema = z
  .object({
    config: z.record(z.string(), z.unknown()).optional(),
    discoveryLimit,
  })
  .strict();

/** A subscription to a container image repository, with Kargo's defaults applied. @public */
export type ImageSubscription = z.output<typeof imageSubscriptionSchema>;

/** A subscription to a Git repository, with Kargo's defaults applied. @public */
export type GitSubscription = z.output<typeof gitSubscriptionSchema>;

/** A subscription to a Helm chart repository, with Kargo's defaults applied. @public */
export type ChartSubscription = z.output<typeof chartSubscriptionSchema>;

/**
 * A subscription of another type, served by a subscriber that a backend module registers: opaque `config` and a
 * `discoveryLimit`. @public
 */
export type GenericSubscription = z.output<typeof genericSubscriptionSchema>;

/**
 * One of a Warehouse's subscriptions. Exactly one field names its type: `image`, `git`, `chart`, or, for other
 * types, a field named after the type holding a {@link GenericSubscription} (a `name` is then required); see
 * `genericSubscriptionOf`. This mirrors Kargo's RepoSubscription. @public
 */
export interface WarehouseSubscription {
  /** Identifies the subscription within its Warehouse; a DNS-1123 label. */
  name?: string;
  image?: ImageSubscription;
  git?: GitSubscription;
  chart?: ChartSubscription;
}

const KNOWN_TYPES = ['image', 'git', 'chart'] as const;

/** The keys of a subscription that name its type: all but `name`. */
function subscriptionTypeKeys(subscription: object): string[] {
  return Object.keys(subscription).filter(key => key !== 'name');
}

/**
 * The type of a subscription: `image`, `git`, `chart` or the name of another registered type.
 *
 * @public
 */
export function subscriptionTypeOf(
  subscription: WarehouseSubscription,
): string {
  return subscriptionTypeKeys(subscription)[0];
}

/**
 * The type and spec of a subscription that is not an image, Git or chart subscription, if it is one.
 *
 * @public
 */
export function genericSubscriptionOf(
  subscription: WarehouseSubscription,
): { type: string; spec: GenericSubscription } | undefined {
  const type = subscriptionTypeOf(subscription);
  const known: readonly string[] = KNOWN_TYPES;
  if (type === undefined || known.includes(type)) return undefined;
  const fields: Array<[string, unknown]> = Object.entries(subscription);
  const parsed = genericSubscriptionSchema.safeParse(
    fields.find(([key]) => key === type)?.[1],
  );
  return parsed.success ? { type, spec: parsed.data } : undefined;
}

const subscriptionEntry = z
  .object({
    name: dnsLabel.optional(),
    image: imageSubscriptionSchema.optional(),
    git: gitSubscriptionSchema.optional(),
    chart: chartSubscriptionSchema.optional(),
  })
  // Like Kargo, any other key names a generic subscription type.
  .catchall(genericSubscriptionSchema)
  .superRefine((subscription, ctx) => {
    const types = subscriptionTypeKeys(subscription);
    if (types.length !== 1) {
      report(
        ctx,
        [],
        types.length === 0
          ? 'must have one field naming its type: image, git, chart or another registered type'
          : `must have exactly one field naming its type, found ${
              types.length
            }: ${types.join(', ')}`,
      );
      return;
    }
    const [type] = types;
    const known: readonly string[] = KNOWN_TYPES;
    if (!known.includes(type) && subscription.name === undefined) {
      report(ctx, ['name'], `is required for a subscription of type "${type}"`);
    }
  });

/** Validates one subscription; typed as the model's subscription (the catch-all's intersection type is unusable). */
export const warehouseSubscriptionSchema: z.ZodType<
  WarehouseSubscription,
  z.ZodTypeDef,
  unknown
> = subscriptionEntry;

/**
 * Approximates Kargo's URL normalization (pkg/urls) to catch two subscriptions to the same repository: case,
 * surrounding space, credentials, trailing "/" and ".git", Docker Hub's implicit host and "library/".
 */
function repositoryKey(type: string, url: string): string {
  let key = url.trim().toLowerCase();
  if (type === 'git') {
    key = key
      .replace(/^(https?:\/\/)[^@/]*@/, '$1')
      .replace(/\/$/, '')
      .replace(/\.git$/, '');
  } else {
    key = key.replace(/^oci:\/\//, '');
    key = key.replace(
      /^(index\.docker\.io|registry-1\.docker\.io|docker\.io)\//,
      '',
    );
    key = key.replace(/^library\//, '');
  }
  return key;
}

/** The repository a subscription of a built-in type follows. */
function repositoryOf(
  subscription: WarehouseSubscription,
):
  | { type: 'image' | 'git' | 'chart'; url: string; chart?: string }
  | undefined {
  if (subscription.image) {
    return { type: 'image', url: subscription.image.repoURL };
  }
  if (subscription.git) return { type: 'git', url: subscription.git.repoURL };
  if (subscription.chart) {
    const { repoURL, name } = subscription.chart;
    return { type: 'chart', url: repoURL, chart: name };
  }
  return undefined;
}

const REPOSITORY_NOUN: Record<string, string> = {
  image: 'image repository',
  git: 'Git repository',
  chart: 'chart',
};

/** Subscription names and repositories must be unique within a Warehouse. */
export function checkUniqueSubscriptions(
  subscriptions: WarehouseSubscription[],
  ctx: z.RefinementCtx,
): void {
  const names = new Map<string, number>();
  const repositories = new Map<string, number>();
  subscriptions.forEach((subscription, index) => {
    if (subscription.name !== undefined) {
      const first = names.get(subscription.name);
      if (first === undefined) {
        names.set(subscription.name, index);
      } else {
        report(
          ctx,
          [index, 'name'],
          `subscription name "${subscription.name}" already used at ${pathOf(
            ctx,
            first,
          )}`,
        );
      }
    }
    const repository = repositoryOf(subscription);
    if (!repository) return;
    const { type, url, chart = '' } = repository;
    const key = `${type} ${repositoryKey(type, url)} ${chart}`;
    const first = repositories.get(key);
    if (first === undefined) {
      repositories.set(key, index);
    } else {
      report(
        ctx,
        [index, type, 'repoURL'],
        `subscription for ${REPOSITORY_NOUN[type]}${
          chart ? ` "${chart}"` : ''
        } already exists at ${pathOf(ctx, first)}`,
      );
    }
  });
}
