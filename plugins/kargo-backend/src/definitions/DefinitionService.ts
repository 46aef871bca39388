import fs from 'node:fs/promises';
import path from 'node:path';
import { Config } from '@backstage/config';
import { LoggerService, UrlReaderService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotFoundError,
  stringifyError,
} from '@backstage/errors';
import {
  DefinitionSourceStatus,
  KargoManifest,
  ManifestError,
  parseManifests,
} from '@kargo-portal/plugin-kargo-common';
import { DefinitionStore, StoredDefinition } from '../stores/DefinitionStore';
import { DefinitionCatalog, validateProjects } from './DefinitionCatalog';

/** A configured location of manifests. */
export interface DefinitionLocation {
  type: 'file' | 'url';
  target: string;
}

type SourceKind = StoredDefinition['kind'];

const sourceKey = (kind: SourceKind, target: string) => `${kind}:${target}`;

/** The projects of one source's text, or the problems that make it unusable. */
function parseSource(source: string, text: string): KargoManifest[] {
  const manifests = parseManifests({ source, text });
  const problems = validateProjects(manifests, source);
  if (problems.length > 0) throw new ManifestError(problems);
  return manifests;
}

function projectsOf(manifests: KargoManifest[]): string[] {
  const names = new Set<string>();
  for (const m of manifests) {
    const name = m.kind === 'Project' ? m.metadata.name : m.metadata.namespace;
    if (name) names.add(name);
  }
  return [...names].sort();
}

/**
 * Keeps the manifest sources in the database: the configured files and URLs, and projects created through the
 * API. Every good version is stored; a source that stops validating keeps its last good version and records the
 * error. Replicas share the result through the database and rebuild their catalog when its revision moves.
 */
export class DefinitionService {
  private cached?: { revision: number; catalog: DefinitionCatalog };

  static fromConfig(options: {
    config: Config;
    store: DefinitionStore;
    logger: LoggerService;
    urlReader: UrlReaderService;
    baseDir?: string;
  }): DefinitionService {
    return new DefinitionService({
      ...options,
      locations: readLocations(options.config),
      baseDir: options.baseDir ?? process.cwd(),
      projectsWithSecrets:
        options.config.getOptionalConfig('kargo.secrets')?.keys() ?? [],
    });
  }

  constructor(
    private readonly options: {
      locations: DefinitionLocation[];
      store: DefinitionStore;
      logger: LoggerService;
      urlReader: UrlReaderService;
      baseDir: string;
      /**
       * Projects with secrets in `kargo.secrets`: only configured sources may define them, so that nobody can
       * create such a project through the API and read its secrets from a promotion step.
       */
      projectsWithSecrets?: string[];
    },
  ) {}

  /** The current projects; rebuilt only when another change was stored since the last call. */
  async getCatalog(): Promise<DefinitionCatalog> {
    const revision = await this.options.store.getDefinitionRevision();
    if (this.cached?.revision === revision) return this.cached.catalog;
    const manifests: KargoManifest[] = [];
    for (const def of await this.options.store.loadDefinitions()) {
      try {
        manifests.push(
          ...parseManifests({ source: def.target, text: def.content }),
        );
      } catch (error) {
        // Stored versions were valid when saved; a newer parser may disagree. Say so, keep the rest.
        this.options.logger.error(
          `Stored Kargo manifests of ${
            def.sourceKey
          } no longer load: ${stringifyError(error)}`,
        );
      }
    }
    const catalog = DefinitionCatalog.fromManifests(manifests);
    this.cached = { revision, catalog };
    return catalog;
  }

  /** Reads every configured location again and stores what changed. */
  async syncConfiguredSources(): Promise<void> {
    const { store, logger } = this.options;
    const seen = new Set<string>();
    for (const location of this.options.locations) {
      const targets =
        location.type === 'file'
          ? await expandFiles(
              path.resolve(this.options.baseDir, location.target),
            )
          : [location.target];
      if (targets.length === 0) {
        logger.warn(
          `kargo.definitions: no file matches ${location.target} (resolved from ${this.options.baseDir})`,
        );
      }
      for (const target of targets) {
        const key = sourceKey(location.type, target);
        seen.add(key);
        await this.syncSource(location.type, target, key);
      }
    }
    for (const source of await store.listDefinitionSources()) {
      if (source.kind !== 'api' && !seen.has(source.key) && source.version) {
        logger.info(
          `Kargo manifests of ${source.key} are no longer configured`,
        );
        await store.removeDefinitionSource(source.key);
      }
    }
  }

  private async syncSource(kind: 'file' | 'url', target: string, key: string) {
    const { store, logger } = this.options;
    let text: string;
    try {
      text = await this.read(kind, target);
    } catch (error) {
      const message = `could not read ${target}: ${stringifyError(error)}`;
      logger.error(`Kargo manifests: ${message}`);
      await store.recordDefinitionError({
        sourceKey: key,
        kind,
        target,
        error: message,
      });
      return;
    }
    try {
      const manifests = parseSource(target, text);
      await this.assertProjectsFree(projectsOf(manifests), key);
      const { changed, version } = await store.saveDefinitionVersion({
        sourceKey: key,
        kind,
        target,
        content: text,
        projects: projectsOf(manifests),
      });
      if (changed)
        logger.info(`Loaded Kargo manifests ${target} (version ${version})`);
    } catch (error) {
      // Whatever goes wrong with one source is that source's error: the sources after it are still synced.
      const message =
        error instanceof ManifestError || error instanceof ConflictError
          ? error.message
          : `could not load ${target}: ${stringifyError(error)}`;
      logger.error(
        `Invalid Kargo manifests, keeping the last good version of ${target}:\n${message}`,
      );
      await store.recordDefinitionError({
        sourceKey: key,
        kind,
        target,
        error: message,
      });
    }
  }

  private async read(kind: 'file' | 'url', target: string): Promise<string> {
    if (kind === 'file') return fs.readFile(target, 'utf8');
    const response = await this.options.urlReader.readUrl(target);
    return (await response.buffer()).toString('utf8');
  }

  /** A project belongs to one source: another source may not define it too. */
  private async assertProjectsFree(projects: string[], key: string) {
    const sources = await this.options.store.listDefinitionSources();
    for (const source of sources) {
      if (source.key === key || !source.version) continue;
      const taken = source.projects.filter(p => projects.includes(p));
      if (taken.length > 0) {
        throw new ConflictError(
          `Kargo project${taken.length > 1 ? 's' : ''} ${taken
            .map(p => `"${p}"`)
            .join(', ')} already defined by ${source.target}`,
        );
      }
    }
  }

  private async sourceOf(
    project: string,
  ): Promise<DefinitionSourceStatus | undefined> {
    const sources = await this.options.store.listDefinitionSources();
    return sources.find(s => s.version && s.projects.includes(project));
  }

  private parseApiManifests(
    text: string,
    expectedProject?: string,
  ): { project: string; manifests: KargoManifest[] } {
    let manifests: KargoManifest[];
    try {
      manifests = parseSource('manifests', text);
    } catch (error) {
      if (error instanceof ManifestError) throw new InputError(error.message);
      throw error;
    }
    const projects = manifests.filter(m => m.kind === 'Project');
    if (projects.length !== 1) {
      throw new InputError(
        `manifests: must hold exactly one Project, found ${projects.length}`,
      );
    }
    const project = projects[0].metadata.name;
    if (expectedProject && project !== expectedProject) {
      throw new InputError(
        `manifests: the Project is named "${project}", not "${expectedProject}" as in the URL`,
      );
    }
    const others = projectsOf(manifests).filter(p => p !== project);
    if (others.length > 0) {
      throw new InputError(
        `manifests: every document must belong to project "${project}"; found ${others.join(
          ', ',
        )}`,
      );
    }
    return { project, manifests };
  }

  /** Creates a project from manifests posted to the API. */
  async createProject(text: string, actor: string): Promise<string> {
    const { project } = this.parseApiManifests(text);
    if (await this.sourceOf(project)) {
      throw new ConflictError(`Kargo project "${project}" already exists`);
    }
    if (this.options.projectsWithSecrets?.includes(project)) {
      throw new ConflictError(
        `Kargo project "${project}" has secrets in the backend config (kargo.secrets.${project}): it can only be defined by a configured manifest source (kargo.definitions)`,
      );
    }
    await this.options.store.saveDefinitionVersion({
      sourceKey: sourceKey('api', project),
      kind: 'api',
      target: project,
      content: text,
      projects: [project],
      actor,
    });
    return project;
  }

  /** Replaces the manifests of a project created through the API. */
  async replaceProject(
    project: string,
    text: string,
    actor: string,
  ): Promise<void> {
    await this.requireApiProject(project);
    this.parseApiManifests(text, project);
    await this.options.store.saveDefinitionVersion({
      sourceKey: sourceKey('api', project),
      kind: 'api',
      target: project,
      content: text,
      projects: [project],
      actor,
    });
  }

  /** Deletes a project created through the API. */
  async deleteProject(project: string): Promise<void> {
    await this.requireApiProject(project);
    await this.options.store.removeDefinitionSource(sourceKey('api', project));
  }

  private async requireApiProject(project: string) {
    const source = await this.sourceOf(project);
    if (!source)
      throw new NotFoundError(`Kargo project "${project}" not found`);
    if (source.kind !== 'api') {
      throw new ConflictError(
        `Kargo project "${project}" is defined by ${source.target}; change it there`,
      );
    }
  }

  listSources(): Promise<DefinitionSourceStatus[]> {
    return this.options.store.listDefinitionSources();
  }
}

function readLocations(config: Config): DefinitionLocation[] {
  return (config.getOptionalConfigArray('kargo.definitions') ?? []).map(
    (location, index) => {
      const type = location.getString('type');
      if (type !== 'file' && type !== 'url') {
        throw new Error(
          `kargo.definitions[${index}].type: unsupported location type "${type}", expected "file" or "url"`,
        );
      }
      return { type, target: location.getString('target') };
    },
  );
}

async function expandFiles(pattern: string): Promise<string[]> {
  if (!/[*?[{]/.test(pattern)) {
    try {
      await fs.access(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const files: string[] = [];
  for await (const file of fs.glob(pattern)) files.push(file);
  return files.sort();
}
