import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { resolveInWorkDir } from './paths';

/** The names kustomize looks for in a directory, in its order. */
export const KUSTOMIZATION_FILE_NAMES = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

/**
 * Checks, before kustomize runs, that every local file and directory a kustomization refers to, through its
 * bases and components, lies inside the work directory (symbolic links followed). Kargo confines kustomize to
 * the work directory with a secure file system; an external kustomize has none, so what it would read is
 * checked here: a reference that leaves the work directory, or that is not a local path (a remote base, which
 * kustomize would fetch), is refused with the kustomization and the reference named.
 */
export async function checkKustomizationRefs(
  workDir: string,
  dir: string,
): Promise<void> {
  const root = await fs.realpath(workDir);
  const seen = new Set<string>();
  const visit = async (kustomizationDir: string): Promise<void> => {
    if (seen.has(kustomizationDir)) return;
    seen.add(kustomizationDir);
    const file = await findKustomization(kustomizationDir);
    if (!file) return;
    const shown = path.relative(root, file);
    let doc: unknown;
    try {
      doc = YAML.parse(await fs.readFile(file, 'utf8'));
    } catch {
      // kustomize names the problem better; it reads the same file.
      return;
    }
    if (!isRecord(doc)) return;
    for (const { ref, canBeDir } of referencesOf(doc)) {
      if (isRemote(ref)) {
        throw new TerminalStepError(
          `kustomization ${shown} refers to ${JSON.stringify(
            ref,
          )}, which is not in the work directory: remote resources are not fetched`,
        );
      }
      const joined = path.resolve(kustomizationDir, ref);
      let resolved: string;
      try {
        resolved = await resolveInWorkDir(
          root,
          path.relative(root, joined) || '.',
          `kustomization ${shown}: reference ${JSON.stringify(ref)}`,
        );
      } catch (error) {
        if (error instanceof TerminalStepError) {
          throw new TerminalStepError(
            `kustomization ${shown} refers to ${JSON.stringify(
              ref,
            )}, which is outside the promotion's work directory`,
          );
        }
        throw error;
      }
      if (canBeDir) {
        const stats = await fs.stat(resolved).catch(() => undefined);
        if (stats?.isDirectory()) await visit(resolved);
      }
    }
  };
  await visit(await fs.realpath(dir));
}

async function findKustomization(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const file = path.join(dir, name);
    try {
      if ((await fs.stat(file)).isFile()) return file;
    } catch {
      // not this name
    }
  }
  return undefined;
}

/** The local references of a kustomization, and whether each may be a directory (a base or component). */
function referencesOf(
  doc: Record<string, unknown>,
): Array<{ ref: string; canBeDir: boolean }> {
  const refs: Array<{ ref: string; canBeDir: boolean }> = [];
  const add = (value: unknown, canBeDir = false) => {
    // Inline content (a patch or a generator written in place) holds a line break; it is not a path.
    if (typeof value === 'string' && value !== '' && !value.includes('\n')) {
      refs.push({ ref: value, canBeDir });
    }
  };
  const each = (value: unknown, fn: (item: unknown) => void) => {
    if (Array.isArray(value)) value.forEach(fn);
  };
  for (const key of ['resources', 'bases', 'components']) {
    each(doc[key], item => add(item, true));
  }
  for (const key of [
    'crds',
    'configurations',
    'patchesStrategicMerge',
    'transformers',
    'generators',
    'validators',
  ]) {
    each(doc[key], item =>
      add(item, key !== 'crds' && key !== 'configurations'),
    );
  }
  for (const key of ['patches', 'patchesJson6902', 'replacements']) {
    each(doc[key], item => isRecord(item) && add(item.path));
  }
  for (const key of ['configMapGenerator', 'secretGenerator']) {
    each(doc[key], generator => {
      if (!isRecord(generator)) return;
      each(generator.files, entry =>
        // `key=path` names the key the file's content goes under.
        add(typeof entry === 'string' ? entry.replace(/^[^=]*=/, '') : entry),
      );
      each(generator.envs, add);
      add(generator.env);
    });
  }
  each(doc.helmCharts, chart => {
    if (!isRecord(chart)) return;
    add(chart.valuesFile);
    each(chart.additionalValuesFiles, add);
  });
  if (isRecord(doc.helmGlobals)) {
    add(doc.helmGlobals.chartHome, true);
    add(doc.helmGlobals.configHome, true);
  }
  if (isRecord(doc.openapi)) add(doc.openapi.path);
  return refs;
}

/** A reference kustomize would fetch rather than read: a URL, an scp-like Git address, or a known Git host. */
function isRemote(ref: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(ref) ||
    /^[\w.-]+@[\w.-]+:/.test(ref) ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(ref)
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
