import {
  FreightView,
  Page,
  Pipeline,
  StageManifest,
  KARGO_COLOR_ANNOTATION,
  orderStages,
} from '@kargo-portal/plugin-kargo-common';
import { FreightStageState, KargoStore } from '../database/KargoStore';
import {
  EligibilityFreight,
  EligibilityStage,
  listEligibleFreight,
} from '../engine/eligibility';
import { ProjectDefinition } from '../definitions/DefinitionCatalog';

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

function eligibilityFreightOf(
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

/**
 * Which freight a stage may receive, computed without reading every freight: all freight of a direct origin is
 * eligible, so only freight verified upstream or approved for the stage goes through the eligibility rules.
 */
export class FreightQueries {
  constructor(private readonly store: KargoStore) {}

  private async eligibleSplit(
    project: string,
    stage: StageManifest,
    now: Date,
  ) {
    const requests = stage.spec.requestedFreight;
    const directOrigins = requests
      .filter(r => r.sources.direct)
      .map(r => r.origin.name);
    const candidates = await this.store.listFreightCandidates({
      project,
      origins: requests
        .map(r => r.origin.name)
        .filter(o => !directOrigins.includes(o)),
      verifiedIn: [...new Set(requests.flatMap(r => r.sources.stages ?? []))],
      approvedFor: stage.metadata.name,
    });
    const eligible = listEligibleFreight({
      stage: eligibilityStageOf(stage),
      freight: candidates.map(c => eligibilityFreightOf(c.freight, c.stages)),
      now,
    });
    return { directOrigins, ids: eligible.map(e => e.freightId) };
  }

  async countEligible(
    project: string,
    stage: StageManifest,
    now: Date,
  ): Promise<number> {
    const { directOrigins, ids } = await this.eligibleSplit(
      project,
      stage,
      now,
    );
    return (
      (await this.store.countFreight({ project, origins: directOrigins })) +
      ids.length
    );
  }

  async isEligible(
    project: string,
    stage: StageManifest,
    freight: { id: string; origin: { name: string } },
    now: Date,
  ): Promise<boolean> {
    const { directOrigins, ids } = await this.eligibleSplit(
      project,
      stage,
      now,
    );
    return (
      directOrigins.includes(freight.origin.name) || ids.includes(freight.id)
    );
  }

  async listEligible(options: {
    project: string;
    stage: StageManifest;
    origins?: string[];
    limit: number;
    cursor?: string;
    now: Date;
  }): Promise<Page<FreightView>> {
    const { directOrigins, ids } = await this.eligibleSplit(
      options.project,
      options.stage,
      options.now,
    );
    return this.store.listFreight({
      project: options.project,
      origins: options.origins,
      match: { origins: directOrigins, ids },
      limit: options.limit,
      cursor: options.cursor,
    });
  }

  async getPipeline(project: ProjectDefinition, now: Date): Promise<Pipeline> {
    const manifests = new Map(project.stages.map(s => [s.metadata.name, s]));
    const summaries = new Map(
      (await this.store.getStageSummaries(project.name)).map(s => [s.stage, s]),
    );
    const stages = [];
    for (const node of orderStages(project.stages)) {
      const manifest = manifests.get(node.name)!;
      const summary = summaries.get(node.name);
      stages.push({
        ...node,
        color: manifest.metadata.annotations?.[KARGO_COLOR_ANNOTATION],
        currentFreight: summary?.currentFreight,
        lastPromotion: summary?.lastPromotion,
        eligibleFreightCount: await this.countEligible(
          project.name,
          manifest,
          now,
        ),
      });
    }
    return {
      project: project.name,
      warehouses: project.warehouses.map(w => w.metadata.name).sort(),
      stages,
    };
  }
}
