import crypto from 'node:crypto';
import {
  ProjectConfigManifest,
  WarehouseManifest,
  WebhookReceiverConfig,
  matchesLabelSelector,
} from '@kargo-portal/plugin-kargo-common';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { ProjectSecrets } from '../secrets';
import { ArtifactSourceRegistry } from '../warehouses/sources';
import {
  secretKeyOf,
  WEBHOOK_PROVIDERS,
  WebhookRequest,
  WebhookVerdict,
} from './providers';

/** A receiver of a project, as users configure it at their Git host or registry. */
export interface WebhookReceiverInfo {
  project: string;
  name: string;
  provider: string;
  /** Path under the plugin's base URL (`/api/kargo`); the last segment is derived from the secret. */
  path?: string;
  /** Why the receiver cannot receive (its secret is not configured). */
  problem?: string;
}

/** The outcome of a delivery, for the HTTP response and the audit event. */
export interface WebhookOutcome {
  status: 200 | 401 | 404;
  project?: string;
  receiver?: string;
  message: string;
  refreshed: string[];
  /** Promotions woken by a pull request event (`<project>/<id>`). */
  woken?: string[];
}

/**
 * The id in a receiver's URL: SHA-256 of project, receiver name and secret, as Kargo derives its receiver
 * paths. Knowing the URL proves knowledge of the secret, which is all providers without signatures
 * (Docker Hub, Quay, generic) can offer; the others also verify their signature with the secret.
 */
export function receiverId(project: string, name: string, secret: string) {
  return crypto
    .createHash('sha256')
    .update(`${project}\u0000${name}\u0000${secret}`)
    .digest('hex');
}

interface ResolvedReceiver {
  /** The receiver's project; absent for a receiver of the ClusterConfig, which serves every project. */
  project?: string;
  config: WebhookReceiverConfig;
  provider: string;
  secret: string;
}

function providerOf(config: WebhookReceiverConfig): string {
  return Object.keys(config).find(k => k !== 'name')!;
}

/**
 * Webhook receivers declared in each project's ProjectConfig (`spec.webhookReceivers`), with secrets from
 * backend config. A delivery refreshes the warehouses of the receiver's project that subscribe to the pushed
 * repository.
 */
/** The name of the secret a receiver's platform configuration refers to. */
function secretRefOf(config: WebhookReceiverConfig): string {
  const provider = providerOf(config);
  const platform: unknown = Object.entries(config).find(
    ([key]) => key === provider,
  )?.[1];
  const ref =
    typeof platform === 'object' && platform !== null && 'secretRef' in platform
      ? platform.secretRef
      : undefined;
  const name =
    typeof ref === 'object' && ref !== null && 'name' in ref
      ? ref.name
      : undefined;
  return typeof name === 'string' ? name : '';
}

export class WebhookReceivers {
  constructor(
    private readonly options: {
      getCatalog: () => Promise<DefinitionCatalog>;
      /** Project receivers read `kargo.secrets`; the ClusterConfig's read `kargo.systemSecrets`, as Kargo's read its system namespace. */
      secrets: Pick<ProjectSecrets, 'get' | 'getSystem'>;
      /** Decides which subscriptions a push refreshes (URLs compared in Kargo's normalized forms). */
      sources: ArtifactSourceRegistry;
      /** Requests a refresh of one warehouse (recorded, then discovered by the next poll). */
      refresh: (
        project: string,
        warehouse: string,
        actor: string,
      ) => Promise<void>;
      /**
       * Brings forward the next attempt of the promotions (of `project`, or of every project) waiting in
       * `git-wait-for-pr` on the pull request at `prUrl`; returns them as `<project>/<id>`.
       */
      wakePromotions: (prUrl: string, project?: string) => Promise<string[]>;
    },
  ) {}

  private receiversOf(
    catalog: DefinitionCatalog,
    projectName: string,
  ): Array<{ config: WebhookReceiverConfig; secret?: string }> {
    const project = catalog.getProject(projectName);
    const projectConfig = project?.manifests.find(
      (m): m is ProjectConfigManifest => m.kind === 'ProjectConfig',
    );
    return (projectConfig?.spec?.webhookReceivers ?? []).map(config => {
      const ref = secretRefOf(config);
      return {
        config,
        secret: this.options.secrets.get(projectName, ref)?.[
          secretKeyOf(providerOf(config))
        ],
      };
    });
  }

  /** The receivers of Kargo's ClusterConfig, shared by all projects, with their secrets from `kargo.systemSecrets`. */
  private clusterReceivers(
    catalog: DefinitionCatalog,
  ): Array<{ config: WebhookReceiverConfig; secret?: string }> {
    return (catalog.getClusterConfig()?.spec?.webhookReceivers ?? []).map(
      config => ({
        config,
        secret: this.options.secrets.getSystem(secretRefOf(config))?.[
          secretKeyOf(providerOf(config))
        ],
      }),
    );
  }

  /**
   * The ClusterConfig's receivers and their paths, for the backend's operators (Kargo shows them in the
   * ClusterConfig's status); a missing secret is named under `kargo.systemSecrets`.
   */
  async listClusterReceivers(): Promise<
    Array<Omit<WebhookReceiverInfo, 'project'>>
  > {
    const catalog = await this.options.getCatalog();
    return this.clusterReceivers(catalog).map(({ config, secret }) => {
      const provider = providerOf(config);
      const ref = secretRefOf(config);
      if (!WEBHOOK_PROVIDERS[provider]) {
        return {
          name: config.name,
          provider,
          problem: `receivers of type ${provider} are not supported by Kargo Portal`,
        };
      }
      if (!secret) {
        return {
          name: config.name,
          provider,
          problem: `secret "${ref}" has no "${secretKeyOf(
            provider,
          )}" key: set kargo.systemSecrets.${ref}.${secretKeyOf(
            provider,
          )} in app-config`,
        };
      }
      return {
        name: config.name,
        provider,
        path: `/webhooks/${receiverId('', config.name, secret)}`,
      };
    });
  }

  async list(projectName: string): Promise<WebhookReceiverInfo[]> {
    const catalog = await this.options.getCatalog();
    return this.receiversOf(catalog, projectName).map(({ config, secret }) => {
      const provider = providerOf(config);
      const ref = secretRefOf(config);
      if (!WEBHOOK_PROVIDERS[provider]) {
        return {
          project: projectName,
          name: config.name,
          provider,
          problem: `receivers of type ${provider} are not supported by Kargo Portal`,
        };
      }
      if (!secret) {
        return {
          project: projectName,
          name: config.name,
          provider,
          problem: `secret "${ref}" has no "${secretKeyOf(
            provider,
          )}" key: set kargo.secrets.${projectName}.${ref}.${secretKeyOf(
            provider,
          )} in app-config`,
        };
      }
      return {
        project: projectName,
        name: config.name,
        provider,
        path: `/webhooks/${receiverId(projectName, config.name, secret)}`,
      };
    });
  }

  private async resolve(id: string): Promise<ResolvedReceiver | undefined> {
    // Ids are SHA-256 hex digests: anything else is no receiver, without reading the catalog.
    if (!/^[0-9a-f]{64}$/.test(id)) return undefined;
    const wanted = Buffer.from(id, 'hex');
    const catalog = await this.options.getCatalog();
    for (const project of catalog.listProjects()) {
      for (const { config, secret } of this.receiversOf(
        catalog,
        project.name,
      )) {
        // The id is the credential of receivers without signatures: compare it in constant time.
        if (
          secret &&
          crypto.timingSafeEqual(
            Buffer.from(receiverId(project.name, config.name, secret), 'hex'),
            wanted,
          )
        ) {
          return {
            project: project.name,
            config,
            provider: providerOf(config),
            secret,
          };
        }
      }
    }
    // As Kargo's router, the ClusterConfig's receivers after those of the projects.
    for (const { config, secret } of this.clusterReceivers(catalog)) {
      if (
        secret &&
        crypto.timingSafeEqual(
          Buffer.from(receiverId('', config.name, secret), 'hex'),
          wanted,
        )
      ) {
        return { config, provider: providerOf(config), secret };
      }
    }
    return undefined;
  }

  async deliver(id: string, request: WebhookRequest): Promise<WebhookOutcome> {
    const receiver = await this.resolve(id);
    if (!receiver || !WEBHOOK_PROVIDERS[receiver.provider]) {
      return {
        status: 404,
        message: 'No such webhook receiver',
        refreshed: [],
      };
    }
    const verdict: WebhookVerdict = WEBHOOK_PROVIDERS[receiver.provider](
      request,
      receiver.secret,
      receiver.config,
    );
    const base = { project: receiver.project, receiver: receiver.config.name };
    if (verdict.kind === 'unauthorized') {
      return { ...base, status: 401, message: verdict.reason, refreshed: [] };
    }
    if (verdict.kind === 'ignored') {
      return {
        ...base,
        status: 200,
        message: `Ignored: ${verdict.reason}`,
        refreshed: [],
      };
    }
    if (verdict.kind === 'pullRequest') {
      // As Kargo: a project's receiver wakes that project's promotions, a ClusterConfig's those of any project.
      const woken = await this.options.wakePromotions(
        verdict.url,
        receiver.project,
      );
      return {
        ...base,
        status: 200,
        message:
          woken.length > 0
            ? `Refreshed promotions waiting on ${verdict.url}: ${woken.join(
                ', ',
              )}`
            : `No promotion is waiting on ${verdict.url}`,
        refreshed: [],
        woken,
      };
    }
    const catalog = await this.options.getCatalog();
    // A ClusterConfig receiver refreshes the subscribing warehouses of every project.
    const projects = receiver.project
      ? [receiver.project]
      : catalog.listProjects().map(p => p.name);
    const subscribesTo = (w: WarehouseManifest) =>
      this.options.sources.matchesWebhook(w, verdict.push);
    const actor = `webhook:${receiver.project ?? 'cluster'}/${
      receiver.config.name
    }`;
    const refreshed: string[] = [];
    for (const project of projects) {
      const warehouses = catalog.getProject(project)?.warehouses ?? [];
      const targets = warehouses.filter(w =>
        receiver.provider === 'generic'
          ? genericTargets(receiver.config, w) &&
            (verdict.push.gitRepoURLs.length === 0 || subscribesTo(w))
          : subscribesTo(w),
      );
      for (const w of targets) {
        await this.options.refresh(project, w.metadata.name, actor);
        refreshed.push(
          receiver.project ? w.metadata.name : `${project}/${w.metadata.name}`,
        );
      }
    }
    return {
      ...base,
      status: 200,
      message:
        refreshed.length > 0
          ? `Refreshed warehouses: ${refreshed.join(', ')}`
          : `No warehouse of ${
              receiver.project ? 'the project' : 'any project'
            } subscribes to the pushed repository`,
      refreshed,
    };
  }
}

/** The warehouses a generic receiver's Refresh actions target by name or labels (all of them without criteria). */
function genericTargets(
  config: WebhookReceiverConfig,
  warehouse: WarehouseManifest,
) {
  const actions = config.generic?.actions;
  if (!actions) return true;
  return actions.some(action =>
    (action.targetSelectionCriteria ?? [{ kind: 'Warehouse' as const }]).some(
      target =>
        (!target.name || target.name === warehouse.metadata.name) &&
        (!target.labelSelector ||
          matchesLabelSelector(
            target.labelSelector,
            warehouse.metadata.labels ?? {},
          )),
    ),
  );
}
