/*
 * Which freight a stage may receive now, following Kargo's rules.
 *
 * Facts this module relies on (akuity/kargo, read at commit 1c764767):
 *
 * api/v1alpha1/stage_types.go
 * - `Stage.IsFreightAvailable` is the check every promotion path applies
 *   (pkg/server/promote_to_stage.go, pkg/server/promote_downstream.go,
 *   pkg/controller/promotions/promotions.go, the Promotion webhook). For each
 *   `requestedFreight` entry whose origin equals the freight's origin (kind and
 *   name both compared, `FreightOrigin.Equals`), the freight is available when
 *   it is approved for the stage, or the entry has `sources.direct`, or it is
 *   verified and soaked in the upstream stages per `availabilityStrategy`:
 *   "All" = every listed upstream stage, otherwise at least one. Freight whose
 *   origin no entry requests is never available, approved or not.
 * - `FreightSources.AvailabilityStrategy`: "All" | "OneOf"; when unspecified it
 *   is treated as "OneOf" (the field comment says so and the code only tests
 *   for "All").
 * - `FreightSources.RequiredSoakTime` is a `metav1.Duration` whose CRD pattern
 *   is `^([0-9]+(\.[0-9]+)?(s|m|h))+$`; nil or zero means no soak is needed; it
 *   applies to each upstream stage on top of verification; approval supersedes
 *   it. `direct` false requires a non-empty `stages` list.
 * api/v1alpha1/freight_types.go
 * - `FreightStatus` keeps `CurrentlyIn[stage].Since`,
 *   `VerifiedIn[stage].{VerifiedAt, LongestCompletedSoak}` and
 *   `ApprovedFor[stage].ApprovedAt`. `IsVerifiedIn` / `IsApprovedFor` only test
 *   that the key exists.
 * - `GetLongestSoak(stage)`: 0 unless verified in that stage; otherwise the max
 *   of `LongestCompletedSoak` (0 when unset) and, if currently in that stage,
 *   the time since `Since`. `HasSoakedIn(stage, nil)` is true, else
 *   `GetLongestSoak(stage) >= required`. `LongestCompletedSoak` is only updated
 *   when freight leaves a stage it was verified in (`RemoveCurrentStage`).
 * pkg/api/stage.go `ListFreightAvailableToStage` (used by the API server's
 *   "freight for stage" query, pkg/server/query_freight.go, and by the stage
 *   controller for auto-promotion, pkg/controller/stages/regular_stages.go)
 * - direct sources list all freight from the warehouse; otherwise approved-for
 *   OR verified-in per strategy, then the soak filter (pkg/api/warehouse.go
 *   `ListFreightFromWarehouse`). Nothing excludes freight currently in the
 *   stage itself: it stays listed while it meets the rules.
 * pkg/api/auto_promotion.go `SelectAutoPromotionCandidates`
 * - orders available freight newest first by discovery time, ties by name
 *   descending, and leaves "is it already the stage's current freight" to the
 *   caller.
 * pkg/server/approve_freight.go
 * - approving freight for a stage that does not request its origin is refused.
 * pkg/webhook/kubernetes/stage/webhook.go
 * - a stage may not request the same origin twice.
 *
 * Where the list path and `IsFreightAvailable` differ, this module follows
 * `IsFreightAvailable`, which guards every actual promotion: with a soak
 * required, the list path counts soaked stages among all verified stages (not
 * only the listed upstream ones) and, for "All", wants that set to equal the
 * upstream list exactly.
 */

import { InputError } from '@backstage/errors';
import { parseGoDuration } from '@kargo-portal/plugin-kargo-common';

/** How a stage with several upstream stages decides availability. @public */
export type AvailabilityStrategy = 'All' | 'OneOf';

/** Why a piece of freight is available to a stage. @public */
export type EligibilityReason = 'direct' | 'verified-upstream' | 'approved';

/** Where freight came from. @public */
export interface EligibilityOrigin {
  kind: string;
  name: string;
}

/** One entry of a stage's `requestedFreight`. @public */
export interface EligibilityFreightRequest {
  origin: { kind: 'Warehouse'; name: string };
  sources: {
    /** Freight may come straight from the warehouse. */
    direct?: boolean;
    /** Upstream stages freight must be verified in. */
    stages?: string[];
    /** Go duration freight must have soaked in an upstream stage, e.g. `1h30m`. */
    requiredSoakTime?: string;
    /** Defaults to `OneOf`, as in Kargo. */
    availabilityStrategy?: AvailabilityStrategy;
  };
}

/** The parts of a stage that decide which freight it may receive. @public */
export interface EligibilityStage {
  name: string;
  requestedFreight: EligibilityFreightRequest[];
}

/** The parts of a piece of freight that decide where it may go. @public */
export interface EligibilityFreight {
  id: string;
  origin: EligibilityOrigin;
  /** When the freight was discovered (Kargo's `EffectiveDiscoveredAt`). */
  createdAt: Date;
  /** Stages the freight was verified in, by stage name. */
  verifiedIn: Record<
    string,
    { verifiedAt?: Date; longestCompletedSoakMs?: number }
  >;
  /** Stages the freight is in now, by stage name. */
  currentlyIn: Record<string, { since: Date }>;
  /** Stages the freight was manually approved for, by stage name. */
  approvedFor: Record<string, { approvedAt: Date }>;
}

/** A piece of freight the stage may receive, and why. @public */
export interface EligibleFreight {
  freightId: string;
  origin: EligibilityOrigin;
  /** Every reason that applies, in the order direct, verified-upstream, approved. */
  reasons: EligibilityReason[];
  /**
   * The upstream stages the freight is verified (and soaked) in, in the order
   * the stage lists them; set when `reasons` has `verified-upstream`.
   */
  upstream?: string[];
}

// Kargo's CRD pattern for `requiredSoakTime`; a Stage whose value does not
// match never gets past Kargo's API server.
const SOAK_TIME_PATTERN = /^([0-9]+(\.[0-9]+)?(s|m|h))+$/;

interface CompiledRequest {
  origin: { kind: string; name: string };
  direct: boolean;
  upstream: string[];
  strategy: AvailabilityStrategy;
  requiredSoakMs: number | undefined;
}

// Records come from stored JSON; reading only own keys keeps a stage called
// e.g. "constructor" from matching Object.prototype.
function ownEntry<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * How long the freight has soaked in a stage, in milliseconds, as Kargo's
 * `Freight.GetLongestSoak` counts it: 0 unless the freight is verified in the
 * stage; otherwise the longer of its longest completed soak and, when it is in
 * the stage now, the time since it entered.
 *
 * @public
 */
export function soakedFor(
  freight: EligibilityFreight,
  stageName: string,
  now: Date,
): number {
  const verified = ownEntry(freight.verifiedIn, stageName);
  if (!verified) {
    return 0;
  }
  const completed = verified.longestCompletedSoakMs ?? 0;
  const current = ownEntry(freight.currentlyIn, stageName);
  const currentMs = current ? now.getTime() - current.since.getTime() : 0;
  return Math.max(completed, currentMs);
}

/**
 * Whether the freight has soaked in a stage for at least `requiredSoakMs`, as
 * Kargo's `Freight.HasSoakedIn`; no requirement is always met.
 *
 * @public
 */
export function isSoaked(
  freight: EligibilityFreight,
  stageName: string,
  now: Date,
  requiredSoakMs?: number,
): boolean {
  if (requiredSoakMs === undefined) {
    return true;
  }
  return soakedFor(freight, stageName, now) >= requiredSoakMs;
}

function parseSoakTime(stageName: string, field: string, text: string): number {
  const invalid = (cause?: Error) =>
    new InputError(
      `Stage "${stageName}": ${field} ${JSON.stringify(
        text,
      )} is not a valid duration; use hours, minutes and seconds such as "1h30m", "5m0s" or "90s"`,
      cause,
    );
  if (!SOAK_TIME_PATTERN.test(text)) {
    throw invalid();
  }
  try {
    return parseGoDuration(text);
  } catch (error) {
    throw invalid(error instanceof Error ? error : undefined);
  }
}

function compileRequests(stage: EligibilityStage): CompiledRequest[] {
  const seen = new Set<string>();
  return stage.requestedFreight.map((request, index) => {
    const at = `requestedFreight[${index}]`;
    const { origin, sources } = request;
    const key = `${origin.kind}/${origin.name}`;
    if (seen.has(key)) {
      throw new InputError(
        `Stage "${stage.name}": ${at}.origin ${key} is requested more than once`,
      );
    }
    seen.add(key);

    const upstream = sources.stages ?? [];
    const direct = sources.direct ?? false;
    if (!direct && upstream.length === 0) {
      throw new InputError(
        `Stage "${stage.name}": ${at}.sources must set direct: true or list at least one upstream stage`,
      );
    }

    const strategy = sources.availabilityStrategy ?? 'OneOf';
    if (strategy !== 'All' && strategy !== 'OneOf') {
      throw new InputError(
        `Stage "${
          stage.name
        }": ${at}.sources.availabilityStrategy ${JSON.stringify(
          strategy,
        )} is not "All" or "OneOf"`,
      );
    }

    const requiredSoakMs =
      sources.requiredSoakTime === undefined
        ? undefined
        : parseSoakTime(
            stage.name,
            `${at}.sources.requiredSoakTime`,
            sources.requiredSoakTime,
          );

    return { origin, direct, upstream, strategy, requiredSoakMs };
  });
}

function evaluate(
  stageName: string,
  request: CompiledRequest,
  freight: EligibilityFreight,
  now: Date,
): EligibleFreight | undefined {
  const reasons: EligibilityReason[] = [];
  let upstream: string[] | undefined;

  if (request.direct) {
    reasons.push('direct');
  }

  if (request.upstream.length > 0) {
    const passed = request.upstream.filter(
      name =>
        ownEntry(freight.verifiedIn, name) !== undefined &&
        isSoaked(freight, name, now, request.requiredSoakMs),
    );
    const met =
      request.strategy === 'All'
        ? passed.length === request.upstream.length
        : passed.length > 0;
    if (met) {
      reasons.push('verified-upstream');
      upstream = passed;
    }
  }

  if (ownEntry(freight.approvedFor, stageName) !== undefined) {
    reasons.push('approved');
  }

  if (reasons.length === 0) {
    return undefined;
  }
  return {
    freightId: freight.id,
    origin: { kind: freight.origin.kind, name: freight.origin.name },
    reasons,
    ...(upstream ? { upstream } : {}),
  };
}

/**
 * Lists the freight a stage may receive now, with the reasons, following
 * Kargo's `Stage.IsFreightAvailable`.
 *
 * Freight already in the stage is listed too, as Kargo does; callers that
 * auto-promote skip the stage's current freight themselves. The result is
 * ordered newest first by `createdAt`, ties by id descending, so the first
 * entry of each origin is the freight Kargo's "NewestFreight" auto-promotion
 * would pick.
 *
 * @throws InputError naming the stage and field when the stage's
 *   `requestedFreight` is invalid (bad `requiredSoakTime`, unknown
 *   `availabilityStrategy`, no source, an origin requested twice).
 * @public
 */
export function listEligibleFreight(options: {
  stage: EligibilityStage;
  freight: readonly EligibilityFreight[];
  now: Date;
}): EligibleFreight[] {
  const { stage, freight, now } = options;
  const requests = compileRequests(stage);

  const eligible: Array<{ entry: EligibleFreight; createdAt: number }> = [];
  for (const item of freight) {
    const request = requests.find(
      r =>
        r.origin.kind === item.origin.kind &&
        r.origin.name === item.origin.name,
    );
    if (!request) {
      continue;
    }
    const entry = evaluate(stage.name, request, item, now);
    if (entry) {
      eligible.push({ entry, createdAt: item.createdAt.getTime() });
    }
  }

  eligible.sort((a, b) => {
    if (a.createdAt !== b.createdAt) {
      return b.createdAt - a.createdAt;
    }
    if (a.entry.freightId === b.entry.freightId) {
      return 0;
    }
    return a.entry.freightId < b.entry.freightId ? 1 : -1;
  });
  return eligible.map(e => e.entry);
}
