import {
  AnalysisTemplateManifest,
  ClusterConfigManifest,
  KargoManifest,
  ManifestProblem,
  PromotionTaskSpec,
  StageManifest,
  WarehouseManifest,
  orderStages,
} from '@kargo-portal/plugin-kargo-common';
import { promotionWindowProblems } from '../windows/promotionWindows';

/** The manifests of one Kargo project. */
export interface ProjectDefinition {
  name: string;
  warehouses: WarehouseManifest[];
  stages: StageManifest[];
  manifests: KargoManifest[];
  /** The project's Argo Rollouts AnalysisTemplates, kept for stage verification. */
  analysisTemplates: AnalysisTemplateManifest[];
}

function projectName(manifest: KargoManifest): string | undefined {
  return manifest.kind === 'Project'
    ? manifest.metadata.name
    : manifest.metadata.namespace;
}

const emptyProject = (name: string): ProjectDefinition => ({
  name,
  warehouses: [],
  stages: [],
  manifests: [],
  analysisTemplates: [],
});

function groupByProject(manifests: KargoManifest[]) {
  const projects = new Map<string, ProjectDefinition>();
  for (const manifest of manifests) {
    const name = projectName(manifest);
    if (!name) continue; // cluster-scoped (ClusterPromotionTask)
    let project = projects.get(name);
    if (!project) {
      project = emptyProject(name);
      projects.set(name, project);
    }
    project.manifests.push(manifest);
    if (manifest.kind === 'Warehouse') project.warehouses.push(manifest);
    if (manifest.kind === 'Stage') project.stages.push(manifest);
  }
  return projects;
}

/**
 * What a project's manifests must agree on beyond each document's schema: unique names, a Project document,
 * requested warehouses and upstream stages that exist, and no cycle between stages. The manifests may come from
 * several files (a repository's `kargo/*.yaml`); `source` names the file of each in the problems.
 */
export function validateProjects(
  manifests: KargoManifest[],
  source: string | ((manifest: KargoManifest) => string),
): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const sourceOf = (m: KargoManifest | undefined) =>
    typeof source === 'string' || !m ? String(source) : source(m);
  const problem = (
    at: KargoManifest | undefined,
    path: string,
    message: string,
  ) => problems.push({ source: sourceOf(at), document: 0, path, message });

  const seen = new Set<string>();
  for (const m of manifests) {
    const key = `${m.kind}/${projectName(m) ?? ''}/${m.metadata.name}`;
    if (seen.has(key)) {
      problem(m, `${m.kind} ${m.metadata.name}`, 'is defined twice');
    }
    seen.add(key);
  }

  for (const project of groupByProject(manifests).values()) {
    if (!project.manifests.some(m => m.kind === 'Project')) {
      problem(
        project.manifests[0],
        `project ${project.name}`,
        'has no Project document; add one (kind: Project, metadata.name: ' +
          `${project.name})`,
      );
    }
    const warehouses = new Set(project.warehouses.map(w => w.metadata.name));
    const stages = new Set(project.stages.map(s => s.metadata.name));
    for (const stage of project.stages) {
      stage.spec.requestedFreight.forEach((request, i) => {
        const at = `Stage ${stage.metadata.name}: spec.requestedFreight[${i}]`;
        if (!warehouses.has(request.origin.name)) {
          problem(
            stage,
            `${at}.origin.name`,
            `Warehouse "${request.origin.name}" is not defined in project "${project.name}"`,
          );
        }
        for (const upstream of request.sources.stages ?? []) {
          if (!stages.has(upstream)) {
            problem(
              stage,
              `${at}.sources.stages`,
              `Stage "${upstream}" is not defined in project "${project.name}"`,
            );
          }
        }
      });
    }
    try {
      orderStages(project.stages);
    } catch (error) {
      problem(
        project.stages[0],
        `project ${project.name}`,
        String((error as Error).message),
      );
    }
    // Promotion windows act on every promotion: one that cannot be evaluated is refused at load.
    for (const m of project.manifests) {
      if (m.kind !== 'ProjectConfig') continue;
      for (const p of promotionWindowProblems(m)) {
        problem(m, `ProjectConfig ${m.metadata.name}: ${p.path}`, p.message);
      }
    }
  }
  return problems;
}

/**
 * The projects defined by the current manifests, and the cluster-scoped ClusterPromotionTasks,
 * ClusterAnalysisTemplates and ClusterConfig, for reading.
 */
export class DefinitionCatalog {
  static fromManifests(
    manifests: KargoManifest[],
    analysisTemplates: AnalysisTemplateManifest[] = [],
  ): DefinitionCatalog {
    const clusterTasks = new Map<string, PromotionTaskSpec>();
    let clusterConfig: ClusterConfigManifest | undefined;
    for (const m of manifests) {
      if (m.kind === 'ClusterPromotionTask') {
        clusterTasks.set(m.metadata.name, m.spec);
      }
      if (m.kind === 'ClusterConfig') clusterConfig ??= m;
    }
    const projects = groupByProject(manifests);
    const clusterTemplates = new Map<string, AnalysisTemplateManifest>();
    for (const template of analysisTemplates) {
      const namespace = template.metadata.namespace;
      if (template.kind === 'ClusterAnalysisTemplate' || !namespace) {
        clusterTemplates.set(template.metadata.name, template);
        continue;
      }
      // Templates of a project no source defines have no stage to verify.
      projects.get(namespace)?.analysisTemplates.push(template);
    }
    return new DefinitionCatalog(
      projects,
      clusterTasks,
      clusterTemplates,
      clusterConfig,
    );
  }

  private constructor(
    private readonly projects: Map<string, ProjectDefinition>,
    private readonly clusterTasks: Map<string, PromotionTaskSpec>,
    private readonly clusterAnalysisTemplates: Map<
      string,
      AnalysisTemplateManifest
    >,
    private readonly clusterConfig: ClusterConfigManifest | undefined,
  ) {}

  /** An AnalysisTemplate of a project, for stage verification. */
  getAnalysisTemplate(
    project: string,
    name: string,
  ): AnalysisTemplateManifest | undefined {
    return this.projects
      .get(project)
      ?.analysisTemplates.find(t => t.metadata.name === name);
  }

  /** A ClusterAnalysisTemplate, for stage verification. */
  getClusterAnalysisTemplate(
    name: string,
  ): AnalysisTemplateManifest | undefined {
    return this.clusterAnalysisTemplates.get(name);
  }

  /** Kargo's ClusterConfig ("cluster"), when a source defines it: webhook receivers shared by all projects. */
  getClusterConfig(): ClusterConfigManifest | undefined {
    return this.clusterConfig;
  }

  /** The spec of a PromotionTask of a project. */
  getPromotionTask(
    project: string,
    name: string,
  ): PromotionTaskSpec | undefined {
    for (const m of this.projects.get(project)?.manifests ?? []) {
      if (m.kind === 'PromotionTask' && m.metadata.name === name) return m.spec;
    }
    return undefined;
  }

  /** The spec of a ClusterPromotionTask. */
  getClusterPromotionTask(name: string): PromotionTaskSpec | undefined {
    return this.clusterTasks.get(name);
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
