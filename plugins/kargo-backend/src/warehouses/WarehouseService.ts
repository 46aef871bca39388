import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  ChartDiscoveryResult,
  ChartSubscription,
  DiscoveredArtifacts,
  FreightArtifacts,
  FreightRecord,
  FreightSelection,
  GitDiscoveryResult,
  GitSubscription,
  ImageDiscoveryResult,
  ImageSubscription,
  WarehouseManifest,
  WarehouseStatus,
  parseDuration,
} from '@kargo-portal/plugin-kargo-common';
import { KargoStores } from '../stores/KargoStores';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { generateAlias } from '../freight/alias';
import { freightId } from '../freight/freightId';
import { redactUrl } from '../git/redact';
import { evaluateExpression, freightFunctions } from '../expressions';

/** The discovery functions of each subscription type; the plugin passes the real ones, tests may pass others. */
export interface WarehouseDiscoverers {
  image(subscription: ImageSubscription): Promise<ImageDiscoveryResult>;
  git(subscription: GitSubscription): Promise<GitDiscoveryResult>;
  chart(subscription: ChartSubscription): Promise<ChartDiscoveryResult>;
}

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
  const result = evaluateExpression(expression, {
    values: {},
    functions: freightFunctions(
      [{ origin, ...artifacts }],
      [{ origin, subscriptions: warehouse.spec.subscriptions }],
    ),
  });
  if (typeof result === 'boolean') return result;
  if (result === 'true' || result === 'false') return result === 'true';
  throw new Error(
    `freightCreationCriteria.expression must give a boolean, got ${JSON.stringify(
      result,
    )}`,
  );
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;

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
  private readonly discoverers: WarehouseDiscoverers;
  private readonly logger: LoggerService;
  private readonly now: () => Date;

  constructor(options: {
    stores: Pick<KargoStores, 'warehouses' | 'freight'>;
    getCatalog: () => Promise<DefinitionCatalog>;
    discoverers: WarehouseDiscoverers;
    logger: LoggerService;
    now?: () => Date;
  }) {
    this.stores = options.stores;
    this.getCatalog = options.getCatalog;
    this.discoverers = options.discoverers;
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
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
      discovered = await this.discoverAll(warehouse);
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
    const artifacts: Required<Omit<FreightArtifacts, 'artifacts'>> = {
      commits: [],
      images: [],
      charts: [],
    };
    const chosen = {
      images: [...(selection.images ?? [])],
      commits: [...(selection.commits ?? [])],
      charts: [...(selection.charts ?? [])],
    };
    warehouse.spec.subscriptions.forEach((subscription, i) => {
      const field = `subscriptions[${i}]`;
      if (subscription.git) {
        const repoURL = subscription.git.repoURL;
        const pick = takeOne(
          chosen.commits,
          c => c.repoURL === repoURL,
          `commit of ${repoURL}`,
        );
        const found = discovered.commits
          ?.find(r => r.repoURL === repoURL)
          ?.commits.find(c => c.id === pick.id);
        if (!found) {
          throw new InputError(
            `commits: ${pick.id} is not among the commits warehouse "${warehouseName}" discovered in ${repoURL} (${field})`,
          );
        }
        artifacts.commits.push(commitOf(repoURL, found, subscription.name));
      } else if (subscription.image) {
        const repoURL = subscription.image.repoURL;
        const pick = takeOne(
          chosen.images,
          c => c.repoURL === repoURL,
          `image of ${repoURL}`,
        );
        const found = discovered.images
          ?.find(r => r.repoURL === repoURL)
          ?.references.find(r => r.tag === pick.tag);
        if (!found) {
          throw new InputError(
            `images: tag "${pick.tag}" is not among the tags warehouse "${warehouseName}" discovered in ${repoURL} (${field})`,
          );
        }
        artifacts.images.push(imageOf(repoURL, found, subscription.name));
      } else if (subscription.chart) {
        const { repoURL, name = '' } = subscription.chart;
        const pick = takeOne(
          chosen.charts,
          c => c.repoURL === repoURL && (c.name ?? '') === name,
          `chart ${name || repoURL}`,
        );
        const result = discovered.charts?.find(
          r => r.repoURL === repoURL && r.name === name,
        );
        if (!result?.versions.includes(pick.version)) {
          throw new InputError(
            `charts: version "${
              pick.version
            }" is not among the versions warehouse "${warehouseName}" discovered for ${
              name || repoURL
            } (${field})`,
          );
        }
        artifacts.charts.push({
          repoURL,
          name,
          version: pick.version,
          ...(subscription.name ? { subscriptionName: subscription.name } : {}),
        });
      }
    });
    const extra = [
      ...chosen.images.map(i => `images: ${i.repoURL}`),
      ...chosen.commits.map(c => `commits: ${c.repoURL}`),
      ...chosen.charts.map(c => `charts: ${c.name || c.repoURL}`),
    ];
    if (extra.length > 0) {
      throw new InputError(
        `${extra.join(
          ', ',
        )}: not a subscription of warehouse "${warehouseName}"`,
      );
    }
    return this.insert(projectName, warehouseName, artifacts);
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

  private async discoverAll(
    warehouse: WarehouseManifest,
  ): Promise<DiscoveredArtifacts> {
    const result: DiscoveredArtifacts = {
      discoveredAt: this.now().toISOString(),
    };
    // Subscriptions are independent: ask them all at once, and fail as a whole (naming each failure) as Kargo
    // does, so no freight is ever made from a partial view.
    const settled = await Promise.allSettled(
      warehouse.spec.subscriptions.map(async subscription => {
        if (subscription.git) {
          (result.commits ??= []).push(
            await this.discoverers.git(subscription.git),
          );
        } else if (subscription.image) {
          (result.images ??= []).push(
            await this.discoverers.image(subscription.image),
          );
        } else if (subscription.chart) {
          (result.charts ??= []).push(
            await this.discoverers.chart(subscription.chart),
          );
        } else {
          throw new Error(
            `subscription ${
              subscription.name ?? ''
            } has a type this portal cannot discover`,
          );
        }
      }),
    );
    const failures = settled.flatMap((s, i) => {
      if (s.status === 'fulfilled') return [];
      const sub = warehouse.spec.subscriptions[i];
      const what =
        sub.git?.repoURL ?? sub.image?.repoURL ?? sub.chart?.repoURL ?? `#${i}`;
      // The repository URL may carry credentials: never store or serve them.
      return [
        `${redactUrl(what)}: ${
          (s.reason as Error)?.message ?? String(s.reason)
        }`,
      ];
    });
    if (failures.length > 0) throw new Error(failures.join('; '));
    // Keep the manifest's order of subscriptions in the stored result.
    const order = (url: string) =>
      warehouse.spec.subscriptions.findIndex(
        s => (s.git ?? s.image ?? s.chart)?.repoURL === url,
      );
    result.commits?.sort((a, b) => order(a.repoURL) - order(b.repoURL));
    result.images?.sort((a, b) => order(a.repoURL) - order(b.repoURL));
    result.charts?.sort((a, b) => order(a.repoURL) - order(b.repoURL));
    return result;
  }

  private async createFromLatest(
    projectName: string,
    warehouse: WarehouseManifest,
    discovered: DiscoveredArtifacts,
  ): Promise<FreightRecord | undefined> {
    const artifacts: Required<Omit<FreightArtifacts, 'artifacts'>> = {
      commits: [],
      images: [],
      charts: [],
    };
    for (const subscription of warehouse.spec.subscriptions) {
      if (subscription.git) {
        const { repoURL } = subscription.git;
        const newest = discovered.commits?.find(r => r.repoURL === repoURL)
          ?.commits[0];
        if (!newest) throw new Error(`no commits discovered in ${repoURL}`);
        artifacts.commits.push(commitOf(repoURL, newest, subscription.name));
      } else if (subscription.image) {
        const { repoURL } = subscription.image;
        const newest = discovered.images?.find(r => r.repoURL === repoURL)
          ?.references[0];
        if (!newest) throw new Error(`no images discovered in ${repoURL}`);
        artifacts.images.push(imageOf(repoURL, newest, subscription.name));
      } else if (subscription.chart) {
        const { repoURL, name = '' } = subscription.chart;
        const newest = discovered.charts?.find(
          r => r.repoURL === repoURL && r.name === name,
        )?.versions[0];
        if (!newest) {
          throw new Error(
            `no versions discovered for chart ${name || repoURL}`,
          );
        }
        artifacts.charts.push({
          repoURL,
          name,
          version: newest,
          ...(subscription.name ? { subscriptionName: subscription.name } : {}),
        });
      }
    }
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
    }
    return freight;
  }

  private async insert(
    projectName: string,
    warehouseName: string,
    artifacts: Required<Omit<FreightArtifacts, 'artifacts'>>,
  ) {
    const origin = { kind: 'Warehouse' as const, name: warehouseName };
    return this.stores.freight.insertFreight(
      {
        project: projectName,
        id: freightId(origin, artifacts),
        origin,
        ...artifacts,
        createdAt: this.now(),
      },
      { generateAlias: isTaken => generateAlias({ isTaken }) },
    );
  }
}

function takeOne<T>(list: T[], matches: (t: T) => boolean, what: string): T {
  const index = list.findIndex(matches);
  if (index < 0) throw new InputError(`no ${what} chosen`);
  return list.splice(index, 1)[0];
}

function commitOf(
  repoURL: string,
  commit: GitDiscoveryResult['commits'][number],
  subscriptionName?: string,
) {
  return {
    repoURL,
    id: commit.id,
    ...(commit.branch ? { branch: commit.branch } : {}),
    ...(commit.tag ? { tag: commit.tag } : {}),
    ...(commit.subject ? { message: commit.subject } : {}),
    ...(commit.author ? { author: commit.author } : {}),
    ...(commit.committer ? { committer: commit.committer } : {}),
    ...(subscriptionName ? { subscriptionName } : {}),
  };
}

function imageOf(
  repoURL: string,
  reference: ImageDiscoveryResult['references'][number],
  subscriptionName?: string,
) {
  return {
    repoURL,
    tag: reference.tag,
    digest: reference.digest,
    ...(reference.annotations ? { annotations: reference.annotations } : {}),
    ...(subscriptionName ? { subscriptionName } : {}),
  };
}
