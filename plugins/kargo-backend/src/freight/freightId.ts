import { createHash } from 'node:crypto';
import {
  ArtifactReference,
  Chart,
  FreightArtifacts,
  FreightOrigin,
  GitCommit,
  Image,
} from '@kargo-portal/plugin-kargo-common';
import { normalizeChart, normalizeGit } from './normalize';

/**
 * Go's `path.Clean`: one slash between elements, no `.` elements, `..` resolved against the element
 * before it (and dropped at the root), no trailing slash, `.` for an empty result.
 */
function goPathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const elements: string[] = [];
  for (const element of p.split('/')) {
    if (element === '' || element === '.') continue;
    if (element !== '..') {
      elements.push(element);
    } else if (elements.length > 0 && elements[elements.length - 1] !== '..') {
      elements.pop();
    } else if (!rooted) {
      elements.push('..');
    }
  }
  const joined = elements.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Go's `path.Join`: the non-empty elements joined with `/` and cleaned; empty if all are empty. */
function goPathJoin(...elements: string[]): string {
  const nonEmpty = elements.filter(e => e !== '');
  return nonEmpty.length === 0 ? '' : goPathClean(nonEmpty.join('/'));
}

/** Appends `:<subscriptionName>` when there is one, so unnamed subscriptions keep their old ids. */
function withSubscription(base: string, subscriptionName?: string): string {
  return subscriptionName ? `${base}:${subscriptionName}` : base;
}

function commitHashPart(commit: GitCommit): string {
  // The tag is part of the id: a commit tagged again (v1.0.0-rc.1, then v1.0.0) is new Freight.
  const tag = commit.tag ? `${commit.tag}:` : '';
  return withSubscription(
    `${normalizeGit(commit.repoURL)}:${tag}${commit.id}`,
    commit.subscriptionName,
  );
}

function imageHashPart(image: Image): string {
  // Both tag and digest, not the usual either-or: a mutable tag may move to a new digest, and a
  // known digest may be tagged again. The repository URL is deliberately not normalized.
  return withSubscription(
    `${image.repoURL}:${image.tag ?? ''}@${image.digest ?? ''}`,
    image.subscriptionName,
  );
}

function chartHashPart(chart: Chart): string {
  // Joined as a path because OCI charts have an empty name.
  return withSubscription(
    `${goPathJoin(normalizeChart(chart.repoURL), chart.name ?? '')}:${
      chart.version
    }`,
    chart.subscriptionName,
  );
}

function artifactHashPart(artifact: ArtifactReference): string {
  return `${artifact.artifactType}:${artifact.subscriptionName}:${artifact.version}`;
}

/**
 * The id of the Freight that bundles these artifacts from this origin, computed exactly as Kargo's
 * `GenerateFreightID` does, so the same artifacts give the same id in Kargo and in the portal.
 *
 * @remarks
 * One hash part per artifact (commit repository URLs and chart repository URLs normalized, image
 * repository URLs as given), sorted byte-wise, joined with `|`, prefixed with
 * `<origin kind>/<origin name>:`, and hashed with SHA-1. The order of the input arrays does not
 * matter; an empty subscription name gives the same id as none.
 *
 * @param origin - the warehouse the Freight comes from
 * @param artifacts - the artifacts of the Freight
 * @returns 40 lowercase hex digits
 * @public
 */
export function freightId(
  origin: FreightOrigin,
  artifacts: FreightArtifacts,
): string {
  const parts = [
    ...(artifacts.commits ?? []).map(commitHashPart),
    ...(artifacts.images ?? []).map(imageHashPart),
    ...(artifacts.charts ?? []).map(chartHashPart),
    ...(artifacts.artifacts ?? []).map(artifactHashPart),
  ];
  // Go sorts strings by their UTF-8 bytes; JavaScript's default order is by UTF-16 code units.
  const sorted = parts
    .map(part => ({ part, bytes: Buffer.from(part, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ part }) => part);
  return createHash('sha1')
    .update(`${origin.kind}/${origin.name}:${sorted.join('|')}`, 'utf8')
    .digest('hex');
}
