import path from 'node:path';
import express from 'express';
import { Knex } from 'knex';
import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { mockErrorHandler, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AuthorizeResult,
  ConditionalPolicyDecision,
  DefinitivePolicyDecision,
  Permission,
} from '@backstage/plugin-permission-common';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { DefinitionService } from '../definitions/DefinitionService';
import { createRouter } from '../service/router';
import { ConcurrencyLimit } from '../service/ConcurrencyLimit';
import { KargoAuthorizer, createKargoServices } from '../services';
import { ProjectSecrets } from '../secrets';
import { WarehouseService } from '../warehouses/WarehouseService';
import { artifactSources } from '../warehouses/sources';
import { WebhookReceivers } from '../webhooks/WebhookReceivers';

export const examplesDir = path.resolve(
  __dirname,
  '../../../../examples/kargo',
);

/** The decision the fake permission policy gives, per permission name; ALLOW when not listed. */
export type Decisions = Record<
  string,
  DefinitivePolicyDecision | ConditionalPolicyDecision
>;

/**
 * A permission service whose policy is a table: what a real policy would return, without the permission
 * backend. Conditional decisions are applied by the code under test, as in production.
 */
export class TablePermissions implements PermissionsService {
  decisions: Decisions = {};

  private decide(permission: Permission) {
    return this.decisions[permission.name] ?? { result: AuthorizeResult.ALLOW };
  }

  async authorize(requests: Array<{ permission: Permission }>) {
    return requests.map(({ permission }) => {
      const decision = this.decide(permission);
      if (decision.result === AuthorizeResult.CONDITIONAL) {
        throw new Error(`${permission.name} is not a resource permission`);
      }
      return decision;
    });
  }

  async authorizeConditional(requests: Array<{ permission: Permission }>) {
    return requests.map(({ permission }) => this.decide(permission));
  }
}

/** Audit events as the router recorded them. */
export interface RecordedAudit {
  eventId: string;
  meta?: unknown;
  outcome?: 'success' | 'fail';
  error?: string;
}

/** The router on a real database, with the demo manifests loaded, a fake policy and a recording auditor. */
export async function createApiFixture(options: {
  knex: Knex;
  now?: () => Date;
  /** Project secrets (`<project>/<name>` to keys and values), as `kargo.secrets` would give. */
  secrets?: Record<string, Record<string, string>>;
  /** The bound on requests with a body handled at once (the router's default when not given). */
  concurrency?: ConcurrencyLimit;
  /** How long a request body may take to arrive (the router's default when not given). */
  bodyTimeoutMs?: number;
}) {
  await applyDatabaseMigrations(options.knex);
  const stores = DatabaseKargoStores.fromKnex(options.knex);
  const logger = mockServices.logger.mock();
  const definitions = new DefinitionService({
    locations: [{ type: 'file', target: path.join(examplesDir, '*.yaml') }],
    store: stores.definitions,
    logger,
    urlReader: mockServices.urlReader.mock(),
    baseDir: examplesDir,
  });
  await definitions.syncConfiguredSources();

  const permissions = new TablePermissions();
  const catalog = catalogServiceMock({
    entities: [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'guestbook',
          namespace: 'default',
          annotations: { 'kargo/project': 'guestbook' },
        },
        spec: { owner: 'group:default/guests' },
        relations: [{ type: 'ownedBy', targetRef: 'group:default/guests' }],
      },
    ],
  });
  const audits: RecordedAudit[] = [];
  const auditor = mockServices.auditor.mock({
    createEvent: async ({ eventId, meta }) => {
      const record: RecordedAudit = { eventId, meta };
      audits.push(record);
      return {
        success: async () => {
          record.outcome = 'success';
        },
        fail: async ({ error }) => {
          record.outcome = 'fail';
          record.error = error.message;
        },
      };
    },
  });
  let credentials: BackstageCredentials = {
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'user', userEntityRef: 'user:default/guest' },
  };
  const httpAuth = mockServices.httpAuth.mock({
    credentials: async () => credentials as never,
  });

  const sources = artifactSources({
    image: async () => {
      throw new Error('no image discovery in the API tests');
    },
    git: async () => {
      throw new Error('no Git discovery in the API tests');
    },
    chart: async () => {
      throw new Error('no chart discovery in the API tests');
    },
  });
  const warehouses = new WarehouseService({
    stores,
    getCatalog: () => definitions.getCatalog(),
    // The API tests record discovery results directly; discovery itself is tested against real services.
    sources,
    logger,
    now: options.now,
  });
  const secrets = new ProjectSecrets(
    new Map(Object.entries(options.secrets ?? {})),
  );
  const polls: Date[] = [];
  const createdPromotions: Date[] = [];
  const wokenNotices: Date[] = [];
  const webhooks = new WebhookReceivers({
    getCatalog: () => definitions.getCatalog(),
    secrets,
    sources,
    refresh: async (project, warehouse, actor) => {
      await stores.warehouses.requestRefresh({
        project,
        warehouse,
        actor,
        at: (options.now ?? (() => new Date()))(),
      });
    },
    wakePromotions: async (prUrl, project) =>
      (
        await stores.promotions.wakeWaitingForPullRequest({
          prUrl,
          project,
          now: (options.now ?? (() => new Date()))(),
        })
      ).map(woken => `${woken.project}/${woken.id}`),
  });
  const { services, authorized } = createKargoServices({
    stores,
    definitions,
    warehouses,
    webhooks,
    triggerPoll: async () => {
      polls.push(new Date());
    },
    onPromotionCreated: () => {
      createdPromotions.push(new Date());
    },
    onPromotionsWoken: () => {
      wokenNotices.push(new Date());
    },
    authorizer: new KargoAuthorizer({
      permissions,
      catalog,
      auth: mockServices.auth(),
      declaredOwners: async project =>
        (await definitions.getCatalog()).getProjectOwners(project),
    }),
    auditor,
    now: options.now,
  });
  const router = await createRouter({
    services: authorized,
    httpAuth,
    concurrency: options.concurrency,
    bodyTimeoutMs: options.bodyTimeoutMs,
  });
  const app = express().use(router).use(mockErrorHandler());
  return {
    app,
    stores,
    definitions,
    permissions,
    audits,
    warehouses,
    polls,
    createdPromotions,
    /** When this replica's worker was told that a webhook woke promotions. */
    wokenNotices,
    /** The services without permission checks, as loops inside the backend use them. */
    services,
    setUser(userEntityRef: string) {
      credentials = {
        $$type: '@backstage/BackstageCredentials',
        principal: { type: 'user', userEntityRef },
      };
    },
  };
}
