import { WarehouseStatus } from '@kargo-portal/plugin-kargo-common';

/** One subscription's discovery result, summarized for display. */
export interface DiscoveredSummary {
  kind: 'image' | 'git' | 'chart';
  source: string;
  /** Versions found, newest/best first (tags, short commits, chart versions). */
  versions: string[];
}

/** What the warehouse's last successful discovery found, subscription by subscription. */
export function discoveredArtifacts(
  warehouse: WarehouseStatus,
): DiscoveredSummary[] {
  const found = warehouse.discovered;
  if (!found) return [];
  return [
    ...(found.images ?? []).map(i => ({
      kind: 'image' as const,
      source: i.platform ? `${i.repoURL} (${i.platform})` : i.repoURL,
      versions: i.references.map(r => r.tag || r.digest),
    })),
    ...(found.commits ?? []).map(g => ({
      kind: 'git' as const,
      source: g.repoURL,
      versions: g.commits.map(c => c.tag || c.id.slice(0, 7)),
    })),
    ...(found.charts ?? []).map(c => ({
      kind: 'chart' as const,
      source: c.name ? `${c.repoURL} ${c.name}` : c.repoURL,
      versions: c.versions,
    })),
  ];
}

/** True while a refresh was asked for and no discovery (successful or not) has run since. */
export function isRefreshPending(warehouse: WarehouseStatus): boolean {
  if (!warehouse.refreshRequestedAt) return false;
  const requested = Date.parse(warehouse.refreshRequestedAt);
  const ran = warehouse.lastAttemptAt ?? warehouse.lastDiscoveryAt;
  return ran === undefined || Date.parse(ran) < requested;
}
