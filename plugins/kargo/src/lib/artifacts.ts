import { FreightRecord } from '@kargo-portal/plugin-kargo-common';

/** One artifact of a freight, in the short form people compare versions in. */
export interface ArtifactVersion {
  /** Identity of the artifact across freight: kind and repository (and chart name). */
  key: string;
  kind: 'image' | 'commit' | 'chart' | 'artifact';
  /** Where the artifact lives: image repository, Git URL, chart repository (and name). */
  source: string;
  /** Image tag (or short digest), short commit (or tag), chart version. */
  version: string;
}

const shortDigest = (digest: string) =>
  digest.startsWith('sha256:') ? digest.slice(0, 19) : digest.slice(0, 12);

/** The artifacts a freight carries, images first, then commits, charts and generic artifacts. */
export function artifactVersions(freight: FreightRecord): ArtifactVersion[] {
  return [
    ...freight.images.map(i => ({
      key: `image:${i.repoURL}`,
      kind: 'image' as const,
      source: i.repoURL,
      version: i.tag || shortDigest(i.digest),
    })),
    ...freight.commits.map(c => ({
      key: `commit:${c.repoURL}`,
      kind: 'commit' as const,
      source: c.repoURL,
      version: c.tag ? `${c.tag} (${c.id.slice(0, 7)})` : c.id.slice(0, 7),
    })),
    ...freight.charts.map(c => {
      const source = c.name ? `${c.repoURL} ${c.name}` : c.repoURL;
      return {
        key: `chart:${source}`,
        kind: 'chart' as const,
        source,
        version: c.version,
      };
    }),
    ...(freight.artifacts ?? []).map(a => ({
      key: `artifact:${a.subscriptionName}`,
      kind: 'artifact' as const,
      source: `${a.subscriptionName} (${a.artifactType})`,
      version: a.version,
    })),
  ];
}

/** The versions a freight carries, shortest form: `v1.2.3, 0123456, app@1.0.0`. */
export function artifactSummary(freight: FreightRecord): string {
  return [
    ...freight.images.map(i => i.tag || shortDigest(i.digest)),
    ...freight.commits.map(c => c.tag || c.id.slice(0, 7)),
    ...freight.charts.map(c => (c.name ? `${c.name}@${c.version}` : c.version)),
    ...(freight.artifacts ?? []).map(a => a.version),
  ].join(', ');
}

/** One row of "what a promotion changes": an artifact's version now and after. */
export interface ArtifactChange {
  key: string;
  kind: ArtifactVersion['kind'];
  source: string;
  current?: string;
  chosen?: string;
  changed: boolean;
}

/**
 * What promoting `chosen` into a stage running `current` changes, artifact by artifact: the chosen freight's
 * artifacts first (in their order), then artifacts only the current freight has.
 */
export function artifactChanges(
  current: FreightRecord | undefined,
  chosen: FreightRecord,
): ArtifactChange[] {
  const before = new Map(
    (current ? artifactVersions(current) : []).map(a => [a.key, a]),
  );
  const rows: ArtifactChange[] = artifactVersions(chosen).map(a => {
    const was = before.get(a.key);
    before.delete(a.key);
    return {
      key: a.key,
      kind: a.kind,
      source: a.source,
      current: was?.version,
      chosen: a.version,
      changed: was?.version !== a.version,
    };
  });
  for (const a of before.values()) {
    rows.push({
      key: a.key,
      kind: a.kind,
      source: a.source,
      current: a.version,
      changed: true,
    });
  }
  return rows;
}
