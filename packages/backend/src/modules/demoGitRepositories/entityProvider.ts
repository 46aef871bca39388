import fs from 'node:fs/promises';
import path from 'node:path';
import {
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
} from '@backstage/catalog-model';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { parseAllDocuments } from 'yaml';
import { DemoGitRepositoriesSettings } from './config';
import { branchHead, git } from './git';

/** Kinds a published repository may add: a template publishes a service, not users, groups or locations. */
const ALLOWED_KINDS = ['Component'];

/**
 * DEMO ONLY: the catalog's "location" for the demo's published repositories. Every `refreshSeconds` it reads
 * `catalog-info.yaml` on the branch of each bare repository `<directory>/*.git` and replaces the entities it
 * provides with those (a full mutation: an entity whose repository is gone or no longer names it disappears).
 * This is the demo's stand-in for `catalog:register` of a `catalog-info.yaml` URL on an SCM, which needs
 * `catalog.location.create` (the demo policy gives it to release managers only) and a URL the catalog can read.
 * Only the Component named after the repository is taken: a published repository cannot add users, groups,
 * locations or other components. Note that this bypasses `catalog.location.create` for that one component: a
 * Kargo project whose `kargo-portal/owners` names a component that does not exist yet would lend its owners to
 * whoever publishes a repository of that name first. Acceptable in the demo, not on a real portal (see the README).
 */
export class DemoGitRepositoriesEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;

  constructor(
    private readonly options: {
      settings: DemoGitRepositoriesSettings;
      logger: LoggerService;
      taskRunner: SchedulerServiceTaskRunner;
    },
  ) {}

  getProviderName(): string {
    return 'demo-git-repositories';
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await this.options.taskRunner.run({
      id: `${this.getProviderName()}:refresh`,
      fn: async () => {
        try {
          await this.refresh();
        } catch (error) {
          this.options.logger.warn(
            `Reading the demo Git repositories failed: ${error}`,
          );
        }
      },
    });
  }

  /** Reads every repository once and replaces the provided entities. */
  async refresh(): Promise<Entity[]> {
    if (!this.connection) throw new Error('not connected to the catalog');
    const entities = await this.read();
    await this.connection.applyMutation({
      type: 'full',
      entities: entities.map(entity => ({
        entity,
        locationKey: `${this.getProviderName()}:${
          entity.metadata.annotations?.[ANNOTATION_LOCATION] ?? ''
        }`,
      })),
    });
    return entities;
  }

  private async read(): Promise<Entity[]> {
    const { directory, branch } = this.options.settings;
    const names = await fs.readdir(directory).catch(error => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const entities: Entity[] = [];
    for (const name of names.filter(n => n.endsWith('.git')).sort()) {
      const repository = path.join(directory, name);
      if (!(await branchHead(repository, branch).catch(() => undefined)))
        continue;
      const location = `url:file://${repository}/-/${branch}/catalog-info.yaml`;
      let text: string;
      try {
        text = await git([
          '--git-dir',
          repository,
          'show',
          `refs/heads/${branch}:catalog-info.yaml`,
        ]);
      } catch {
        continue; // no catalog-info.yaml: nothing for the catalog
      }
      for (const document of parseAllDocuments(text)) {
        const value = document.toJS();
        if (!isEntity(value)) {
          this.options.logger.warn(
            `${location}: skipped a document that is not a catalog entity`,
          );
          continue;
        }
        const repoName = name.slice(0, -'.git'.length);
        if (value.metadata.name !== repoName) {
          this.options.logger.warn(
            `${location}: skipped ${value.kind} ${value.metadata.name}: a published repository adds only the component named after it (${repoName})`,
          );
          continue;
        }
        if (!ALLOWED_KINDS.includes(value.kind)) {
          this.options.logger.warn(
            `${location}: skipped ${value.kind} ${
              value.metadata.name
            }: the demo's published repositories may add ${ALLOWED_KINDS.join(
              ', ',
            )} entities only`,
          );
          continue;
        }
        entities.push({
          ...value,
          metadata: {
            ...value.metadata,
            annotations: {
              ...value.metadata.annotations,
              [ANNOTATION_LOCATION]: location,
              [ANNOTATION_ORIGIN_LOCATION]: location,
            },
          },
        });
      }
    }
    return entities;
  }
}

function isEntity(value: unknown): value is Entity {
  if (typeof value !== 'object' || value === null) return false;
  const { apiVersion, kind, metadata } = value as Record<string, unknown>;
  return (
    typeof apiVersion === 'string' &&
    typeof kind === 'string' &&
    typeof metadata === 'object' &&
    metadata !== null &&
    typeof (metadata as Record<string, unknown>).name === 'string'
  );
}
