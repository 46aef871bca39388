import { ResponseError } from '@backstage/errors';
import {
  DefinitionSourceStatus,
  FreightRecord,
  FreightSelection,
  WebhookReceiverStatus,
  FreightView,
  Page,
  Promotion,
  StageHistoryEntry,
  WarehouseStatus,
} from './model';
import {
  Pipeline,
  ProjectList,
  ProjectSummary,
  StageAutoPromotion,
  StageHealth,
  StageVerification,
} from './types';

/** The subset of Backstage's DiscoveryApi the client needs. @public */
export interface KargoClientDiscovery {
  getBaseUrl(pluginId: string): Promise<string>;
}

/** The subset of Backstage's FetchApi the client needs. @public */
export interface KargoClientFetch {
  fetch: typeof fetch;
}

/** Paging of list calls. @public */
export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/** What the Kargo backend offers to the frontend and to other plugins (`/api/kargo`). @public */
export interface KargoApi {
  listProjects(): Promise<ProjectList>;
  getProject(project: string): Promise<ProjectSummary>;
  createProject(manifests: string): Promise<ProjectSummary>;
  replaceProject(project: string, manifests: string): Promise<ProjectSummary>;
  deleteProject(project: string): Promise<void>;
  getPipeline(project: string): Promise<Pipeline>;
  listFreight(
    project: string,
    options?: PageRequest & { origins?: string[]; stage?: string },
  ): Promise<Page<FreightView>>;
  getFreight(project: string, freight: string): Promise<FreightView>;
  approveFreight(
    project: string,
    stage: string,
    freight: string,
  ): Promise<FreightView>;
  promote(project: string, stage: string, freight: string): Promise<Promotion>;
  /**
   * Rolls a stage back: a promotion, marked as a rollback, of freight the stage ran before (the given one, or
   * else the newest of its history that it no longer runs).
   */
  rollback(
    project: string,
    stage: string,
    freight?: string,
  ): Promise<Promotion>;
  /** Releases a stage's auto-promotion holds, so that auto-promotion promotes its candidates again. */
  resumeAutoPromotion(
    project: string,
    stage: string,
  ): Promise<StageAutoPromotion>;
  getStageHistory(
    project: string,
    stage: string,
    options?: { limit?: number },
  ): Promise<{ items: StageHistoryEntry[] }>;
  /** The stage's health and its Argo CD applications, as last evaluated from the watch. */
  getStageHealth(project: string, stage: string): Promise<StageHealth>;
  listPromotions(
    project: string,
    options?: PageRequest & { stage?: string },
  ): Promise<Page<Promotion>>;
  getPromotion(project: string, promotion: string): Promise<Promotion>;
  abortPromotion(project: string, promotion: string): Promise<Promotion>;
  /** Verifies the stage's current freight again, as a new attempt. */
  reverifyStage(project: string, stage: string): Promise<StageVerification>;
  /** Aborts the stage's running verification. */
  abortStageVerification(
    project: string,
    stage: string,
  ): Promise<StageVerification>;
  listWarehouses(project: string): Promise<{ items: WarehouseStatus[] }>;
  refreshWarehouse(
    project: string,
    warehouse: string,
  ): Promise<WarehouseStatus>;
  /** Creates a freight from artifacts the warehouse discovered (Manual warehouses). */
  createFreight(
    project: string,
    warehouse: string,
    selection: FreightSelection,
  ): Promise<FreightRecord>;
  listWebhookReceivers(
    project: string,
  ): Promise<{ items: WebhookReceiverStatus[] }>;
  listDefinitionSources(): Promise<{ items: DefinitionSourceStatus[] }>;
}

const enc = encodeURIComponent;

function queryString(
  params: Record<string, string | number | undefined>,
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * HTTP client of the Kargo backend plugin, usable from the browser and from Node. Errors come back as
 * `ResponseError` with the backend's message (e.g. a 403 names the permission).
 *
 * @public
 */
export class KargoClient implements KargoApi {
  private readonly discoveryApi: KargoClientDiscovery;
  private readonly fetchApi: KargoClientFetch;

  constructor(options: {
    discoveryApi: KargoClientDiscovery;
    fetchApi?: KargoClientFetch;
  }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi ?? { fetch: (...a) => fetch(...a) };
  }

  listProjects() {
    return this.call<ProjectList>('GET', '/projects');
  }

  getProject(project: string) {
    return this.call<ProjectSummary>('GET', `/projects/${enc(project)}`);
  }

  createProject(manifests: string) {
    return this.call<ProjectSummary>('POST', '/projects', { manifests });
  }

  replaceProject(project: string, manifests: string) {
    return this.call<ProjectSummary>('PUT', `/projects/${enc(project)}`, {
      manifests,
    });
  }

  async deleteProject(project: string) {
    await this.call<void>('DELETE', `/projects/${enc(project)}`);
  }

  getPipeline(project: string) {
    return this.call<Pipeline>('GET', `/projects/${enc(project)}/pipeline`);
  }

  listFreight(
    project: string,
    options: PageRequest & { origins?: string[]; stage?: string } = {},
  ) {
    const q = queryString({
      origin: options.origins?.join(','),
      stage: options.stage,
      limit: options.limit,
      cursor: options.cursor,
    });
    return this.call<Page<FreightView>>(
      'GET',
      `/projects/${enc(project)}/freight${q}`,
    );
  }

  getFreight(project: string, freight: string) {
    return this.call<FreightView>(
      'GET',
      `/projects/${enc(project)}/freight/${enc(freight)}`,
    );
  }

  approveFreight(project: string, stage: string, freight: string) {
    return this.call<FreightView>(
      'POST',
      `/projects/${enc(project)}/stages/${enc(stage)}/approvals`,
      { freight },
    );
  }

  promote(project: string, stage: string, freight: string) {
    return this.call<Promotion>(
      'POST',
      `/projects/${enc(project)}/stages/${enc(stage)}/promotions`,
      { freight },
    );
  }

  rollback(project: string, stage: string, freight?: string) {
    return this.call<Promotion>(
      'POST',
      `/projects/${enc(project)}/stages/${enc(stage)}/rollbacks`,
      freight === undefined ? {} : { freight },
    );
  }

  resumeAutoPromotion(project: string, stage: string) {
    return this.call<StageAutoPromotion>(
      'POST',
      `/projects/${enc(project)}/stages/${enc(stage)}/auto-promotion/resume`,
    );
  }

  getStageHistory(
    project: string,
    stage: string,
    options: { limit?: number } = {},
  ) {
    return this.call<{ items: StageHistoryEntry[] }>(
      'GET',
      `/projects/${enc(project)}/stages/${enc(stage)}/history${queryString({
        limit: options.limit,
      })}`,
    );
  }

  getStageHealth(project: string, stage: string) {
    return this.call<StageHealth>(
      'GET',
      `/projects/${enc(project)}/stages/${enc(stage)}/health`,
    );
  }

  listPromotions(
    project: string,
    options: PageRequest & { stage?: string } = {},
  ) {
    const q = queryString({
      stage: options.stage,
      limit: options.limit,
      cursor: options.cursor,
    });
    return this.call<Page<Promotion>>(
      'GET',
      `/projects/${enc(project)}/promotions${q}`,
    );
  }

  getPromotion(project: string, promotion: string) {
    return this.call<Promotion>(
      'GET',
      `/projects/${enc(project)}/promotions/${enc(promotion)}`,
    );
  }

  abortPromotion(project: string, promotion: string) {
    return this.call<Promotion>(
      'POST',
      `/projects/${enc(project)}/promotions/${enc(promotion)}/abort`,
    );
  }

  reverifyStage(project: string, stage: string) {
    return this.call<StageVerification>(
      'POST',
      `/projects/${enc(project)}/stages/${enc(stage)}/verification`,
    );
  }

  abortStageVerification(project: string, stage: string) {
    return this.call<StageVerification>(
      'POST',
      `/projects/${enc(project)}/stages/${enc(stage)}/verification/abort`,
    );
  }

  listWarehouses(project: string) {
    return this.call<{ items: WarehouseStatus[] }>(
      'GET',
      `/projects/${enc(project)}/warehouses`,
    );
  }

  refreshWarehouse(project: string, warehouse: string) {
    return this.call<WarehouseStatus>(
      'POST',
      `/projects/${enc(project)}/warehouses/${enc(warehouse)}/refresh`,
    );
  }

  createFreight(
    project: string,
    warehouse: string,
    selection: FreightSelection,
  ) {
    return this.call<FreightRecord>(
      'POST',
      `/projects/${enc(project)}/warehouses/${enc(warehouse)}/freight`,
      selection,
    );
  }

  listWebhookReceivers(project: string) {
    return this.call<{ items: WebhookReceiverStatus[] }>(
      'GET',
      `/projects/${enc(project)}/webhooks`,
    );
  }

  listDefinitionSources() {
    return this.call<{ items: DefinitionSourceStatus[] }>(
      'GET',
      '/definitions',
    );
  }

  private async call<T>(
    method: string,
    path: string,
    body?: object,
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('kargo');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method,
      ...(body
        ? {
            body: JSON.stringify(body),
            headers: { 'Content-Type': 'application/json' },
          }
        : {}),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
}
