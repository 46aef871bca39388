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
  AnalysisTemplateManifest,
  DefinitionSourceStatus,
  KargoManifest,
  ManifestError,
  ManifestSourceContents,
  readManifestSource,
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

/** The contents of one source's text that stands alone (an API project), or the problems that make it unusable. */
function parseSource(source: string, text: string): ManifestSourceContents {
  const contents = readManifestSource({ source, text });
  const problems = validateProjects(contents.manifests, source);
  if (problems.length > 0) throw new ManifestError(problems);
  return contents;
}

function projectsOf(contents: {
  manifests: KargoManifest[];
  analysisTemplates: AnalysisTemplateManifest[];
}): string[] {
  const names = new Set<string>();
  for (const m of contents.manifests) {
    const name = m.kind === 'Project' ? m.metadata.name : m.metadata.namespace;
    if (name) names.add(name);
  }
  for (const t of contents.analysisTemplates) {
    if (t.kind === 'AnalysisTemplate' && t.metadata.namespace) {
      names.add(t.metadata.namespace);
    }
  }
  return [...names].sort();
}

/** The cluster-scoped manifests (ClusterConfig, ClusterPromotionTask), as `<kind> "<name>"`. */
function clusterScopedNames(manifests: KargoManifest[]): string[] {
  return manifests
    .filter(
      m => m.kind === 'ClusterConfig' || m.kind === 'ClusterPromotionTask',
    )
    .map(m => `${m.kind} "${m.metadata.name}"`);
}

/**
 * Which stored source outside a location defines each cluster-scoped manifest: one source may define it, as a
 * project belongs to one source, so that a second ClusterConfig is refused rather than silently ignored.
 */
function clusterScopedOwners(
  stored: Map<string, StoredDefinition>,
  excludedKeys: ReadonlySet<string>,
): Map<string, string> {
  const owners = new Map<string, string>();
  for (const def of stored.values()) {
    if (excludedKeys.has(def.sourceKey)) continue;
    try {
      const { manifests } = readManifestSource({
        source: def.target,
        text: def.content,
      });
      for (const name of clusterScopedNames(manifests)) {
        owners.set(name, def.target);
      }
    } catch {
      // A stored version that no longer parses defines nothing; getCatalog reports it.
    }
  }
  return owners;
}

/** One file or URL of a configured location, as read in a sync. */
interface ReadSource {
  kind: 'file' | 'url';
  target: string;
  key: string;
  /** The source's contents when it parses; absent when it could not be read or parsed. */
  contents?: ManifestSourceContents;
}

/**
 * Keeps the manifest sources in the database: the configured files and URLs, and projects created through the
 * API. Every good version is stored; a source that stops validating keeps its last good version and records the
 * error. Replicas share the result through the database and rebuild their catalog when its revision moves.
 */
export class DefinitionService {
  private cached?: { revision: number; catalog: DefinitionCatalog };
  /**
   * What each configured file or URL held at the last sync and what it parsed to: a source whose text did not
   * change is not parsed again (parsing the YAML and checking every manifest is most of a sync's work).
   */
  private readonly parsed = new Map<
    string,
    { text: string; contents: ManifestSourceContents }
  >();

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
    const analysisTemplates: AnalysisTemplateManifest[] = [];
    for (const def of await this.options.store.loadDefinitions()) {
      try {
        const contents = readManifestSource({
          source: def.target,
          text: def.content,
        });
        manifests.push(...contents.manifests);
        analysisTemplates.push(...contents.analysisTemplates);
      } catch (error) {
        // Stored versions were valid when saved; a newer parser may disagree. Say so, keep the rest.
        this.options.logger.error(
          `Stored Kargo manifests of ${
            def.sourceKey
          } no longer load: ${stringifyError(error)}`,
        );
      }
    }
    const catalog = DefinitionCatalog.fromManifests(
      manifests,
      analysisTemplates,
    );
    this.cached = { revision, catalog };
    return catalog;
  }

  /**
   * Reads every configured location again and stores what changed. The files of one location (a glob such as a
   * repository's `kargo/*.yaml`) are validated together, as a repository splits a project across files: a stage
   * may request a warehouse of another file. A file that does not read or parse keeps its last good version,
   * which stands in for it in the others' validation.
   */
  async syncConfiguredSources(): Promise<void> {
    const { store, logger } = this.options;
    const seen = new Set<string>();
    const stored = new Map(
      (await store.loadDefinitions()).map(d => [d.sourceKey, d]),
    );
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
      const sources: ReadSource[] = [];
      for (const target of targets) {
        const key = sourceKey(location.type, target);
        seen.add(key);
        sources.push(await this.readSource(location.type, target, key));
      }
      await this.syncLocation(sources, stored);
    }
    for (const key of this.parsed.keys()) {
      if (!seen.has(key)) this.parsed.delete(key);
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

  /** Reads and parses one source, recording why it is unusable. */
  private async readSource(
    kind: 'file' | 'url',
    target: string,
    key: string,
  ): Promise<ReadSource> {
    let text: string;
    try {
      text = await this.read(kind, target);
    } catch (error) {
      await this.recordError(
        { kind, target, key },
        `could not read ${target}: ${stringifyError(error)}`,
      );
      return { kind, target, key };
    }
    const last = this.parsed.get(key);
    if (last?.text === text)
      return { kind, target, key, contents: last.contents };
    try {
      const contents = readManifestSource({ source: target, text });
      this.parsed.set(key, { text, contents });
      return { kind, target, key, contents };
    } catch (error) {
      this.parsed.delete(key);
      // Whatever goes wrong with one source is that source's error: the sources after it are still synced.
      await this.recordError(
        { kind, target, key },
        error instanceof ManifestError
          ? error.message
          : `could not load ${target}: ${stringifyError(error)}`,
      );
      return { kind, target, key };
    }
  }

  private async recordError(
    source: Pick<ReadSource, 'kind' | 'target' | 'key'>,
    message: string,
  ) {
    this.options.logger.error(
      `Invalid Kargo manifests, keeping the last good version of ${source.target}:\n${message}`,
    );
    await this.options.store.recordDefinitionError({
      sourceKey: source.key,
      kind: source.kind,
      target: source.target,
      error: message,
    });
  }

  /** Validates the sources of one location together, then stores each good one. */
  private async syncLocation(
    sources: ReadSource[],
    stored: Map<string, StoredDefinition>,
  ): Promise<void> {
    const good = sources.filter(
      (s): s is ReadSource & { contents: ManifestSourceContents } =>
        s.contents !== undefined,
    );
    const sourceOfManifest = new Map<KargoManifest, string>();
    for (const source of sources) {
      let manifests = source.contents?.manifests;
      const lastGood = stored.get(source.key)?.content;
      if (!manifests && lastGood !== undefined) {
        try {
          manifests = readManifestSource({
            source: source.target,
            text: lastGood,
          }).manifests;
        } catch {
          manifests = undefined; // reported by getCatalog
        }
      }
      for (const m of manifests ?? []) sourceOfManifest.set(m, source.target);
    }
    const problems = validateProjects(
      [...sourceOfManifest.keys()],
      m => sourceOfManifest.get(m) ?? '',
    );
    if (problems.length > 0) {
      const message = new ManifestError(problems).message;
      for (const source of good) await this.recordError(source, message);
      return;
    }
    const locationKeys = new Set(sources.map(s => s.key));
    const clusterOwners = clusterScopedOwners(stored, locationKeys);
    for (const source of good) {
      const projects = projectsOf(source.contents);
      try {
        await this.assertProjectsFree(projects, source.key, locationKeys);
        for (const name of clusterScopedNames(source.contents.manifests)) {
          const owner = clusterOwners.get(name);
          if (owner) {
            throw new ConflictError(`${name} is already defined by ${owner}`);
          }
        }
      } catch (error) {
        await this.recordError(
          source,
          error instanceof ConflictError
            ? error.message
            : `could not load ${source.target}: ${stringifyError(error)}`,
        );
        continue;
      }
      const { changed, version } =
        await this.options.store.saveDefinitionVersion({
          sourceKey: source.key,
          kind: source.kind,
          target: source.target,
          content: source.contents.storableText,
          projects,
          notes: source.contents.notes,
        });
      // Later locations of this sync check their cluster-scoped manifests against this version.
      stored.set(source.key, {
        sourceKey: source.key,
        kind: source.kind,
        target: source.target,
        version,
        content: source.contents.storableText,
      });
      if (changed) {
        this.options.logger.info(
          `Loaded Kargo manifests ${source.target} (version ${version})`,
        );
      }
    }
  }

  private async read(kind: 'file' | 'url', target: string): Promise<string> {
    if (kind === 'file') return fs.readFile(target, 'utf8');
    const response = await this.options.urlReader.readUrl(target);
    return (await response.buffer()).toString('utf8');
  }

  /**
   * A project belongs to one source, or to the files of one configured location: no other source may define it
   * too.
   */
  private async assertProjectsFree(
    projects: string[],
    key: string,
    sameLocation: ReadonlySet<string> = new Set(),
  ) {
    const sources = await this.options.store.listDefinitionSources();
    for (const source of sources) {
      if (source.key === key || sameLocation.has(source.key) || !source.version)
        continue;
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
  ): { project: string; contents: ManifestSourceContents } {
    let contents: ManifestSourceContents;
    try {
      contents = parseSource('manifests', text);
    } catch (error) {
      if (error instanceof ManifestError) throw new InputError(error.message);
      throw error;
    }
    const manifests = contents.manifests;
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
    const others = projectsOf(contents).filter(p => p !== project);
    if (others.length > 0) {
      throw new InputError(
        `manifests: every document must belong to project "${project}"; found ${others.join(
          ', ',
        )}`,
      );
    }
    const cluster = manifests.filter(
      m => !m.metadata.namespace && m.kind !== 'Project',
    );
    if (cluster.length > 0) {
      throw new InputError(
        `manifests: cluster-scoped ${cluster[0].kind} "${cluster[0].metadata.name}" can only come from a configured manifest source (kargo.definitions)`,
      );
    }
    return { project, contents };
  }

  /** Creates a project from manifests posted to the API. */
  async createProject(text: string, actor: string): Promise<string> {
    const { project, contents } = this.parseApiManifests(text);
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
      content: contents.storableText,
      projects: [project],
      notes: contents.notes,
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
    const { contents } = this.parseApiManifests(text, project);
    await this.options.store.saveDefinitionVersion({
      sourceKey: sourceKey('api', project),
      kind: 'api',
      target: project,
      content: contents.storableText,
      notes: contents.notes,
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
