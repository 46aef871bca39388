import { parseAllDocuments } from 'yaml';
import { ZodIssue } from 'zod';
import { manifestSchemas } from './schema';
import { KARGO_API_VERSION, KargoKind, KargoManifest } from './types';

/** One problem found in a manifest source. @public */
export interface ManifestProblem {
  /** The file or URL the manifest came from. */
  source: string;
  /** 1-based index of the YAML document within the source. */
  document: number;
  /** Dotted path of the offending field, empty for the whole document. */
  path: string;
  message: string;
}

/**
 * Thrown when a manifest source does not parse or validate. The message lists every problem, each naming the
 * source, the document and the field.
 *
 * @public
 */
export class ManifestError extends Error {
  readonly problems: ManifestProblem[];

  constructor(problems: ManifestProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ManifestError';
    this.problems = problems;
  }
}

/** Formats a problem as `source#document: path: message`. @public */
export function formatProblem(p: ManifestProblem): string {
  return `${p.source} (document ${p.document})${p.path ? `: ${p.path}` : ''}: ${
    p.message
  }`;
}

const kinds = Object.keys(manifestSchemas) as KargoKind[];

function isKind(value: unknown): value is KargoKind {
  return typeof value === 'string' && (kinds as string[]).includes(value);
}

function issuePath(issue: ZodIssue): string {
  return issue.path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${part}`,
    )
    .join('');
}

function issueMessage(issue: ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys
      .map(k => `"${k}"`)
      .join(', ')}`;
  }
  return issue.message;
}

/** Options of {@link parseManifests}. @public */
export interface ParseManifestsOptions {
  /** The file or URL the text came from, used in error messages. */
  source: string;
  /** Multi-document YAML. */
  text: string;
}

/**
 * Parses and validates the Kargo manifests in a multi-document YAML text. Documents without a namespace take the
 * name of the Project declared in the same text, as a Kargo project's resources live in the project's namespace.
 *
 * @throws ManifestError listing every problem found; nothing is returned from an invalid source.
 * @public
 */
export function parseManifests(
  options: ParseManifestsOptions,
): KargoManifest[] {
  const { source, text } = options;
  const problems: ManifestProblem[] = [];
  const parsed: Array<{ manifest: KargoManifest; document: number }> = [];

  parseAllDocuments(text).forEach((doc, index) => {
    const document = index + 1;
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        // The yaml library appends a source excerpt after the first line; the line and column say enough.
        const message = error.message.split('\n')[0].replace(/:$/, '');
        problems.push({ source, document, path: '', message });
      }
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) {
      return; // an empty document, e.g. a trailing `---`
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push({
        source,
        document,
        path: '',
        message: 'must be a mapping',
      });
      return;
    }
    const { apiVersion, kind } = value as Record<string, unknown>;
    if (apiVersion !== KARGO_API_VERSION) {
      problems.push({
        source,
        document,
        path: 'apiVersion',
        message: `must be "${KARGO_API_VERSION}", got ${JSON.stringify(
          apiVersion,
        )}`,
      });
      return;
    }
    if (!isKind(kind)) {
      problems.push({
        source,
        document,
        path: 'kind',
        message: `must be one of ${kinds.join(', ')}, got ${JSON.stringify(
          kind,
        )}`,
      });
      return;
    }
    const result = manifestSchemas[kind].safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push({
          source,
          document,
          path: issuePath(issue),
          message: issueMessage(issue),
        });
      }
      return;
    }
    parsed.push({ manifest: result.data, document });
  });

  const projects = parsed.filter(p => p.manifest.kind === 'Project');
  for (const { manifest: m, document } of parsed) {
    if (m.kind === 'Project' || m.kind === 'ClusterPromotionTask') continue;
    if (m.metadata.namespace) continue;
    if (projects.length === 1) {
      m.metadata.namespace = projects[0].manifest.metadata.name;
    } else {
      problems.push({
        source,
        document,
        path: 'metadata.namespace',
        message: `is required: it names the Kargo project of this ${m.kind}`,
      });
    }
  }

  if (problems.length > 0) {
    throw new ManifestError(problems);
  }
  return parsed.map(p => p.manifest);
}
