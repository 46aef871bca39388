import { InputError } from '@backstage/errors';
import {
  GeneratorParams,
  GitDirectoryPattern,
  renderTemplate,
} from './argoCdTemplate';

/** The annotation Kargo reads to let a stage change an Argo CD Application. */
export const AUTHORIZED_STAGE_ANNOTATION = 'kargo.akuity.io/authorized-stage';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** What the ApplicationSet is made of, after the action's defaults are applied. */
export interface ApplicationSetSpec {
  name: string;
  namespace: string;
  kargoProject: string;
  /** Template of the Kargo stage each Application belongs to. */
  stage: string;
  generator:
    | { kind: 'list'; elements: GeneratorParams[] }
    | {
        kind: 'git';
        repoURL: string;
        revision: string;
        directories: GitDirectoryPattern[];
      };
  application: {
    name: string;
    project: string;
    source: {
      repoURL: string;
      targetRevision: string;
      path: string;
      helmValueFiles?: string[];
    };
    destination: { server?: string; name?: string; namespace: string };
    syncPolicy?: {
      automated?: { prune: boolean; selfHeal: boolean };
      createNamespace: boolean;
    };
  };
}

/** An Application the ApplicationSet generates, as the action reports it. */
export interface GeneratedApplication {
  name: string;
  stage: string;
  /** `kargo.akuity.io/authorized-stage` of the Application. */
  authorizedStage: string;
  destinationNamespace: string;
  path: string;
}

/** The ApplicationSet manifest: the template keeps its `{{...}}` tags for Argo CD to fill. */
export function renderApplicationSet(spec: ApplicationSetSpec) {
  const { application } = spec;
  const generator =
    spec.generator.kind === 'list'
      ? { list: { elements: spec.generator.elements } }
      : {
          git: {
            repoURL: spec.generator.repoURL,
            revision: spec.generator.revision,
            directories: spec.generator.directories.map(d =>
              d.exclude ? { path: d.path, exclude: true } : { path: d.path },
            ),
          },
        };
  const syncPolicy = application.syncPolicy && {
    ...(application.syncPolicy.automated && {
      automated: application.syncPolicy.automated,
    }),
    ...(application.syncPolicy.createNamespace && {
      syncOptions: ['CreateNamespace=true'],
    }),
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: spec.name, namespace: spec.namespace },
    spec: {
      generators: [generator],
      template: {
        metadata: {
          name: application.name,
          annotations: {
            [AUTHORIZED_STAGE_ANNOTATION]: `${spec.kargoProject}:${spec.stage}`,
          },
        },
        spec: {
          project: application.project,
          source: {
            repoURL: application.source.repoURL,
            targetRevision: application.source.targetRevision,
            path: application.source.path,
            ...(application.source.helmValueFiles && {
              helm: { valueFiles: application.source.helmValueFiles },
            }),
          },
          destination: {
            ...(application.destination.server !== undefined && {
              server: application.destination.server,
            }),
            ...(application.destination.name !== undefined && {
              name: application.destination.name,
            }),
            namespace: application.destination.namespace,
          },
          ...(syncPolicy &&
            Object.keys(syncPolicy).length > 0 && { syncPolicy }),
        },
      },
    },
  };
}

/**
 * The Applications the generator's parameter sets give, rendered as Argo CD renders them; each must have a valid
 * name, stage and destination namespace, and names must not repeat (Argo CD would refuse the set).
 */
export function renderApplications(
  spec: ApplicationSetSpec,
  parameterSets: GeneratorParams[],
): GeneratedApplication[] {
  const seen = new Map<string, number>();
  return parameterSets.map((params, index) => {
    const which = describe(spec, params, index);
    const fill = (template: string, field: string) => {
      try {
        return renderTemplate(template, params, field);
      } catch (error) {
        throw new InputError(`${(error as Error).message}, for ${which}`);
      }
    };
    const render = (
      template: string,
      field: string,
      pattern: RegExp,
      what: string,
    ) => {
      const value = fill(template, field);
      if (!pattern.test(value) || value.length > 63) {
        throw new InputError(
          `${field}: "${template}" renders "${value}" for ${which}, which is not ${what}`,
        );
      }
      return value;
    };
    const name = render(
      spec.application.name,
      'application.name',
      dnsSubdomain,
      'a valid Application name (a lowercase DNS-1123 name of at most 63 characters)',
    );
    const stage = render(
      spec.stage,
      'stage',
      dnsLabel,
      'a lowercase DNS-1123 label',
    );
    const destinationNamespace = render(
      spec.application.destination.namespace,
      'application.destination.namespace',
      dnsLabel,
      'a lowercase DNS-1123 label',
    );
    const path = fill(spec.application.source.path, 'application.source.path');
    const previous = seen.get(name);
    if (previous !== undefined) {
      throw new InputError(
        `application.name: "${
          spec.application.name
        }" renders "${name}" for both ${describe(
          spec,
          parameterSets[previous],
          previous,
        )} and ${which}`,
      );
    }
    seen.set(name, index);
    return {
      name,
      stage,
      authorizedStage: `${spec.kargoProject}:${stage}`,
      destinationNamespace,
      path,
    };
  });
}

function describe(
  spec: ApplicationSetSpec,
  params: GeneratorParams,
  index: number,
) {
  return spec.generator.kind === 'git'
    ? `directory "${params.path}"`
    : `list element ${index}`;
}
