import {
  DefinitionSourceStatus,
  ManifestNote,
} from '@kargo-portal/plugin-kargo-common';

/** The current good version of a manifest source. */
export interface StoredDefinition {
  sourceKey: string;
  kind: DefinitionSourceStatus['kind'];
  target: string;
  version: number;
  content: string;
}

/** The manifest sources of the projects (files, URLs, the API) and their versions. */
export interface DefinitionStore {
  /** Changes with every change of a source's current version: readers reload when it moved. */
  getDefinitionRevision(): Promise<number>;
  loadDefinitions(): Promise<StoredDefinition[]>;
  /** Stores a new version when the content changed; else only marks the source checked. */
  saveDefinitionVersion(options: {
    sourceKey: string;
    kind: StoredDefinition['kind'];
    target: string;
    content: string;
    projects: string[];
    /** What became of the documents that are not plain Kargo manifests, and warnings; listed with the source. */
    notes?: ManifestNote[];
    actor?: string;
  }): Promise<{ version: number; changed: boolean }>;
  /** Records why a source failed to load; its last good version stays current. */
  recordDefinitionError(options: {
    sourceKey: string;
    kind: StoredDefinition['kind'];
    target: string;
    error: string;
  }): Promise<void>;
  /** Drops a source's current version; returns whether it had one. */
  removeDefinitionSource(sourceKey: string): Promise<boolean>;
  listDefinitionSources(): Promise<DefinitionSourceStatus[]>;
}
