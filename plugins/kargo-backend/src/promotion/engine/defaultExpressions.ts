import {
  configMapFunctions,
  ExpressionFunctions,
  freightStatusFunctions,
  sharedSecretFunctions,
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

/**
 * Where `secret(name)` reads a project's secrets and `sharedSecret(name)` the shared ones (`ProjectSecrets` of
 * `kargo.secrets` and `kargo.sharedSecrets` fits).
 */
export interface ProjectSecretsSource {
  get(project: string, name: string): Record<string, string> | undefined;
  getShared?(name: string): Record<string, string> | undefined;
}

/** Where `configMap(name)` and `sharedConfigMap(name)` read (`ProjectConfigMaps` of `kargo.configMaps` fits). */
export interface ConfigMapsSource {
  get(project: string, name: string): Record<string, string> | undefined;
  getShared(name: string): Record<string, string> | undefined;
}

/** Config maps of one project, or the shared ones, as a lookup by name. */
class ConfigMapLookup extends Map<string, Record<string, string>> {
  constructor(
    private readonly read: (name: string) => Record<string, string> | undefined,
  ) {
    super();
  }

  override get(name: string) {
    return this.read(name);
  }
}

/** The secrets of one project as the `secret()` function reads them, reporting each value it hands out. */
class RevealingSecrets extends Map<string, Record<string, string>> {
  constructor(
    private readonly read: (name: string) => Record<string, string> | undefined,
    private readonly reveal: (value: string) => void,
  ) {
    super();
  }

  override get(name: string): Record<string, string> | undefined {
    const data = this.read(name);
    for (const value of Object.values(data ?? {})) this.reveal(value);
    return data;
  }
}

/**
 * The engine's expressions on Kargo's expression language (`../expressions`). `secrets`, when given, backs
 * `secret(name)` and `sharedSecret(name)`; every value they hand to an expression is reported for redaction.
 * `configMaps` backs `configMap(name)` and `sharedConfigMap(name)`.
 */
export function createStepExpressions(
  options: {
    secrets?: ProjectSecretsSource;
    configMaps?: ConfigMapsSource;
  } = {},
): StepExpressions {
  const { secrets, configMaps } = options;
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
    metadataFunctions: (metadata, freightAliases) => ({
      ...metadataFunctions(metadata, freightAliases),
      ...(metadata.freightStatus
        ? freightStatusFunctions(metadata.freightStatus, freightAliases)
        : {}),
    }),
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
          ): ExpressionFunctions => ({
            ...secretFunctions(
              new RevealingSecrets(name => secrets.get(project, name), reveal),
            ),
            ...sharedSecretFunctions(
              new RevealingSecrets(name => secrets.getShared?.(name), reveal),
            ),
          }),
        }
      : {}),
    ...(configMaps
      ? {
          configMapFunctions: (project: string): ExpressionFunctions =>
            configMapFunctions(
              new ConfigMapLookup(name => configMaps.get(project, name)),
              new ConfigMapLookup(name => configMaps.getShared(name)),
            ),
        }
      : {}),
  };
}
