import { parseAllDocuments } from 'yaml';
import { ZodErrorMap, ZodIssue, ZodIssueCode, ZodParsedType } from 'zod';
import { formatPath } from './common';
import { manifestSchemas } from './schema';
import { KARGO_API_VERSION } from './constants';
import { findUrlCredentials } from './credentials';
import type { KargoKind, KargoManifest } from './types';

/** One problem found in a manifest source. @public */
export interface ManifestProblem {
  /** The file or URL the manifest came from. */
  source: string;
  /** 1-based index of the YAML document within the source; 0 when the problem spans documents. */
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

/** Formats a problem as `source (document N): path: message`. @public */
export function formatProblem(p: ManifestProblem): string {
  // Document 0 marks a problem between documents (e.g. a stage naming a warehouse no document defines).
  const where =
    p.document > 0 ? `${p.source} (document ${p.document})` : p.source;
  return `${where}${p.path ? `: ${p.path}` : ''}: ${p.message}`;
}

const kinds = Object.keys(manifestSchemas) as KargoKind[];

function isKind(value: unknown): value is KargoKind {
  return typeof value === 'string' && (kinds as string[]).includes(value);
}

// Manifests are YAML: name types the way a YAML author sees them.
const TYPE_NAMES: Partial<Record<string, string>> = {
  [ZodParsedType.object]: 'a mapping',
  [ZodParsedType.array]: 'a list',
  [ZodParsedType.string]: 'a string',
  [ZodParsedType.number]: 'a number',
  [ZodParsedType.integer]: 'an integer',
  [ZodParsedType.float]: 'a number with a fraction',
  [ZodParsedType.boolean]: 'a boolean (true or false)',
  [ZodParsedType.null]: 'null',
};
const typeName = (type: string) => TYPE_NAMES[type] ?? type;

const countOf = (n: number | bigint, noun: string) =>
  `${n} ${noun}${Number(n) === 1 ? '' : 's'}`;

/** Messages for the issues zod raises itself; messages given in the schemas take precedence. */
const errorMap: ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case ZodIssueCode.invalid_type:
      if (issue.received === ZodParsedType.undefined) {
        return { message: 'is required' };
      }
      return {
        message: `must be ${typeName(issue.expected)}, got ${typeName(
          issue.received,
        )}`,
      };
    case ZodIssueCode.invalid_literal:
      return {
        message: `must be ${JSON.stringify(
          issue.expected,
        )}, got ${JSON.stringify(ctx.data)}`,
      };
    case ZodIssueCode.invalid_enum_value:
      return {
        message: `must be one of ${issue.options
          .map(option => (option === '' ? '""' : String(option)))
          .join(', ')}, got ${JSON.stringify(issue.received)}`,
      };
    case ZodIssueCode.too_small:
      if (issue.type === 'array') {
        return {
          message: `must have at least ${countOf(issue.minimum, 'item')}`,
        };
      }
      if (issue.type === 'string') {
        return issue.minimum === 1
          ? { message: 'must not be empty' }
          : {
              message: `must be at least ${countOf(
                issue.minimum,
                'character',
              )}`,
            };
      }
      return { message: `must be at least ${issue.minimum}` };
    case ZodIssueCode.too_big:
      if (issue.type === 'array') {
        return {
          message: `must have at most ${countOf(issue.maximum, 'item')}`,
        };
      }
      if (issue.type === 'string') {
        return {
          message: `must be at most ${countOf(issue.maximum, 'character')}`,
        };
      }
      return { message: `must be at most ${issue.maximum}` };
    default:
      return { message: ctx.defaultError };
  }
};

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
  /** Multi-document YAML, at most {@link MAX_MANIFEST_TEXT_LENGTH} characters. */
  text: string;
}

/**
 * The longest manifest text accepted (in characters): a project's manifests are a few kilobytes, and a parse
 * costs memory in proportion to its text.
 *
 * @public
 */
export const MAX_MANIFEST_TEXT_LENGTH = 1024 * 1024;

/**
 * How many times the values of a document may be repeated through YAML aliases (the `yaml` library's
 * `maxAliasCount`): a few anchors are common, a billion laughs is not.
 */
const MAX_ALIAS_COUNT = 100;

/** What is known of a document whose apiVersion and kind are valid, even if the rest is not. */
interface Recognized {
  document: number;
  kind: KargoKind;
  name?: string;
  namespace?: string;
  /** The validated manifest, if the document is valid. */
  manifest?: KargoManifest;
}

const stringOrUndefined = (value: unknown) =>
  typeof value === 'string' ? value : undefined;

/**
 * Parses and validates the Kargo manifests in a multi-document YAML text, applying Kargo's defaults. Documents
 * without a namespace take the name of the Project declared in the same text, as a Kargo project's resources live
 * in the project's namespace; a ProjectConfig without either takes its own name, which must be its project's.
 *
 * @throws ManifestError listing every problem found; nothing is returned from an invalid source.
 * @public
 */
export function parseManifests(
  options: ParseManifestsOptions,
): KargoManifest[] {
  const { source, text } = options;
  const problems: ManifestProblem[] = [];
  const recognized: Recognized[] = [];
  const problem = (document: number, path: string, message: string) =>
    problems.push({ source, document, path, message });

  if (text.length > MAX_MANIFEST_TEXT_LENGTH) {
    problem(
      0,
      '',
      `is ${text.length} characters long, more than the ${MAX_MANIFEST_TEXT_LENGTH} accepted in one manifest source`,
    );
    throw new ManifestError(problems);
  }

  parseAllDocuments(text).forEach((doc, index) => {
    const document = index + 1;
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        // The yaml library appends a source excerpt after the first line; the line and column say enough.
        problem(document, '', error.message.split('\n')[0].replace(/:$/, ''));
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // The yaml library throws (a ReferenceError) when aliases repeat values too often, and may throw on other
      // documents it parsed but cannot build: these are problems of the text, like a syntax error.
      problem(document, '', yamlBuildMessage(error));
      return;
    }
    if (value === null || value === undefined) {
      return; // an empty document, e.g. a trailing `---`
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      problem(document, '', 'must be a mapping');
      return;
    }
    const { apiVersion, kind, metadata } = value as Record<string, unknown>;
    if (apiVersion !== KARGO_API_VERSION) {
      problem(
        document,
        'apiVersion',
        `must be "${KARGO_API_VERSION}", got ${JSON.stringify(apiVersion)}`,
      );
      return;
    }
    if (!isKind(kind)) {
      problem(
        document,
        'kind',
        `must be one of ${kinds.join(', ')}, got ${JSON.stringify(kind)}`,
      );
      return;
    }
    const meta =
      typeof metadata === 'object' && metadata !== null
        ? (metadata as Record<string, unknown>)
        : {};
    const entry: Recognized = {
      document,
      kind,
      name: stringOrUndefined(meta.name),
      namespace: stringOrUndefined(meta.namespace),
    };
    recognized.push(entry);
    let credentials = false;
    findUrlCredentials(value, (path, message) => {
      credentials = true;
      problem(document, path, message);
    });
    const result = manifestSchemas[kind].safeParse(value, { errorMap });
    if (!result.success) {
      for (const issue of result.error.issues) {
        problem(document, formatPath(issue.path), issueMessage(issue));
      }
      return;
    }
    if (!credentials) entry.manifest = result.data;
  });

  resolveNamespaces(recognized, problem);

  if (problems.length > 0) {
    // Stable: problems of one document keep the order they were found in.
    problems.sort((a, b) => a.document - b.document);
    throw new ManifestError(problems);
  }
  return recognized.flatMap(r => (r.manifest ? [r.manifest] : []));
}

function yamlBuildMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/alias/i.test(message)) {
    return `uses YAML aliases to repeat values too often (more than ${MAX_ALIAS_COUNT} times): ${message}`;
  }
  return `cannot be read as YAML: ${message}`;
}

type Report = (document: number, path: string, message: string) => void;

/** Gives namespace-less documents their project's namespace; checks that a ProjectConfig names its project. */
function resolveNamespaces(recognized: Recognized[], problem: Report): void {
  const projects = recognized.filter(r => r.kind === 'Project' && r.name);
  for (const entry of recognized) {
    if (entry.kind === 'Project' || entry.kind === 'ClusterPromotionTask') {
      continue;
    }
    if (entry.kind === 'ProjectConfig') {
      // Kargo requires a ProjectConfig to be named after its project: without a namespace or a Project alongside,
      // its name says where it belongs.
      entry.namespace ??= projects.length === 1 ? projects[0].name : entry.name;
      if (entry.name && entry.namespace !== entry.name) {
        problem(
          entry.document,
          'metadata.name',
          `must be the name of the project, "${entry.namespace}": a project has one ProjectConfig, named after it`,
        );
      }
    } else if (entry.namespace === undefined && projects.length === 1) {
      entry.namespace = projects[0].name;
    } else if (entry.namespace === undefined) {
      problem(
        entry.document,
        'metadata.namespace',
        `is required: it names the Kargo project of this ${entry.kind}`,
      );
    }
    if (entry.manifest && entry.namespace) {
      entry.manifest.metadata.namespace = entry.namespace;
    }
  }
}
