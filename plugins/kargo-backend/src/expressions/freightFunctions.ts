/**
 * Kargo's freight lookups for expressions: `warehouse`, `commitFrom`, `imageFrom`, `chartFrom`, `artifactFrom`.
 */
import { normalizeGit } from '../freight/normalize';
import { fail } from './errors';
import type { ExpressionFunction } from './evaluator';
import {
  defineEntry,
  ExprStruct,
  goTypeName,
  isPlainObject,
  ownKeys,
} from './values';
import {
  expectArgRange,
  expectArgs,
  ExpressionFunctions,
  plainCopy,
  stringArg,
} from './functionArgs';

// --- freight ---------------------------------------------------------------------------------------------------

/** Where a Stage takes freight from: a Warehouse. @public */
export interface ExpressionFreightOrigin {
  kind: string;
  name: string;
}

/** The parts of a piece of Freight the freight functions read. @public */
export interface ExpressionFreight {
  origin: ExpressionFreightOrigin;
  commits?: ReadonlyArray<{
    repoURL: string;
    id: string;
    branch?: string;
    tag?: string;
    message?: string;
    author?: string;
    committer?: string;
    subscriptionName?: string;
  }>;
  images?: ReadonlyArray<{
    repoURL: string;
    tag?: string;
    digest?: string;
    annotations?: Record<string, string>;
    subscriptionName?: string;
  }>;
  charts?: ReadonlyArray<{
    repoURL: string;
    name?: string;
    version: string;
    subscriptionName?: string;
  }>;
  artifacts?: ReadonlyArray<{
    artifactType: string;
    subscriptionName: string;
    version: string;
    metadata?: Record<string, unknown>;
  }>;
}

/** A subscription of a Warehouse, as far as the freight functions need it. @public */
export interface ExpressionWarehouseSubscription {
  name?: string;
  git?: { repoURL: string };
  image?: { repoURL: string };
  chart?: { repoURL: string; name?: string };
}

/**
 * One of the Stage's requested origins with the subscriptions of its Warehouse, which decide which origin can
 * provide an artifact when an expression names none. `subscriptions` undefined means the Warehouse does not exist.
 *
 * @public
 */
export interface RequestedFreightOrigin {
  origin: ExpressionFreightOrigin;
  subscriptions: ReadonlyArray<ExpressionWarehouseSubscription> | undefined;
}

const ORIGIN_TYPE = 'v1alpha1.FreightOrigin';

function originValue(kind: string, name: string): ExprStruct {
  return new ExprStruct({
    typeName: ORIGIN_TYPE,
    fields: { Kind: kind, Name: name },
    toJSON: () => ({ kind, name }),
  });
}

function originArg(value: unknown, which: string): ExpressionFreightOrigin {
  if (!(value instanceof ExprStruct) || value.typeName !== ORIGIN_TYPE) {
    return fail(
      `${which} argument must be FreightOrigin, got ${goTypeName(value)}`,
    );
  }
  return {
    kind: String(value.field('Kind')),
    name: String(value.field('Name')),
  };
}

/** Go's `omitempty` for strings and maps. */
function omitEmpty(entries: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entries)) {
    const empty =
      value === '' ||
      value === undefined ||
      value === null ||
      (isPlainObject(value) && ownKeys(value).length === 0);
    if (!empty) defineEntry(out, key, value);
  }
  return out;
}

function commitValue(
  commit: NonNullable<ExpressionFreight['commits']>[number],
): ExprStruct {
  const fields = {
    RepoURL: commit.repoURL,
    ID: commit.id,
    Branch: commit.branch ?? '',
    Tag: commit.tag ?? '',
    Message: commit.message ?? '',
    Author: commit.author ?? '',
    Committer: commit.committer ?? '',
    SubscriptionName: commit.subscriptionName ?? '',
  };
  return new ExprStruct({
    typeName: 'v1alpha1.GitCommit',
    fields,
    toJSON: () =>
      omitEmpty({
        repoURL: fields.RepoURL,
        id: fields.ID,
        branch: fields.Branch,
        tag: fields.Tag,
        message: fields.Message,
        author: fields.Author,
        committer: fields.Committer,
        subscriptionName: fields.SubscriptionName,
      }),
  });
}

function imageValue(
  image: NonNullable<ExpressionFreight['images']>[number],
): ExprStruct {
  const fields = {
    RepoURL: image.repoURL,
    Tag: image.tag ?? '',
    Digest: image.digest ?? '',
    Annotations: plainCopy(image.annotations),
    SubscriptionName: image.subscriptionName ?? '',
  };
  return new ExprStruct({
    typeName: 'v1alpha1.Image',
    fields,
    toJSON: () =>
      omitEmpty({
        repoURL: fields.RepoURL,
        tag: fields.Tag,
        digest: fields.Digest,
        annotations: fields.Annotations,
        subscriptionName: fields.SubscriptionName,
      }),
  });
}

function chartValue(
  chart: NonNullable<ExpressionFreight['charts']>[number],
): ExprStruct {
  const fields = {
    RepoURL: chart.repoURL,
    Name: chart.name ?? '',
    Version: chart.version,
    SubscriptionName: chart.subscriptionName ?? '',
  };
  return new ExprStruct({
    typeName: 'v1alpha1.Chart',
    fields,
    toJSON: () =>
      omitEmpty({
        repoURL: fields.RepoURL,
        name: fields.Name,
        version: fields.Version,
        subscriptionName: fields.SubscriptionName,
      }),
  });
}

function artifactValue(
  artifact: NonNullable<ExpressionFreight['artifacts']>[number],
): ExprStruct {
  // Kargo's expressionFriendlyArtifactReference has no json tags: JSON keys are the Go field names.
  const fields = {
    ArtifactType: artifact.artifactType,
    SubscriptionName: artifact.subscriptionName,
    Version: artifact.version,
    Metadata: plainCopy(artifact.metadata),
  };
  return new ExprStruct({
    typeName: 'function.expressionFriendlyArtifactReference',
    fields,
    toJSON: () => ({ ...fields }),
  });
}

function sameOrigin(
  a: ExpressionFreightOrigin,
  b: ExpressionFreightOrigin,
): boolean {
  return a.kind === b.kind && a.name === b.name;
}

/**
 * Kargo's freight functions for a promotion: `warehouse(name)` gives an origin; `commitFrom(repoURL, origin?)`,
 * `imageFrom(repoURL, origin?)`, `chartFrom(repoURL, name?, origin?)` and `artifactFrom(subscription, origin?)`
 * find the artifact in the promotion's `freight`. Without an origin, the one requested origin whose Warehouse
 * subscribes to the repository is used (more than one is an error); nothing found gives nil. Results read like
 * Kargo's Go structs: `imageFrom(url).Tag`, `commitFrom(url).ID`, `chartFrom(url, name).Version`.
 *
 * @public
 */
export function freightFunctions(
  freight: ReadonlyArray<ExpressionFreight>,
  requestedOrigins: ReadonlyArray<RequestedFreightOrigin>,
): ExpressionFunctions {
  const subscriptionsOf = (request: RequestedFreightOrigin) => {
    if (!request.subscriptions) {
      fail(`Warehouse ${JSON.stringify(request.origin.name)} not found`);
    }
    return request.subscriptions;
  };

  /** The single requested origin with a subscription that `matches`; undefined when there is none. */
  const resolveOrigin = (
    matches: (subscription: ExpressionWarehouseSubscription) => boolean,
    ambiguous: string,
  ): ExpressionFreightOrigin | undefined => {
    let found: ExpressionFreightOrigin | undefined;
    for (const request of requestedOrigins) {
      for (const subscription of subscriptionsOf(request)) {
        if (matches(subscription)) {
          if (found) fail(ambiguous);
          found = request.origin;
        }
      }
    }
    return found;
  };

  const fromOrigin = (origin: ExpressionFreightOrigin) =>
    freight.filter(f => sameOrigin(f.origin, origin));

  const warehouse: ExpressionFunction = (...args) => {
    expectArgs(args, 1);
    const name = stringArg(args[0], 'argument');
    if (name === '') fail('name must not be empty');
    return originValue('Warehouse', name);
  };

  const commitFrom: ExpressionFunction = (...args) => {
    expectArgRange(args, 1, 2);
    const repoURL = normalizeGit(stringArg(args[0], 'first argument'));
    const origin =
      args.length === 2
        ? originArg(args[1], 'second')
        : resolveOrigin(
            s => !!s.git && normalizeGit(s.git.repoURL) === repoURL,
            `multiple requested Freight could potentially provide a commit from repo ${repoURL}; please update promotion steps to disambiguate`,
          );
    if (!origin) return null;
    for (const f of fromOrigin(origin)) {
      const commit = f.commits?.find(c => normalizeGit(c.repoURL) === repoURL);
      if (commit) return commitValue(commit);
    }
    return null;
  };

  const imageFrom: ExpressionFunction = (...args) => {
    expectArgRange(args, 1, 2);
    const repoURL = stringArg(args[0], 'first argument');
    const origin =
      args.length === 2
        ? originArg(args[1], 'second')
        : resolveOrigin(
            s => s.image?.repoURL === repoURL,
            `multiple requested Freight could potentially provide a container image from repository ${repoURL}: please provide a Freight origin to disambiguate`,
          );
    if (!origin) return null;
    for (const f of fromOrigin(origin)) {
      const image = f.images?.find(i => i.repoURL === repoURL);
      if (image) return imageValue(image);
    }
    return null;
  };

  const chartFrom: ExpressionFunction = (...args) => {
    expectArgRange(args, 1, 3);
    const repoURL = stringArg(args[0], 'first argument');
    let chartName = '';
    let origin: ExpressionFreightOrigin | undefined;
    if (args.length >= 2) {
      if (typeof args[1] === 'string') chartName = args[1];
      else if (
        args[1] instanceof ExprStruct &&
        args[1].typeName === ORIGIN_TYPE
      ) {
        origin = originArg(args[1], 'second');
      } else {
        fail(
          `second argument must be string or FreightOrigin, got ${goTypeName(
            args[1],
          )}`,
        );
      }
    }
    if (args.length === 3) {
      if (chartName === '') {
        fail(
          `when using three arguments, second argument must be string, got ${goTypeName(
            args[1],
          )}`,
        );
      }
      origin = originArg(args[2], 'third');
    }
    if (!origin) {
      origin = resolveOrigin(
        s =>
          !!s.chart &&
          s.chart.repoURL === repoURL &&
          (s.chart.name ?? '') === chartName,
        `multiple requested Freight could potentially provide a chart from repository ${repoURL}: please provide a Freight origin to disambiguate`,
      );
      if (!origin) {
        return fail(
          chartName === ''
            ? `chart from repo ${repoURL} not found in referenced Freight`
            : `chart ${JSON.stringify(
                chartName,
              )} from repo ${repoURL} not found in referenced Freight`,
        );
      }
    }
    for (const f of fromOrigin(origin)) {
      const chart = f.charts?.find(
        c => c.repoURL === repoURL && (c.name ?? '') === chartName,
      );
      if (chart) return chartValue(chart);
    }
    return null;
  };

  const artifactFrom: ExpressionFunction = (...args) => {
    expectArgRange(args, 1, 2);
    const subscription = stringArg(args[0], 'first argument');
    const origin =
      args.length === 2
        ? originArg(args[1], 'second')
        : resolveOrigin(
            s => !s.git && !s.image && !s.chart && s.name === subscription,
            `multiple requested Freight could potentially provide a ${JSON.stringify(
              subscription,
            )} artifact; please update promotion steps to disambiguate`,
          );
    if (!origin) return null;
    for (const f of fromOrigin(origin)) {
      const artifact = f.artifacts?.find(
        a => a.subscriptionName === subscription,
      );
      if (artifact) return artifactValue(artifact);
    }
    return null;
  };

  return { warehouse, commitFrom, imageFrom, chartFrom, artifactFrom };
}
