import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Configuration of the Kargo Portal backend plugin. */
  kargo?: {
    /**
     * Where Kargo manifests (`kargo.akuity.io/v1alpha1`) are read from. Each file or URL is one source: its good
     * versions are kept in the database, and a version that does not validate is refused with its error stored,
     * keeping the last good one. A project belongs to one source.
     *
     * `type: file` targets are paths or globs, relative to the backend's working directory as with catalog
     * locations (`packages/backend` when started with `yarn start`). `type: url` targets are read through
     * Backstage's UrlReader, so a file in a Git repository of a configured integration works
     * (e.g. `https://github.com/acme/gitops/blob/main/kargo/project.yaml`).
     */
    definitions?: Array<{
      /** The kind of location. */
      type: 'file' | 'url';
      /** A path, glob or URL. */
      target: string;
    }>;
    /**
     * How often the configured definitions are read again (one replica does it for all).
     * Default: every minute, with a two-minute timeout.
     */
    definitionsSchedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    /**
     * How often the backend looks for warehouses due for discovery (each is discovered at its own `interval`,
     * or at once after a refresh request or a webhook; one replica polls for all). Default: every 15 seconds.
     */
    warehousesSchedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    /**
     * Project secrets, standing in for the Kubernetes Secrets of a Kargo project's namespace:
     * `kargo.secrets.<project>.<secret name>.<key>`. Webhook receivers read the `secret` key of the secret their
     * `secretRef` names; promotion expressions read them with `secret('<name>')`.
     *
     * @deepVisibility secret
     */
    secrets?: {
      [project: string]: {
        [name: string]: {
          [key: string]: string;
        };
      };
    };
  };
}
