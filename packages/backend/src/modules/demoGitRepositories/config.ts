import path from 'node:path';
import { Config } from '@backstage/config';

/** `kargoPortalDemo.gitRepositories`: where the demo keeps the Git repositories that templates publish to. */
export interface DemoGitRepositoriesSettings {
  /** Absolute directory holding one bare repository `<name>.git` per published repository. */
  directory: string;
  /** Branch the repositories publish to and the catalog reads. */
  branch: string;
  /** How often the catalog reads the repositories' `catalog-info.yaml`, in seconds. */
  refreshSeconds: number;
}

/** Reads the settings; undefined when the demo's Git repositories are not configured (a real portal). */
export function readDemoGitRepositoriesSettings(
  config: Config,
): DemoGitRepositoriesSettings | undefined {
  const section = config.getOptionalConfig('kargoPortalDemo.gitRepositories');
  if (!section) return undefined;
  const directory = section.getString('directory');
  if (!path.isAbsolute(directory)) {
    throw new Error(
      `kargoPortalDemo.gitRepositories.directory must be an absolute path, not ${directory}`,
    );
  }
  const refreshSeconds = section.getOptionalNumber('refreshSeconds') ?? 10;
  if (!(refreshSeconds > 0)) {
    throw new Error(
      `kargoPortalDemo.gitRepositories.refreshSeconds must be positive, not ${refreshSeconds}`,
    );
  }
  return {
    directory,
    branch: section.getOptionalString('branch') ?? 'main',
    refreshSeconds,
  };
}
