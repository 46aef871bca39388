import { FreightView, StageManifest } from '@kargo-portal/plugin-kargo-common';
import {
  FreightQueries,
  FreightQueriesStore,
} from '../services/FreightQueries';

/**
 * The freight auto-promotion would move into a stage now, one per origin the stage requests, following its
 * `sources.autoPromotionOptions.selectionPolicy`: `NewestFreight` (the default) takes the newest freight the
 * stage may receive; `MatchUpstream` takes the freight its one upstream stage runs, if the stage may receive it.
 * Freight the stage runs already is included: callers skip it.
 */
export async function selectAutoPromotionCandidates(options: {
  stores: FreightQueriesStore;
  project: string;
  stage: StageManifest;
  now: Date;
}): Promise<FreightView[]> {
  const { stores, project, stage, now } = options;
  const queries = new FreightQueries(stores);
  const candidates: FreightView[] = [];
  for (const request of stage.spec.requestedFreight) {
    const origin = request.origin.name;
    const policy =
      request.sources.autoPromotionOptions?.selectionPolicy ?? 'NewestFreight';
    if (policy === 'MatchUpstream') {
      // The schema makes MatchUpstream name exactly one upstream stage.
      const upstream = request.sources.stages?.[0];
      if (!upstream) continue;
      // Summaries may hold other stages too.
      const summary = (
        await stores.stages.getStageSummaries(project, [upstream])
      ).find(s => s.stage === upstream);
      const running = summary?.current.find(
        c => c.freight.origin.name === origin,
      )?.freight;
      if (!running) continue;
      if (!(await queries.isEligible(project, stage, running, now))) continue;
      const freight = await stores.freight.getFreight(project, running.id);
      if (freight) candidates.push(freight);
    } else {
      const page = await queries.listEligible({
        project,
        stage,
        origins: [origin],
        limit: 1,
        now,
      });
      if (page.items[0]) candidates.push(page.items[0]);
    }
  }
  return candidates;
}
