import { ResponseError } from '@backstage/errors';
import { Pipeline, ProjectList } from './types';

/** The subset of Backstage's DiscoveryApi the client needs. @public */
export interface KargoClientDiscovery {
  getBaseUrl(pluginId: string): Promise<string>;
}

/** The subset of Backstage's FetchApi the client needs. @public */
export interface KargoClientFetch {
  fetch: typeof fetch;
}

/** What the Kargo backend offers to the frontend and to other plugins. @public */
export interface KargoApi {
  listProjects(): Promise<ProjectList>;
  getPipeline(project: string): Promise<Pipeline>;
}

/**
 * HTTP client of the Kargo backend plugin, usable from the browser and from Node.
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

  listProjects(): Promise<ProjectList> {
    return this.get<ProjectList>('/projects');
  }

  getPipeline(project: string): Promise<Pipeline> {
    return this.get<Pipeline>(
      `/projects/${encodeURIComponent(project)}/pipeline`,
    );
  }

  private async get<T>(path: string): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('kargo');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
