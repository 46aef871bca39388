import { InputError } from '@backstage/errors';
import { KARGO_API_VERSION } from '@kargo-portal/plugin-kargo-common';
import { ProjectInput } from './projectInput';

/** The Project annotation naming the scaffolder template that created the project. */
export const SCAFFOLDER_TEMPLATE_ANNOTATION =
  'kargo-portal.io/scaffolder-template';

/** A manifest as written: plain JSON, validated afterwards by the backend's own schemas. */
export type ManifestDocument = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
};

/**
 * The Kargo manifests of a project: the Project (annotated with the template that made it), its ProjectConfig when
 * a stage auto-promotes, Warehouses, PromotionTasks and Stages. Checks what the manifest schema cannot see across
 * documents, naming the input field: origins and upstream stages that exist, no cycle, promotion steps on every
 * stage, referenced PromotionTasks that are part of the project.
 */
export function renderProject(
  input: ProjectInput,
  /** The template entity that creates the project, recorded on the Project; none when only written. */
  template: string | undefined,
): ManifestDocument[] {
  const namespace = input.project;
  const warehouses = new Set<string>();
  input.warehouses.forEach((warehouse, i) => {
    if (warehouses.has(warehouse.name)) {
      throw new InputError(
        `warehouses[${i}].name: the warehouse "${warehouse.name}" is listed twice`,
      );
    }
    warehouses.add(warehouse.name);
  });
  const tasks = new Set<string>();
  (input.promotionTasks ?? []).forEach((task, i) => {
    if (tasks.has(task.name)) {
      throw new InputError(
        `promotionTasks[${i}].name: the PromotionTask "${task.name}" is listed twice`,
      );
    }
    tasks.add(task.name);
  });
  const stages = new Map(input.stages.map((stage, i) => [stage.name, i]));
  if (stages.size !== input.stages.length) {
    const repeated = input.stages.findIndex(
      (stage, i) => stages.get(stage.name) !== i,
    );
    throw new InputError(
      `stages[${repeated}].name: the stage "${input.stages[repeated].name}" is listed twice`,
    );
  }

  const stageManifests = input.stages.map((stage, i): ManifestDocument => {
    const field = `stages[${i}]`;
    const warehouse =
      stage.warehouse ??
      (input.warehouses.length === 1 ? input.warehouses[0].name : undefined);
    if (warehouse === undefined) {
      throw new InputError(
        `${field}.warehouse: required when the project has several warehouses`,
      );
    }
    if (!warehouses.has(warehouse)) {
      throw new InputError(
        `${field}.warehouse: no warehouse "${warehouse}" in "warehouses"`,
      );
    }
    for (const upstream of stage.upstreamStages ?? []) {
      if (!stages.has(upstream) || upstream === stage.name) {
        throw new InputError(
          `${field}.upstreamStages: "${upstream}" is not another stage of the project`,
        );
      }
    }
    if ((stage.promotionTask === undefined) === (stage.steps === undefined)) {
      throw new InputError(
        `${field}: set exactly one of "promotionTask" and "steps": a stage without promotion steps cannot be promoted to`,
      );
    }
    const task = stage.promotionTask;
    if (task && (task.kind ?? 'PromotionTask') === 'PromotionTask') {
      if (!tasks.has(task.name)) {
        throw new InputError(
          `${field}.promotionTask.name: no PromotionTask "${task.name}" in "promotionTasks" (a project's PromotionTasks are part of its manifests; use kind ClusterPromotionTask for a shared one)`,
        );
      }
    }
    const vars = [...(stage.vars ?? [])];
    const appVars: Array<{ name: string; value: string }> = [];
    if (stage.argocdApp) {
      const used = usesArgocdAppVar(
        task && (task.kind ?? 'PromotionTask') === 'PromotionTask'
          ? input.promotionTasks?.find(t => t.name === task.name)?.steps
          : stage.steps,
      );
      if (used === false) {
        throw new InputError(
          `${field}.argocdApp: ${
            task
              ? `the PromotionTask "${task.name}" never uses`
              : 'its steps never use'
          } \${{ vars.argocdApp }}, so the app would not be updated`,
        );
      }
      appVars.push({ name: 'argocdApp', value: stage.argocdApp.name });
      if (stage.argocdApp.namespace) {
        appVars.push({
          name: 'argocdAppNamespace',
          value: stage.argocdApp.namespace,
        });
      }
      const given = [...vars, ...(task?.vars ?? [])].map(v => v.name);
      if (appVars.some(v => given.includes(v.name))) {
        throw new InputError(
          `${field}: argocdApp sets the variables ${appVars
            .map(v => v.name)
            .join(' and ')}; do not set them in vars too`,
        );
      }
    }
    // A task's variables are given with the task step (they fill the task's own vars); inline steps see the
    // promotion's variables.
    const steps = task
      ? [
          {
            task: {
              name: task.name,
              ...(task.kind && { kind: task.kind }),
            },
            ...((task.vars || appVars.length > 0) && {
              vars: [...(task.vars ?? []), ...appVars],
            }),
          },
        ]
      : stage.steps;
    if (!task) vars.push(...appVars);
    const upstream = stage.upstreamStages ?? [];
    return {
      apiVersion: KARGO_API_VERSION,
      kind: 'Stage',
      metadata: { name: stage.name, namespace },
      spec: {
        requestedFreight: [
          {
            origin: { kind: 'Warehouse', name: warehouse },
            sources:
              upstream.length > 0 ? { stages: upstream } : { direct: true },
          },
        ],
        promotionTemplate: {
          spec: { ...(vars.length > 0 && { vars }), steps },
        },
      },
    };
  });
  checkNoCycle(input);

  const policies = input.stages
    .filter(stage => stage.autoPromotion !== undefined)
    .map(stage => ({
      stage: stage.name,
      autoPromotionEnabled: stage.autoPromotion,
    }));

  return [
    {
      apiVersion: KARGO_API_VERSION,
      kind: 'Project',
      metadata: {
        name: input.project,
        ...(template && {
          annotations: { [SCAFFOLDER_TEMPLATE_ANNOTATION]: template },
        }),
      },
    },
    ...(policies.length > 0
      ? [
          {
            apiVersion: KARGO_API_VERSION,
            kind: 'ProjectConfig',
            metadata: { name: input.project, namespace },
            spec: { promotionPolicies: policies },
          },
        ]
      : []),
    ...input.warehouses.map(
      (warehouse): ManifestDocument => ({
        apiVersion: KARGO_API_VERSION,
        kind: 'Warehouse',
        metadata: { name: warehouse.name, namespace },
        spec: {
          ...(warehouse.interval && { interval: warehouse.interval }),
          ...(warehouse.freightCreationPolicy && {
            freightCreationPolicy: warehouse.freightCreationPolicy,
          }),
          subscriptions: warehouse.subscriptions,
        },
      }),
    ),
    ...(input.promotionTasks ?? []).map(
      (task): ManifestDocument => ({
        apiVersion: KARGO_API_VERSION,
        kind: 'PromotionTask',
        metadata: { name: task.name, namespace },
        spec: { ...(task.vars && { vars: task.vars }), steps: task.steps },
      }),
    ),
    ...stageManifests,
  ];
}

/**
 * Whether steps read `vars.argocdApp`; undefined when they cannot be seen here (a ClusterPromotionTask).
 */
function usesArgocdAppVar(steps: unknown[] | undefined): boolean | undefined {
  if (steps === undefined) return undefined;
  return /\bvars\.argocdApp\b/.test(JSON.stringify(steps));
}

/** Freight must be able to reach every stage: upstream links may not loop. */
function checkNoCycle(input: ProjectInput) {
  const upstreamOf = new Map(
    input.stages.map(stage => [stage.name, stage.upstreamStages ?? []]),
  );
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new InputError(
        `stages: the upstream stages form a cycle: ${[...path, name].join(
          ' <- ',
        )}`,
      );
    }
    state.set(name, 'visiting');
    for (const upstream of upstreamOf.get(name) ?? []) {
      visit(upstream, [...path, name]);
    }
    state.set(name, 'done');
  };
  for (const stage of input.stages) visit(stage.name, []);
}
