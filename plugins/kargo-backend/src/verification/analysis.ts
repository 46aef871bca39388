import {
  AnalysisMetric,
  AnalysisTemplateArg,
  FreightRecord,
  StageManifest,
  analysisTemplateSpecSchema,
  resolvedAnalysisMetricSchema,
} from '@kargo-portal/plugin-kargo-common';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import {
  evaluateTemplate,
  freightFunctions,
  utilityFunctions,
} from '../expressions';
import { AnalysisArg, VerificationAnalysis } from '../stores/VerificationStore';

/** A verification that cannot run as its stage and templates are written: it ends in Error with this message. */
export class AnalysisSetupError extends Error {
  override name = 'AnalysisSetupError';
}

const errorText = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

/** The stage's `verification.args` values, evaluated with `ctx`, `vars` and the freight functions, as Kargo does. */
function evaluateStageArgs(options: {
  project: string;
  stage: StageManifest;
  catalog: DefinitionCatalog;
  freight: FreightRecord[];
}): Array<{ name: string; value: string }> {
  const { project, stage } = options;
  const warehouses = options.catalog.getProject(project)?.warehouses ?? [];
  const origins = stage.spec.requestedFreight.map(r => ({
    origin: r.origin,
    subscriptions: warehouses.find(w => w.metadata.name === r.origin.name)?.spec
      .subscriptions,
  }));
  const functions = {
    ...utilityFunctions(),
    ...freightFunctions(options.freight, origins),
  };
  const ctx = { project, stage: stage.metadata.name };
  const vars: Record<string, unknown> = {};
  for (const v of [
    ...(stage.spec.vars ?? []),
    ...(stage.spec.promotionTemplate?.spec.vars ?? []),
  ]) {
    try {
      vars[v.name] = evaluateTemplate(v.value ?? '', {
        values: { ctx, vars: { ...vars } },
        functions,
      });
    } catch (error) {
      throw new AnalysisSetupError(
        `variable "${v.name}" of stage ${stage.metadata.name}: ${errorText(
          error,
        )}`,
      );
    }
  }
  return (stage.spec.verification?.args ?? []).map(arg => {
    try {
      const value = evaluateTemplate(arg.value, {
        values: { ctx, vars },
        functions,
      });
      return {
        name: arg.name,
        value: typeof value === 'string' ? value : JSON.stringify(value),
      };
    } catch (error) {
      throw new AnalysisSetupError(
        `verification arg "${arg.name}": ${errorText(error)}`,
      );
    }
  });
}

/**
 * What a stage's verification runs, as Kargo builds its AnalysisRun: the metrics of the templates the stage names
 * (an AnalysisTemplate of the project, or a ClusterAnalysisTemplate), their args with the stage's args over the
 * templates' defaults, and the stage's `analysisRunMetadata`. Secret args are kept as references, read when
 * measuring.
 *
 * @throws AnalysisSetupError when a template is missing, metrics repeat, or an arg is undeclared or unresolved
 */
export function resolveAnalysis(options: {
  project: string;
  stage: StageManifest;
  catalog: DefinitionCatalog;
  freight: FreightRecord[];
}): VerificationAnalysis {
  const { project, stage, catalog } = options;
  const verification = stage.spec.verification ?? {};
  const templates: string[] = [];
  const metrics: AnalysisMetric[] = [];
  const declared = new Map<string, AnalysisTemplateArg>();
  for (const ref of verification.analysisTemplates ?? []) {
    const kind = ref.kind ?? 'AnalysisTemplate';
    const template =
      kind === 'ClusterAnalysisTemplate'
        ? catalog.getClusterAnalysisTemplate(ref.name)
        : catalog.getAnalysisTemplate(project, ref.name);
    if (!template) {
      throw new AnalysisSetupError(
        `${kind} "${ref.name}" is not defined${
          kind === 'AnalysisTemplate' ? ` in project ${project}` : ''
        }`,
      );
    }
    const parsed = analysisTemplateSpecSchema.safeParse(template.spec);
    if (!parsed.success) {
      throw new AnalysisSetupError(
        `${kind} "${ref.name}" is not valid: ${parsed.error.issues[0]?.message}`,
      );
    }
    templates.push(`${kind}/${ref.name}`);
    for (const metric of parsed.data.metrics) {
      if (metrics.some(m => m.name === metric.name)) {
        throw new AnalysisSetupError(
          `metric "${metric.name}" is defined by more than one template`,
        );
      }
      metrics.push(metric);
    }
    for (const arg of parsed.data.args ?? []) {
      if (!declared.has(arg.name)) declared.set(arg.name, arg);
    }
  }
  if (metrics.length === 0) {
    throw new AnalysisSetupError(
      `stage ${stage.metadata.name} names no analysis template in spec.verification.analysisTemplates`,
    );
  }
  const given = new Map(
    evaluateStageArgs(options).map(a => [a.name, a.value] as const),
  );
  for (const name of given.keys()) {
    if (!declared.has(name)) {
      throw new AnalysisSetupError(
        `verification arg "${name}" is not declared by any of the templates (${templates.join(
          ', ',
        )})`,
      );
    }
  }
  const args: AnalysisArg[] = [...declared.values()].map(arg => {
    const value = given.get(arg.name) ?? arg.value;
    if (value !== undefined) return { name: arg.name, value };
    if (arg.valueFrom?.secretKeyRef) {
      return { name: arg.name, secretKeyRef: arg.valueFrom.secretKeyRef };
    }
    throw new AnalysisSetupError(`args.${arg.name} was not resolved`);
  });
  return {
    templates,
    metrics,
    args,
    ...(verification.analysisRunMetadata
      ? { metadata: verification.analysisRunMetadata }
      : {}),
  };
}

const ARG_REFERENCE = /\{\{\s*args\.([^}\s]+)\s*\}\}/g;

function substitute(value: unknown, args: Map<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(ARG_REFERENCE, (_, name: string) => {
      const arg = args.get(name);
      if (arg === undefined) {
        throw new Error(`failed to resolve {{args.${name}}}`);
      }
      return arg;
    });
  }
  if (Array.isArray(value)) return value.map(v => substitute(v, args));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, args)]),
    );
  }
  return value;
}

/**
 * A metric with `{{args.<name>}}` replaced by the args' values, secrets read now from `secret(name)` (the
 * project's secrets from config), as Rollouts resolves them when it measures. The values read are passed to
 * `reveal`, for redacting them from measurement messages.
 */
export function resolveMetric(options: {
  metric: Record<string, unknown>;
  args: AnalysisArg[];
  secret: (name: string) => Record<string, string> | undefined;
  reveal: (value: string) => void;
}): AnalysisMetric {
  const values = new Map<string, string>();
  for (const arg of options.args) {
    if ('value' in arg) {
      values.set(arg.name, arg.value);
      continue;
    }
    const { name, key } = arg.secretKeyRef;
    const value = options.secret(name)?.[key];
    if (value === undefined) {
      throw new Error(
        `args.${arg.name}: key "${key}" of secret "${name}" is not configured (kargo.secrets.<project>.${name}.${key})`,
      );
    }
    options.reveal(value);
    values.set(arg.name, value);
  }
  const parsed = resolvedAnalysisMetricSchema.safeParse(
    substitute(options.metric, values),
  );
  if (!parsed.success) {
    throw new Error(
      `metric "${String(
        options.metric.name,
      )}" is not valid once its args are resolved: ${
        parsed.error.issues[0]?.message
      }`,
    );
  }
  return parsed.data;
}
