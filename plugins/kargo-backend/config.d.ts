export interface Config {
  /** Configuration of the Kargo Portal backend plugin. */
  kargo?: {
    /**
     * Where Kargo manifests (`kargo.akuity.io/v1alpha1`) are read from at startup.
     *
     * `type: file` targets are paths or globs, relative to the backend's working directory as with catalog
     * locations (`packages/backend` when started with `yarn start`).
     */
    definitions?: Array<{
      /** The kind of location. */
      type: 'file';
      /** A path or glob, e.g. `../../examples/kargo/*.yaml`. */
      target: string;
    }>;
  };
}
