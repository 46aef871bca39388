import {
  ExpressionFunctions,
  evaluateCondition,
  evaluateConfig,
  evaluateTemplate,
  freightFunctions,
  metadataFunctions,
  secretFunctions,
  statusFunctions,
  utilityFunctions,
} from '../../expressions';
import { StepExpressions } from './expressions';

/** Where `secret(name)` reads a project's secrets (`ProjectSecrets` of `kargo.secrets` fits). */
export interface ProjectSecretsSource {
  get(project: string, name: string): Record<string, string> | undefined;
}

/** The secrets of one project as the `secret()` function reads them, reporting each value it hands out. */
class RevealingSecrets extends Map<string, Record<string, string>> {
  constructor(
    private readonly source: ProjectSecretsSource,
    private readonly project: string,
    private readonly reveal: (value: string) => void,
  ) {
    super();
  }

  override get(name: string): Record<string, string> | undefined {
    const data = this.source.get(this.project, name);
    for (const value of Object.values(data ?? {})) this.reveal(value);
    return data;
  }
}

/**
 * The engine's expressions on Kargo's expression language (`../expressions`). `secrets`, when given, backs
 * `secret(name)`; every value it hands to an expression is reported for redaction.
 */
export function createStepExpressions(
  options: { secrets?: ProjectSecretsSource } = {},
): StepExpressions {
  const { secrets } = options;
  return {
    evaluateTemplate: (text, env) => evaluateTemplate(text, env),
    evaluateCondition: (text, env) => evaluateCondition(text, env),
    evaluateConfig: (config, env) => evaluateConfig(config, env),
    utilityFunctions: () => utilityFunctions(),
    freightFunctions: (freight, origins) =>
      freightFunctions(
        freight,
        origins.map(o => ({
          origin: o.origin,
          subscriptions: o.subscriptions,
        })),
      ),
    metadataFunctions: (metadata, freightAliases) =>
      metadataFunctions(metadata, freightAliases),
    statusFunctions: (steps, currentAlias) =>
      statusFunctions(
        steps.map(s => ({
          alias: s.alias,
          status: s.status,
          continueOnError: s.continueOnError,
        })),
        currentAlias,
      ),
    ...(secrets
      ? {
          secretFunctions: (
            project: string,
            reveal: (value: string) => void,
          ): ExpressionFunctions =>
            secretFunctions(new RevealingSecrets(secrets, project, reveal)),
        }
      : {}),
  };
}
