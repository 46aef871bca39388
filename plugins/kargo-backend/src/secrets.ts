import { Config } from '@backstage/config';

type DataByName = Map<string, Record<string, string>>;

/** Reads `<root>.<name>.<key>` string values. */
function readNamed(config: Config | undefined): DataByName {
  const data: DataByName = new Map();
  for (const name of config?.keys() ?? []) {
    const entry = config!.getConfig(name);
    const values: Record<string, string> = {};
    for (const key of entry.keys()) values[key] = entry.getString(key);
    data.set(name, values);
  }
  return data;
}

/** Reads `<root>.<project>.<name>.<key>` string values, keyed `<project>/<name>`. */
function readByProject(config: Config | undefined): DataByName {
  const data: DataByName = new Map();
  for (const project of config?.keys() ?? []) {
    for (const [name, values] of readNamed(config!.getConfig(project))) {
      data.set(`${project}/${name}`, values);
    }
  }
  return data;
}

const copyOf = (values: Record<string, string> | undefined) =>
  values && { ...values };

/**
 * Project secrets, standing in for the Kubernetes Secrets a Kargo project keeps in its namespace: read from
 * backend config `kargo.secrets.<project>.<name>.<key>`, e.g. the `secret` key of a webhook receiver's
 * `secretRef`. `kargo.sharedSecrets.<name>.<key>` stand in for the Secrets of Kargo's shared resources namespace
 * (`sharedSecret()`), and `kargo.systemSecrets.<name>.<key>` for those of its system resources namespace (the
 * ClusterConfig's webhook receivers). Values are never logged or served by the API.
 */
export class ProjectSecrets {
  static fromConfig(config: Config): ProjectSecrets {
    return new ProjectSecrets(
      readByProject(config.getOptionalConfig('kargo.secrets')),
      readNamed(config.getOptionalConfig('kargo.sharedSecrets')),
      readNamed(config.getOptionalConfig('kargo.systemSecrets')),
    );
  }

  constructor(
    private readonly secrets: DataByName = new Map(),
    private readonly shared: DataByName = new Map(),
    private readonly system: DataByName = new Map(),
  ) {}

  /** The keys and values of a project's secret, or undefined when it is not configured. */
  get(project: string, name: string): Record<string, string> | undefined {
    return copyOf(this.secrets.get(`${project}/${name}`));
  }

  /** A secret shared by all projects (`kargo.sharedSecrets`). */
  getShared(name: string): Record<string, string> | undefined {
    return copyOf(this.shared.get(name));
  }

  /** A secret of the cluster's own configuration (`kargo.systemSecrets`), such as a ClusterConfig receiver's. */
  getSystem(name: string): Record<string, string> | undefined {
    return copyOf(this.system.get(name));
  }

  /** Every secret value, for redacting logs. */
  allValues(): string[] {
    return [this.secrets, this.shared, this.system].flatMap(data =>
      [...data.values()].flatMap(v => Object.values(v)),
    );
  }
}

/**
 * Config maps, standing in for Kubernetes ConfigMaps: a project's at `kargo.configMaps.<project>.<name>.<key>`
 * (`configMap()`), and those of Kargo's shared resources namespace at `kargo.sharedConfigMaps.<name>.<key>`
 * (`sharedConfigMap()`).
 */
export class ProjectConfigMaps {
  static fromConfig(config: Config): ProjectConfigMaps {
    return new ProjectConfigMaps(
      readByProject(config.getOptionalConfig('kargo.configMaps')),
      readNamed(config.getOptionalConfig('kargo.sharedConfigMaps')),
    );
  }

  constructor(
    private readonly configMaps: DataByName = new Map(),
    private readonly shared: DataByName = new Map(),
  ) {}

  get(project: string, name: string): Record<string, string> | undefined {
    return copyOf(this.configMaps.get(`${project}/${name}`));
  }

  getShared(name: string): Record<string, string> | undefined {
    return copyOf(this.shared.get(name));
  }
}
