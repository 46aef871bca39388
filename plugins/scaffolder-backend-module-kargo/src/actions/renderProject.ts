import {
  KARGO_API_VERSION,
  KARGO_PROJECT_OWNERS_ANNOTATION,
  KargoManifest,
} from '@kargo-portal/plugin-kargo-common';

/** What a new service's Kargo project is made of. */
export interface ProjectSpec {
  project: string;
  stages: string[];
  image?: { repoURL: string; constraint?: string };
  git?: { repoURL: string; branch: string };
  warehouse: string;
  /** Entity refs owning the project (annotation `kargo-portal/owners`); none when empty. */
  owners?: string[];
}

/**
 * The Kargo manifests of a linear pipeline: a Project, one Warehouse with the image and/or Git subscriptions, and
 * the stages in order, the first fed by the warehouse and each next one by the stage before it.
 */
export function renderProject(spec: ProjectSpec): KargoManifest[] {
  const namespace = spec.project;
  const subscriptions: Array<Record<string, unknown>> = [];
  if (spec.image) {
    subscriptions.push({
      image: {
        repoURL: spec.image.repoURL,
        imageSelectionStrategy: 'SemVer',
        ...(spec.image.constraint ? { constraint: spec.image.constraint } : {}),
      },
    });
  }
  if (spec.git) {
    subscriptions.push({
      git: {
        repoURL: spec.git.repoURL,
        branch: spec.git.branch,
        commitSelectionStrategy: 'NewestFromBranch',
      },
    });
  }
  const origin = { kind: 'Warehouse' as const, name: spec.warehouse };
  return [
    {
      apiVersion: KARGO_API_VERSION,
      kind: 'Project',
      metadata: {
        name: spec.project,
        ...(spec.owners?.length
          ? {
              annotations: {
                [KARGO_PROJECT_OWNERS_ANNOTATION]: spec.owners.join(', '),
              },
            }
          : {}),
      },
    },
    {
      apiVersion: KARGO_API_VERSION,
      kind: 'Warehouse',
      metadata: { name: spec.warehouse, namespace },
      spec: { subscriptions },
    },
    ...spec.stages.map(
      (stage, i): KargoManifest => ({
        apiVersion: KARGO_API_VERSION,
        kind: 'Stage',
        metadata: { name: stage, namespace },
        spec: {
          requestedFreight: [
            {
              origin,
              sources:
                i === 0 ? { direct: true } : { stages: [spec.stages[i - 1]] },
            },
          ],
        },
      }),
    ),
  ];
}
