import { Config } from '@backstage/config';

/**
 * Project secrets, standing in for the Kubernetes Secrets a Kargo project keeps in its namespace: read from
 * backend config `kargo.secrets.<project>.<name>.<key>`, e.g. the `secret` key of a webhook receiver's
 * `secretRef`. Values are never logged or served by the API.
 */
export class ProjectSecrets {
  static fromConfig(config: Config): ProjectSecrets {
    const secrets = new Map<string, Record<string, string>>();
    const root = config.getOptionalConfig('kargo.secrets');
    for (const project of root?.keys() ?? []) {
      const projectConfig = root!.getConfig(project);
      for (const name of projectConfig.keys()) {
        const entry = projectConfig.getConfig(name);
        const values: Record<string, string> = {};
        for (const key of entry.keys()) values[key] = entry.getString(key);
        secrets.set(`${project}/${name}`, values);
      }
    }
    return new ProjectSecrets(secrets);
  }

  constructor(
    private readonly secrets: Map<string, Record<string, string>> = new Map(),
  ) {}

  /** The keys and values of a project's secret, or undefined when it is not configured. */
  get(project: string, name: string): Record<string, string> | undefined {
    const values = this.secrets.get(`${project}/${name}`);
    return values && { ...values };
  }

  /** Every secret value, for redacting logs. */
  allValues(): string[] {
    return [...this.secrets.values()].flatMap(v => Object.values(v));
  }
}
