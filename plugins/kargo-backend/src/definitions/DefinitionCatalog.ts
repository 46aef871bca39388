import fs from 'node:fs/promises';
import path from 'node:path';
import { Config } from '@backstage/config';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  KargoManifest,
  ManifestError,
  StageManifest,
  WarehouseManifest,
  parseManifests,
} from '@kargo-portal/plugin-kargo-common';

/** The manifests of one Kargo project. */
export interface ProjectDefinition {
  name: string;
  warehouses: WarehouseManifest[];
  stages: StageManifest[];
  manifests: KargoManifest[];
}

/** A configured source of manifests. */
export interface DefinitionLocation {
  type: 'file';
  target: string;
}

/** Reads the configured manifest locations into the projects they define. */
export class DefinitionCatalog {
  private readonly projects: Map<string, ProjectDefinition>;

  static async create(options: {
    config: Config;
    logger: LoggerService;
    /** Base directory of relative file targets; the working directory by default. */
    baseDir?: string;
  }): Promise<DefinitionCatalog> {
    const locations = readLocations(options.config);
    const baseDir = options.baseDir ?? process.cwd();
    const manifests: KargoManifest[] = [];
    for (const location of locations) {
      const files = await expand(path.resolve(baseDir, location.target));
      if (files.length === 0) {
        options.logger.warn(
          `kargo.definitions: no file matches ${location.target} (resolved from ${baseDir})`,
        );
      }
      for (const file of files) {
        const text = await fs.readFile(file, 'utf8');
        try {
          manifests.push(...parseManifests({ source: file, text }));
        } catch (error) {
          if (error instanceof ManifestError) {
            // One broken file must not take the other projects down with it.
            options.logger.error(`Invalid Kargo manifests:\n${error.message}`);
            continue;
          }
          throw error;
        }
      }
    }
    return DefinitionCatalog.fromManifests(manifests);
  }

  static fromManifests(manifests: KargoManifest[]): DefinitionCatalog {
    const projects = new Map<string, ProjectDefinition>();
    const projectOf = (name: string) => {
      let project = projects.get(name);
      if (!project) {
        project = { name, warehouses: [], stages: [], manifests: [] };
        projects.set(name, project);
      }
      return project;
    };
    for (const manifest of manifests) {
      const name =
        manifest.kind === 'Project'
          ? manifest.metadata.name
          : manifest.metadata.namespace;
      if (!name) continue; // cluster-scoped (ClusterPromotionTask)
      const project = projectOf(name);
      project.manifests.push(manifest);
      if (manifest.kind === 'Warehouse') project.warehouses.push(manifest);
      if (manifest.kind === 'Stage') project.stages.push(manifest);
    }
    return new DefinitionCatalog(projects);
  }

  private constructor(projects: Map<string, ProjectDefinition>) {
    this.projects = projects;
  }

  listProjects(): ProjectDefinition[] {
    return [...this.projects.values()].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
  }

  getProject(name: string): ProjectDefinition | undefined {
    return this.projects.get(name);
  }
}

function readLocations(config: Config): DefinitionLocation[] {
  return (config.getOptionalConfigArray('kargo.definitions') ?? []).map(
    (location, index) => {
      const type = location.getString('type');
      if (type !== 'file') {
        throw new Error(
          `kargo.definitions[${index}].type: unsupported location type "${type}", expected "file"`,
        );
      }
      return { type, target: location.getString('target') };
    },
  );
}

async function expand(pattern: string): Promise<string[]> {
  if (!/[*?[{]/.test(pattern)) {
    return (await exists(pattern)) ? [pattern] : [];
  }
  const files: string[] = [];
  for await (const file of fs.glob(pattern)) files.push(file);
  return files.sort();
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
