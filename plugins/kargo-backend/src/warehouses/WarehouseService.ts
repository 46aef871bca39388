import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  DiscoveredArtifacts,
  FreightArtifacts,
  FreightRecord,
  FreightSelection,
  WarehouseManifest,
  WarehouseStatus,
  parseDuration,
} from '@kargo-portal/plugin-kargo-common';
import { KargoStores } from '../stores/KargoStores';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { generateAlias } from '../freight/alias';
import { freightId } from '../freight/freightId';
import {
  redactUrl,
  withoutCredentials,
  withoutRepoCredentials,
} from '../git/redact';
import { evaluateExpression, freightFunctions, parse } from '../expressions';
import {
  ArtifactSourceRegistry,
  ResolvedSubscription,
  collectArtifacts,
} from './sources';

/**
 * Kargo's `freightCreationCriteria.expression`: a bare expression over the candidate freight, read with
 * `imageFrom`, `commitFrom` and `chartFrom`; freight is created only when it is true.
 */
export function meetsFreightCreationCriteria(
  expression: string,
  warehouse: WarehouseManifest,
  artifacts: FreightArtifacts,
): boolean {
  const origin = { kind: 'Warehouse', name: warehouse.metadata.name };
  // Kargo's reconciler words (pkg/controller/warehouses/warehouses.go), so that its docs and issues apply.
  try {
    parse(expression);
  } catch (error) {
    throw new Error(`error compiling expression: ${(error as Error).message}`);
  }
  let result: unknown;
  try {
    result = evaluateExpression(expression, {
      values: {},
      functions: freightFunctions(
        [{ origin, ...artifacts }],
        [{ origin, subscriptions: warehouse.spec.subscriptions }],
      ),
    });
  } catch (error) {
    throw new Error(`error running expression: ${(error as Error).message}`);
  }
  if (typeof result === 'boolean') return result;
  // Go's strconv.ParseBool of the result printed with %v.
  const text =
    result === null || result === undefined ? '<nil>' : String(result);
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new Error(
    `failed to parse freight creation criteria expression result "${text}" as bool: strconv.ParseBool: parsing "${text}": invalid syntax`,
  );
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;

/**
 * A subscription takes one artifact: the same repository (or chart, or subscription) chosen twice is said so, not
 * left over as "not a subscription".
 */
function assertChosenOnce(selection: FreightSelection): void {
  const keys: Array<[string, string[]]> = [
    [
      'images',
      (selection.images ?? []).map(i => withoutCredentials(i.repoURL)),
    ],
    [
      'commits',
      (selection.commits ?? []).map(c => withoutCredentials(c.repoURL)),
    ],
    [
      'charts',
      (selection.charts ?? []).map(c =>
        [withoutCredentials(c.repoURL), c.name].filter(Boolean).join(' '),
      ),
    ],
    ['artifacts', (selection.artifacts ?? []).map(a => a.subscriptionName)],
  ];
  for (const [field, values] of keys) {
    const seen = new Set<string>();
    for (const value of values) {
      if (seen.has(value)) {
        throw new InputError(
          `${field}: ${value} is chosen more than once; choose one artifact per subscription`,
        );
      }
      seen.add(value);
    }
  }
}

/**
 * Runs warehouse discovery and turns what it finds into freight, as Kargo's warehouse reconciler does:
 * every subscription is asked for its newest revisions; when all succeed, an `Automatic` warehouse gets a freight
 * made of the first revision of each (a no-op when that freight exists), and the result is stored either way.
 * When any subscription fails, nothing is created and the error is stored for the warehouse; other warehouses
 * are not affected.
 */
export class WarehouseService {
  private readonly stores: Pick<KargoStores, 'warehouses' | 'freight'>;
  private readonly getCatalog: () => Promise<DefinitionCatalog>;
  private readonly sources: ArtifactSourceRegistry;
  private readonly logger: LoggerService;
  private readonly now: () => Date;
  private readonly onFreightCreated?: (project: string) => void;

  constructor(options: {
    stores: Pick<KargoStores, 'warehouses' | 'freight'>;
    getCatalog: () => Promise<DefinitionCatalog>;
    /** The types of subscription warehouses may have (see `artifactSources`). */
    sources: ArtifactSourceRegistry;
    logger: LoggerService;
    now?: () => Date;
    /** Told when a warehouse created new freight in a project (auto-promotion listens). */
    onFreightCreated?: (project: string) => void;
  }) {
    this.stores = options.stores;
    this.getCatalog = options.getCatalog;
    this.sources = options.sources;
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
    this.onFreightCreated = options.onFreightCreated;
  }

  /**
   * Discovers every warehouse that is due: its interval has passed since its last attempt, or a refresh was
   * requested after it. Meant for a scheduled task with global scope, so one replica polls at a time.
   */
  async pollDue(): Promise<void> {
    const catalog = await this.getCatalog();
    for (const project of catalog.listProjects()) {
      const statuses = new Map(
        (await this.stores.warehouses.listWarehouses(project.name)).map(w => [
          w.name,
          w,
        ]),
      );
      for (const warehouse of project.warehouses) {
        if (this.isDue(warehouse, statuses.get(warehouse.metadata.name))) {
          await this.discover(project.name, warehouse.metadata.name);
        }
      }
    }
  }

  private isDue(
    warehouse: WarehouseManifest,
    status: WarehouseStatus | undefined,
  ): boolean {
    if (!status?.lastAttemptAt) return true;
    const last = Date.parse(status.lastAttemptAt);
    if (
      status.refreshRequestedAt &&
      Date.parse(status.refreshRequestedAt) >= last
    ) {
      return true;
    }
    const interval =
      parseDuration(warehouse.spec.interval ?? '') ?? DEFAULT_INTERVAL_MS;
    return this.now().getTime() - last >= interval;
  }

  /** Runs discovery for one warehouse now; never throws for a discovery failure (it is stored instead). */
  async discover(
    projectName: string,
    warehouseName: string,
  ): Promise<{ status: WarehouseStatus; freight?: FreightRecord }> {
    const warehouse = await this.requireWarehouse(projectName, warehouseName);
    let discovered: DiscoveredArtifacts;
    try {
      discovered = await this.discoverAll(projectName, warehouse);
    } catch (error) {
      const message = (error as Error).message;
      this.logger.warn(
        `Discovery of warehouse ${projectName}/${warehouseName} failed: ${message}`,
      );
      return {
        status: await this.stores.warehouses.recordDiscovery({
          project: projectName,
          warehouse: warehouseName,
          at: this.now(),
          result: { error: message },
        }),
      };
    }
    let freight: FreightRecord | undefined;
    let problem: string | undefined;
    if ((warehouse.spec.freightCreationPolicy ?? 'Automatic') === 'Automatic') {
      try {
        freight = await this.createFromLatest(
          projectName,
          warehouse,
          discovered,
        );
      } catch (error) {
        problem = (error as Error).message;
      }
    }
    const status = await this.stores.warehouses.recordDiscovery({
      project: projectName,
      warehouse: warehouseName,
      at: this.now(),
      result: problem ? { discovered, error: problem } : { discovered },
    });
    return { status, freight };
  }

  /**
   * Creates a freight from artifacts a user chose among those the warehouse discovered (Kargo's manual freight
   * creation). Exactly one artifact per subscription, each one of the discovered revisions.
   */
  async createFromSelection(
    projectName: string,
    warehouseName: string,
    selection: FreightSelection,
  ): Promise<{ freight: FreightRecord; created: boolean }> {
    const warehouse = await this.requireWarehouse(projectName, warehouseName);
    const status = await this.stores.warehouses.getWarehouse(
      projectName,
      warehouseName,
    );
    const discovered = status?.discovered;
    if (!discovered) {
      throw new InputError(
        `Warehouse "${warehouseName}" has not discovered any artifacts yet; refresh it first`,
      );
    }
    assertChosenOnce(selection);
    // Each subscription takes its choice out of these; what is left belongs to no subscription.
    const chosen: Required<FreightSelection> = {
      images: [...(selection.images ?? [])],
      commits: [...(selection.commits ?? [])],
      charts: [...(selection.charts ?? [])],
      artifacts: [...(selection.artifacts ?? [])],
    };
    let subscriptions: ResolvedSubscription[];
    try {
      subscriptions = this.resolveAll(warehouse);
    } catch (error) {
      throw new InputError((error as Error).message, error);
    }
    const artifacts = subscriptions.map(resolved => {
      const { source, subscription, name } = resolved;
      try {
        return source.choose({
          selection: chosen,
          subscription,
          subscriptionName: name,
          revisions: source.revisions(discovered, subscription, name),
          warehouse: warehouseName,
          field: resolved.field,
        });
      } catch (error) {
        throw new InputError((error as Error).message, error);
      }
    });
    const extra = [
      ...chosen.images.map(i => `images: ${i.repoURL}`),
      ...chosen.commits.map(c => `commits: ${c.repoURL}`),
      ...chosen.charts.map(c => `charts: ${c.name || c.repoURL}`),
      ...chosen.artifacts.map(a => `artifacts: ${a.subscriptionName}`),
    ];
    if (extra.length > 0) {
      throw new InputError(
        `${extra.join(
          ', ',
        )}: not a subscription of warehouse "${warehouseName}"`,
      );
    }
    return this.insert(projectName, warehouseName, collectArtifacts(artifacts));
  }

  private async requireWarehouse(
    projectName: string,
    warehouseName: string,
  ): Promise<WarehouseManifest> {
    const project = (await this.getCatalog()).getProject(projectName);
    const warehouse = project?.warehouses.find(
      w => w.metadata.name === warehouseName,
    );
    if (!warehouse) {
      throw new NotFoundError(
        `Warehouse "${warehouseName}" not found in Kargo project "${projectName}"`,
      );
    }
    return warehouse;
  }

  /** The source and parsed spec of every subscription; an unknown type or an invalid spec fails them all. */
  private resolveAll(warehouse: WarehouseManifest): ResolvedSubscription[] {
    const resolved: ResolvedSubscription[] = [];
    const problems: string[] = [];
    warehouse.spec.subscriptions.forEach((subscription, index) => {
      try {
        resolved.push(this.sources.resolve(subscription, index));
      } catch (error) {
        problems.push((error as Error).message);
      }
    });
    if (problems.length > 0) throw new Error(problems.join('; '));
    return resolved;
  }

  private async discoverAll(
    projectName: string,
    warehouse: WarehouseManifest,
  ): Promise<DiscoveredArtifacts> {
    const subscriptions = this.resolveAll(warehouse);
    // Subscriptions are independent: ask them all at once, and fail as a whole (naming each failure) as Kargo
    // does, so no freight is ever made from a partial view.
    const settled = await Promise.allSettled(
      subscriptions.map(({ source, subscription, name }) =>
        source.discover(subscription, {
          project: projectName,
          warehouse: warehouse.metadata.name,
          subscriptionName: name,
          logger: this.logger,
        }),
      ),
    );
    const failures = settled.flatMap((s, i) => {
      if (s.status === 'fulfilled') return [];
      const { source, subscription, name } = subscriptions[i];
      // Manifests with credentials in a URL are refused at load, but an error message is stored and served:
      // redact any user information that reached it anyway (the subject, or the source's own message).
      return [
        `${redactUrl(source.subject(subscription, name))}: ${redactUrl(
          (s.reason as Error)?.message ?? String(s.reason),
        )}`,
      ];
    });
    if (failures.length > 0) {
      throw new Error(`error discovering artifacts: ${failures.join('; ')}`);
    }
    const result: DiscoveredArtifacts = {
      discoveredAt: this.now().toISOString(),
    };
    // Recorded in the manifest's order of subscriptions.
    settled.forEach((s, i) => {
      const { source, name } = subscriptions[i];
      if (s.status === 'fulfilled') source.record(result, s.value, name);
    });
    return withoutRepoCredentials(result);
  }

  private async createFromLatest(
    projectName: string,
    warehouse: WarehouseManifest,
    discovered: DiscoveredArtifacts,
  ): Promise<FreightRecord | undefined> {
    const newest = this.resolveAll(warehouse).map(
      ({ source, subscription, name }) => {
        const [first] = source.revisions(discovered, subscription, name);
        if (!first) {
          throw new Error(
            source.nothingDiscovered?.(subscription, name) ??
              `nothing discovered for ${source.subject(subscription, name)}`,
          );
        }
        return first;
      },
    );
    const artifacts = collectArtifacts(newest);
    const expression = warehouse.spec.freightCreationCriteria?.expression;
    if (
      expression &&
      !meetsFreightCreationCriteria(expression, warehouse, artifacts)
    ) {
      return undefined;
    }
    const { freight, created } = await this.insert(
      projectName,
      warehouse.metadata.name,
      artifacts,
    );
    if (created) {
      this.logger.info(
        `Warehouse ${projectName}/${warehouse.metadata.name} created freight ${freight.alias} (${freight.id})`,
      );
      this.onFreightCreated?.(projectName);
    }
    return freight;
  }

  private async insert(
    projectName: string,
    warehouseName: string,
    artifacts: Required<FreightArtifacts>,
  ) {
    const origin = { kind: 'Warehouse' as const, name: warehouseName };
    // Kargo's normalization drops the user information of http(s) URLs, so the id is the same either way.
    const stored = withoutRepoCredentials(artifacts);
    return this.stores.freight.insertFreight(
      {
        project: projectName,
        id: freightId(origin, stored),
        origin,
        commits: stored.commits,
        images: stored.images,
        charts: stored.charts,
        // Only freight with artifacts of other types carries the field, as in Kargo.
        ...(stored.artifacts.length > 0 ? { artifacts: stored.artifacts } : {}),
        createdAt: this.now(),
      },
      { generateAlias: isTaken => generateAlias({ isTaken }) },
    );
  }
}
