import { AuditorService } from '@backstage/backend-plugin-api';
import { KargoStores } from '../stores/KargoStores';
import { DefinitionService } from '../definitions/DefinitionService';
import { WarehouseService } from '../warehouses/WarehouseService';
import { WebhookReceivers } from '../webhooks/WebhookReceivers';
import { AuthorizedFreightService } from './AuthorizedFreightService';
import { AuthorizedProjectService } from './AuthorizedProjectService';
import { AuthorizedPromotionService } from './AuthorizedPromotionService';
import { AuthorizedVerificationService } from './AuthorizedVerificationService';
import { AuthorizedWarehouseViewService } from './AuthorizedWarehouseViewService';
import { FreightService } from './FreightService';
import { KargoAuthorizer } from './KargoAuthorizer';
import { ProjectService } from './ProjectService';
import { PromotionService } from './PromotionService';
import { VerificationService } from './VerificationService';
import { WarehouseViewService } from './WarehouseViewService';

/** Options of {@link createKargoServices}. */
export interface KargoServicesOptions {
  stores: KargoStores;
  definitions: DefinitionService;
  /** Discovery and freight creation of warehouses. */
  warehouses: Pick<WarehouseService, 'createFromSelection'>;
  /** Webhook receivers declared in ProjectConfigs. */
  webhooks: Pick<WebhookReceivers, 'list' | 'deliver'>;
  authorizer: KargoAuthorizer;
  auditor: AuditorService;
  /** Tells this replica's promotion worker that a promotion was created, so it starts without waiting. */
  onPromotionCreated?: () => void;
  /** Tells this replica's promotion worker that a pull request webhook woke waiting promotions. */
  onPromotionsWoken?: () => void;
  /** Tells this replica's auto-promotion that a stage of the project was resumed. */
  onAutoPromotionResumed?: (project: string) => void;
  /** Asks for discovery to run soon (the scheduled poll), after a refresh request. */
  triggerPoll?: () => Promise<void>;
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
}

/** The rules of the backend, for callers acting as the system (loops, workers): no permission checks. */
export interface KargoServices {
  projects: ProjectService;
  freight: FreightService;
  promotions: PromotionService;
  warehouses: WarehouseViewService;
  verifications: VerificationService;
}

/** The same services for callers with credentials (routes, scaffolder actions): permissions checked first. */
export interface AuthorizedKargoServices {
  projects: AuthorizedProjectService;
  freight: AuthorizedFreightService;
  promotions: AuthorizedPromotionService;
  warehouses: AuthorizedWarehouseViewService;
  verifications: AuthorizedVerificationService;
}

/**
 * Builds the service layer: the rules of projects, freight, promotions and warehouses, and their `Authorized…`
 * wrappers.
 *
 * Permissions are checked one way: by `Authorized…` wrappers around the services, as catalog-backend's
 * `AuthorizedEntitiesCatalog` wraps its catalog. A wrapper method takes the caller's credentials, checks the
 * Kargo permission for its target before anything is read or changed (so a refusal leaks nothing and is not
 * audited as a change), then delegates. The services underneath take the actor of a change instead of
 * credentials, so loops inside the backend (auto-promotion, verification) use the same rules without borrowing
 * a user's rights or pretending to be one, and no rule can be reached from the API without its check.
 */
export function createKargoServices(options: KargoServicesOptions): {
  services: KargoServices;
  authorized: AuthorizedKargoServices;
} {
  const { stores, definitions, auditor, authorizer, now } = options;
  const services: KargoServices = {
    projects: ProjectService.create({ stores, definitions, auditor, now }),
    freight: FreightService.create({
      stores,
      definitions,
      warehouses: options.warehouses,
      auditor,
      now,
    }),
    promotions: PromotionService.create({
      stores,
      definitions,
      auditor,
      onPromotionCreated: options.onPromotionCreated,
      onAutoPromotionResumed: options.onAutoPromotionResumed,
      now,
    }),
    warehouses: WarehouseViewService.create({
      stores,
      definitions,
      webhooks: options.webhooks,
      auditor,
      triggerPoll: options.triggerPoll,
      onPromotionsWoken: options.onPromotionsWoken,
      now,
    }),
    verifications: VerificationService.create({
      stores,
      definitions,
      auditor,
      now,
    }),
  };
  return {
    services,
    authorized: {
      projects: AuthorizedProjectService.create({
        projects: services.projects,
        authorizer,
      }),
      freight: AuthorizedFreightService.create({
        freight: services.freight,
        authorizer,
      }),
      promotions: AuthorizedPromotionService.create({
        promotions: services.promotions,
        authorizer,
      }),
      warehouses: AuthorizedWarehouseViewService.create({
        warehouses: services.warehouses,
        authorizer,
      }),
      verifications: AuthorizedVerificationService.create({
        verifications: services.verifications,
        authorizer,
      }),
    },
  };
}
