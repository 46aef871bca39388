import type { Verification } from '../stores/VerificationStore';
import { stageVerificationOf } from './VerificationService';
import {
  FreightView,
  Page,
  Pipeline,
  StageAutoPromotion,
  StageManifest,
  KARGO_COLOR_ANNOTATION,
  ELIGIBLE_FREIGHT_COUNT_LIMIT,
  orderStages,
  parseDuration,
} from '@kargo-portal/plugin-kargo-common';
import { StageHold } from '../stores/AutoPromotionStore';
import { FreightMatch, FreightStageState } from '../stores/FreightStore';
import { KargoStores } from '../stores/KargoStores';
import {
  EligibilityFreight,
  EligibilityStage,
  listEligibleFreight,
} from '../eligibility/eligibility';
import { ProjectDefinition } from '../definitions/DefinitionCatalog';
import { isAutoPromotionEnabled } from '../autopromotion/policies';
import {
  CompiledPromotionWindow,
  compileProjectWindows,
  evaluatePromotionWindows,
} from '../windows/promotionWindows';

/** A stage manifest as the eligibility rules read it. */
export function eligibilityStageOf(stage: StageManifest): EligibilityStage {
  return {
    name: stage.metadata.name,
    requestedFreight: stage.spec.requestedFreight.map(request => ({
      origin: { kind: request.origin.kind, name: request.origin.name },
      sources: {
        direct: request.sources.direct,
        stages: request.sources.stages,
        requiredSoakTime: request.sources.requiredSoakTime,
        availabilityStrategy: request.sources.availabilityStrategy || undefined,
      },
    })),
  };
}

/** A stored freight and its stage records as the eligibility rules read them. */
export function eligibilityFreightOf(
  freight: {
    id: string;
    origin: { kind: 'Warehouse'; name: string };
    createdAt: string;
  },
  stages: FreightStageState[],
): EligibilityFreight {
  const result: EligibilityFreight = {
    id: freight.id,
    origin: freight.origin,
    createdAt: new Date(freight.createdAt),
    verifiedIn: {},
    currentlyIn: {},
    approvedFor: {},
  };
  for (const s of stages) {
    if (s.verifiedAt) {
      result.verifiedIn[s.stage] = {
        verifiedAt: s.verifiedAt,
        longestCompletedSoakMs: s.longestSoakMs,
      };
    }
    if (s.currentSince) result.currentlyIn[s.stage] = { since: s.currentSince };
    if (s.approvedAt)
      result.approvedFor[s.stage] = { approvedAt: s.approvedAt };
  }
  return result;
}

/** What {@link FreightQueries} reads of the store. */
export type FreightQueriesStore = Pick<
  KargoStores,
  'freight' | 'stages' | 'autoPromotions'
> &
  Partial<Pick<KargoStores, 'verifications'>>;

/**
 * Which freight a stage may receive, computed without reading every freight. Most of the rules are conditions
 * the database evaluates (a direct origin; verified in an upstream stage; approved for the stage). Only requests
 * with a soak time, or needing verification in all of several upstream stages, go through the eligibility rules
 * in code, and then only for the freight verified upstream.
 */
export class FreightQueries {
  constructor(private readonly stores: FreightQueriesStore) {}

  /** The stage's eligibility as a {@link FreightMatch}. */
  async eligibleMatch(
    project: string,
    stage: StageManifest,
    now: Date,
  ): Promise<FreightMatch> {
    const requests = stage.spec.requestedFreight;
    const match: FreightMatch = {
      origins: [],
      verifiedIn: [],
      approvedFor: {
        origins: requests.map(r => r.origin.name),
        stage: stage.metadata.name,
      },
      ids: [],
    };
    const complex: StageManifest['spec']['requestedFreight'] = [];
    for (const request of requests) {
      const upstream = request.sources.stages ?? [];
      if (request.sources.direct) {
        match.origins.push(request.origin.name);
      } else if (
        !request.sources.requiredSoakTime &&
        (request.sources.availabilityStrategy !== 'All' || upstream.length <= 1)
      ) {
        match.verifiedIn!.push({
          origin: request.origin.name,
          stages: upstream,
        });
      } else {
        complex.push(request);
      }
    }
    if (complex.length > 0) {
      const candidates = await this.stores.freight.listFreightCandidates({
        project,
        origins: complex.map(r => r.origin.name),
        verifiedIn: [...new Set(complex.flatMap(r => r.sources.stages ?? []))],
        approvedFor: stage.metadata.name,
      });
      match.ids = listEligibleFreight({
        stage: eligibilityStageOf(stage),
        freight: candidates.map(c => eligibilityFreightOf(c.freight, c.stages)),
        now,
      }).map(e => e.freightId);
    }
    return match;
  }

  /** How many freight the stage may receive; with `max`, counts no further than `max + 1`. */
  async countEligible(
    project: string,
    stage: StageManifest,
    now: Date,
    max?: number,
  ): Promise<number> {
    return this.stores.freight.countFreight({
      project,
      match: await this.eligibleMatch(project, stage, now),
      max,
    });
  }

  async isEligible(
    project: string,
    stage: StageManifest,
    freight: { id: string },
    now: Date,
  ): Promise<boolean> {
    const page = await this.stores.freight.listFreight({
      project,
      match: await this.eligibleMatch(project, stage, now),
      ids: [freight.id],
      limit: 1,
    });
    return page.items.length > 0;
  }

  async listEligible(options: {
    project: string;
    stage: StageManifest;
    origins?: string[];
    limit: number;
    cursor?: string;
    now: Date;
  }): Promise<Page<FreightView>> {
    return this.stores.freight.listFreight({
      project: options.project,
      origins: options.origins,
      match: await this.eligibleMatch(
        options.project,
        options.stage,
        options.now,
      ),
      limit: options.limit,
      cursor: options.cursor,
    });
  }

  async getPipeline(project: ProjectDefinition, now: Date): Promise<Pipeline> {
    const manifests = new Map(project.stages.map(s => [s.metadata.name, s]));
    const ordered = orderStages(project.stages);
    // The reads are independent: on PostgreSQL they run at once on the pool's connections.
    const [summaryList, metadata, health, verifications, holds, counts] =
      await Promise.all([
        this.stores.stages.getStageSummaries(
          project.name,
          project.stages.map(s => s.metadata.name),
        ),
        // The metadata of every stage in one query.
        this.stores.stages.getMetadata({
          project: project.name,
          kind: 'Stage',
        }),
        // The health of every stage in one query, as the stage health monitor last stored it.
        this.stores.stages.getStageHealth({ project: project.name }),
        // The newest verification of each stage that verifies, one indexed lookup each.
        this.stores.verifications
          ? this.stores.verifications.getCurrent(
              project.name,
              project.stages
                .filter(s => s.spec.verification)
                .map(s => s.metadata.name),
            )
          : ({} as Record<string, Verification>),
        // Auto-promotion holds of every stage in one query.
        this.stores.autoPromotions.getHolds(project.name),
        // How many freight each stage may receive, counted in a few queries (not one or more per stage).
        Promise.all(
          ordered.map(node =>
            this.eligibleMatch(project.name, manifests.get(node.name)!, now),
          ),
        ).then(matches =>
          this.stores.freight.countFreightMany({
            project: project.name,
            matches,
            max: ELIGIBLE_FREIGHT_COUNT_LIMIT,
          }),
        ),
      ]);
    const summaries = new Map(summaryList.map(s => [s.stage, s]));
    // Windows are validated when manifests load; one that still fails to compile refuses every promotion, so
    // every stage shows it as closed with that error.
    let windows: CompiledPromotionWindow[] | Error;
    try {
      windows = compileProjectWindows(project);
    } catch (error) {
      windows = error as Error;
    }
    const stages = [];
    for (const [index, node] of ordered.entries()) {
      const manifest = manifests.get(node.name)!;
      const summary = summaries.get(node.name);
      const eligible = counts[index];
      stages.push({
        ...node,
        color: manifest.metadata.annotations?.[KARGO_COLOR_ANNOTATION],
        currentFreight: summary?.currentFreight,
        ...(summary?.freightHistory.length
          ? { freightHistory: summary.freightHistory }
          : {}),
        lastPromotion: summary?.lastPromotion,
        origins: [
          ...new Set(manifest.spec.requestedFreight.map(r => r.origin.name)),
        ],
        ...soakOf(node.name, project.stages, summary?.currentSince),
        eligibleFreightCount: Math.min(eligible, ELIGIBLE_FREIGHT_COUNT_LIMIT),
        ...(eligible > ELIGIBLE_FREIGHT_COUNT_LIMIT
          ? { eligibleFreightCountCapped: true }
          : {}),
        ...(Object.hasOwn(metadata, node.name)
          ? { metadata: metadata[node.name] }
          : {}),
        ...(Object.hasOwn(health, node.name)
          ? { health: health[node.name] }
          : {}),
        ...(Object.hasOwn(verifications, node.name)
          ? { verification: stageVerificationOf(verifications[node.name]) }
          : {}),
        autoPromotion: autoPromotionOf(
          isAutoPromotionEnabled(project, manifest),
          Object.hasOwn(holds, node.name) ? holds[node.name] : [],
        ),
        ...closedWindowOf(windows, manifest, now),
      });
    }
    return {
      project: project.name,
      warehouses: project.warehouses.map(w => w.metadata.name).sort(),
      stages,
    };
  }
}

/** A stage's auto-promotion as the pipeline shows it: holds only while auto-promotion is enabled. */
function autoPromotionOf(
  enabled: boolean,
  holds: StageHold[],
): StageAutoPromotion {
  if (!enabled || holds.length === 0) return { enabled };
  return {
    enabled,
    holds: holds.map(hold => ({
      origin: hold.origin,
      freight: hold.freightId,
      promotion: hold.promotionId,
      actor: hold.actor,
      rollback: hold.rollback,
      since: hold.since.toISOString(),
    })),
  };
}

/** The promotion window that keeps a stage closed now, and when promotions to it next open; nothing when open. */
function closedWindowOf(
  windows: CompiledPromotionWindow[] | Error,
  stage: StageManifest,
  now: Date,
): { promotionWindow?: { reason: string; nextOpen?: string } } {
  if (windows instanceof Error) {
    return { promotionWindow: { reason: windows.message } };
  }
  if (windows.length === 0) return {};
  const decision = evaluatePromotionWindows({ windows, stage, at: now });
  if (decision.open) return {};
  return {
    promotionWindow: {
      reason: decision.reason,
      ...(decision.nextOpen
        ? { nextOpen: decision.nextOpen.toISOString() }
        : {}),
    },
  };
}

/** The soak a stage's current freight is under: the longest requiredSoakTime of the stages fed by this one. */
function soakOf(
  stage: string,
  stages: StageManifest[],
  since: string | undefined,
): { soak?: { since: string; requiredMs: number } } {
  let requiredMs = 0;
  for (const downstream of stages) {
    for (const request of downstream.spec.requestedFreight) {
      const time = request.sources.requiredSoakTime;
      if (time && request.sources.stages?.includes(stage)) {
        requiredMs = Math.max(requiredMs, parseDuration(time) ?? 0);
      }
    }
  }
  return since && requiredMs > 0 ? { soak: { since, requiredMs } } : {};
}
