import { z } from 'zod';
import {
  ChartDiscoveryResult,
  ChartSubscription,
  GitDiscoveryResult,
  GitSubscription,
  ImageDiscoveryResult,
  ImageSubscription,
  chartSubscriptionSchema,
  gitSubscriptionSchema,
  imageSubscriptionSchema,
} from '@kargo-portal/plugin-kargo-common';
import {
  ArtifactSource,
  InvalidSubscriptionError,
} from '@kargo-portal/plugin-kargo-node';
import {
  normalizeChart,
  normalizeGit,
  normalizeImage,
} from '../../freight/normalize';

/** The discovery functions of the built-in types; the plugin passes the real ones, tests may pass others. */
export interface WarehouseDiscoverers {
  image(subscription: ImageSubscription): Promise<ImageDiscoveryResult>;
  git(subscription: GitSubscription): Promise<GitDiscoveryResult>;
  chart(subscription: ChartSubscription): Promise<ChartDiscoveryResult>;
}

/** Validates a built-in spec with its manifest schema (defaults applied); the first problem names its field. */
function parseWith<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>) {
  return (spec: unknown): T => {
    const parsed = schema.safeParse(spec);
    if (parsed.success) return parsed.data;
    const [issue] = parsed.error.issues;
    throw new InvalidSubscriptionError(issue.path.join('.'), issue.message);
  };
}

/** Takes the first entry that `matches` out of a user's selection. */
function takeOne<T>(list: T[], matches: (t: T) => boolean, what: string): T {
  const index = list.findIndex(matches);
  if (index < 0) throw new Error(`no ${what} chosen`);
  return list.splice(index, 1)[0];
}

const withName = (subscriptionName?: string) =>
  subscriptionName ? { subscriptionName } : {};

/** Container images in OCI registries; freight `images`. */
export function imageSource(
  discover: WarehouseDiscoverers['image'],
): ArtifactSource<ImageSubscription, ImageDiscoveryResult> {
  return {
    type: 'image',
    label: 'Image',
    parseSubscription: parseWith(imageSubscriptionSchema),
    subject: subscription => subscription.repoURL,
    discover: subscription => discover(subscription),
    record(discovered, result) {
      (discovered.images ??= []).push(result);
    },
    revisions(discovered, { repoURL }, subscriptionName) {
      const result = discovered.images?.find(r => r.repoURL === repoURL);
      return (result?.references ?? []).map(reference => ({
        kind: 'image',
        image: {
          repoURL,
          tag: reference.tag,
          digest: reference.digest,
          ...(reference.annotations
            ? { annotations: reference.annotations }
            : {}),
          ...withName(subscriptionName),
        },
      }));
    },
    nothingDiscovered: ({ repoURL }) =>
      `no images discovered for repository ${JSON.stringify(repoURL)}`,
    choose({
      selection,
      subscription: { repoURL },
      revisions,
      warehouse,
      field,
    }) {
      const pick = takeOne(
        selection.images,
        c => c.repoURL === repoURL,
        `image of ${repoURL}`,
      );
      const found = revisions.find(
        r => r.kind === 'image' && r.image.tag === pick.tag,
      );
      if (!found) {
        throw new Error(
          `images: tag "${pick.tag}" is not among the tags warehouse "${warehouse}" discovered in ${repoURL} (${field})`,
        );
      }
      return found;
    },
    matchesWebhook: ({ repoURL }, event) =>
      event.imageRepoURLs.map(normalizeImage).includes(normalizeImage(repoURL)),
  };
}

/** Commits and tags of Git repositories; freight `commits`. */
export function gitSource(
  discover: WarehouseDiscoverers['git'],
): ArtifactSource<GitSubscription, GitDiscoveryResult> {
  return {
    type: 'git',
    label: 'Git',
    parseSubscription: parseWith(gitSubscriptionSchema),
    subject: subscription => subscription.repoURL,
    discover: subscription => discover(subscription),
    record(discovered, result) {
      (discovered.commits ??= []).push(result);
    },
    revisions(discovered, { repoURL }, subscriptionName) {
      const result = discovered.commits?.find(r => r.repoURL === repoURL);
      return (result?.commits ?? []).map(commit => ({
        kind: 'commit',
        commit: {
          repoURL,
          id: commit.id,
          ...(commit.branch ? { branch: commit.branch } : {}),
          ...(commit.tag ? { tag: commit.tag } : {}),
          ...(commit.subject ? { message: commit.subject } : {}),
          ...(commit.author ? { author: commit.author } : {}),
          ...(commit.committer ? { committer: commit.committer } : {}),
          ...withName(subscriptionName),
        },
      }));
    },
    nothingDiscovered: ({ repoURL }) =>
      `no commits discovered for repository ${JSON.stringify(repoURL)}`,
    choose({
      selection,
      subscription: { repoURL },
      revisions,
      warehouse,
      field,
    }) {
      const pick = takeOne(
        selection.commits,
        c => c.repoURL === repoURL,
        `commit of ${repoURL}`,
      );
      const found = revisions.find(
        r => r.kind === 'commit' && r.commit.id === pick.id,
      );
      if (!found) {
        throw new Error(
          `commits: ${pick.id} is not among the commits warehouse "${warehouse}" discovered in ${repoURL} (${field})`,
        );
      }
      return found;
    },
    matchesWebhook(subscription, event) {
      const pushed = event.gitRepoURLs.map(normalizeGit);
      if (!pushed.includes(normalizeGit(subscription.repoURL))) return false;
      // A push to another branch does not change a subscription that follows one branch.
      return !(
        event.branch &&
        subscription.branch &&
        subscription.branch !== event.branch
      );
    },
  };
}

/** Helm charts in classic or OCI repositories; freight `charts`. */
export function chartSource(
  discover: WarehouseDiscoverers['chart'],
): ArtifactSource<ChartSubscription, ChartDiscoveryResult> {
  return {
    type: 'chart',
    label: 'Chart',
    parseSubscription: parseWith(chartSubscriptionSchema),
    subject: subscription => subscription.repoURL,
    discover: subscription => discover(subscription),
    record(discovered, result) {
      (discovered.charts ??= []).push(result);
    },
    revisions(discovered, { repoURL, name = '' }, subscriptionName) {
      const result = discovered.charts?.find(
        r => r.repoURL === repoURL && r.name === name,
      );
      return (result?.versions ?? []).map(version => ({
        kind: 'chart',
        chart: { repoURL, name, version, ...withName(subscriptionName) },
      }));
    },
    nothingDiscovered: ({ repoURL, name }) =>
      `no versions discovered for chart ${JSON.stringify(
        name ?? '',
      )} from repository ${JSON.stringify(repoURL)}`,
    choose({ selection, subscription, revisions, warehouse, field }) {
      const { repoURL, name = '' } = subscription;
      const pick = takeOne(
        selection.charts,
        c => c.repoURL === repoURL && (c.name ?? '') === name,
        `chart ${name || repoURL}`,
      );
      const found = revisions.find(
        r => r.kind === 'chart' && r.chart.version === pick.version,
      );
      if (!found) {
        throw new Error(
          `charts: version "${
            pick.version
          }" is not among the versions warehouse "${warehouse}" discovered for ${
            name || repoURL
          } (${field})`,
        );
      }
      return found;
    },
    // Registries report OCI chart pushes as image pushes.
    matchesWebhook: ({ repoURL }, event) =>
      event.imageRepoURLs.map(normalizeImage).includes(normalizeChart(repoURL)),
  };
}

/** The built-in types, image, git and chart, discovering with `discoverers`. */
export function builtInArtifactSources(
  discoverers: WarehouseDiscoverers,
): ArtifactSource[] {
  return [
    imageSource(subscription => discoverers.image(subscription)),
    gitSource(subscription => discoverers.git(subscription)),
    chartSource(subscription => discoverers.chart(subscription)),
  ];
}
