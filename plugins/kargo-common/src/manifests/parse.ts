import { Document, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { analysisTemplateSpecProblems } from './analysisTemplate';
import { ZodErrorMap, ZodIssue, ZodIssueCode, ZodParsedType } from 'zod';
import { formatPath } from './common';
import { manifestSchemas } from './schema';
import { KARGO_API_VERSION } from './constants';
import { findUrlCredentials } from './credentials';
import { deprecatedTagFieldWarnings } from './subscriptions';
import type { KargoKind, KargoManifest, KargoObjectMeta } from './types';

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

/**
 * What became of a document that is not a plain Kargo manifest, or a warning about one that is:
 *
 * - `kept`: an Argo Rollouts AnalysisTemplate or ClusterAnalysisTemplate, stored for stage verification;
 * - `skipped`: a kind Kargo Portal does not act on (Argo CD Applications, Namespaces, ConfigMaps, ...);
 * - `refused`: a Kargo credentials Secret, never stored (credentials come from backend config);
 * - `deprecated`: a deprecated field read as its replacement;
 * - `warning`: anything else worth knowing, e.g. a key repeated in a mapping (the last one wins, as in kubectl).
 *
 * @public
 */
export interface ManifestNote {
  /** 1-based index of the YAML document within the source. */
  document: number;
  level: 'kept' | 'skipped' | 'refused' | 'deprecated' | 'warning';
  apiVersion?: string;
  kind?: string;
  name?: string;
  /** Dotted path of the field the note is about, empty for the whole document. */
  path: string;
  message: string;
}

/** The Argo Rollouts API group of AnalysisTemplates, as Kargo's verification reads them. @public */
export const ARGO_ROLLOUTS_API_VERSION = 'argoproj.io/v1alpha1';

/**
 * An Argo Rollouts AnalysisTemplate (namespaced: in a project) or ClusterAnalysisTemplate, kept as written for
 * stage verification. Only its envelope is checked here. @public
 */
export interface AnalysisTemplateManifest {
  apiVersion: typeof ARGO_ROLLOUTS_API_VERSION;
  kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate';
  metadata: KargoObjectMeta;
  spec: Record<string, unknown>;
}

/** What a manifest source holds: see {@link readManifestSource}. @public */
export interface ManifestSourceContents {
  manifests: KargoManifest[];
  analysisTemplates: AnalysisTemplateManifest[];
  /** Every document that was kept, skipped or refused, and every warning, in document order. */
  notes: ManifestNote[];
  /**
   * The text to store: the source itself, or, when it holds Secrets, the source without them, so that no
   * credential is ever stored.
   */
  storableText: string;
}

/** What is known of a document whose apiVersion and kind are valid, even if the rest is not. */
interface Recognized {
  document: number;
  kind: KargoKind | AnalysisTemplateManifest['kind'];
  name?: string;
  namespace?: string;
  /** The validated manifest, if the document is valid. */
  manifest?: KargoManifest | AnalysisTemplateManifest;
}

const stringOrUndefined = (value: unknown) =>
  typeof value === 'string' ? value : undefined;

const CREDENTIALS_LABEL = 'kargo.akuity.io/cred-type';

/** Why each kind that real Kargo repositories keep beside their manifests is skipped. */
const SKIPPED_KINDS: Record<string, string> = {
  'argoproj.io/v1alpha1 Application':
    'Argo CD Applications are applied by Argo CD, not read by Kargo Portal; stages reach them through argocd-update',
  'argoproj.io/v1alpha1 ApplicationSet':
    'Argo CD ApplicationSets are applied by Argo CD, not read by Kargo Portal',
  'argoproj.io/v1alpha1 AppProject':
    'Argo CD AppProjects are applied by Argo CD, not read by Kargo Portal',
  'v1 Namespace':
    "a Kargo project's namespace is implied by its Project: Kargo Portal has no namespaces to create",
  'v1 ConfigMap':
    'ConfigMaps are not read from manifest sources: configMap() reads kargo.configMaps in the backend config',
  'v1 Secret':
    'Secrets are not read from manifest sources: secret() reads kargo.secrets in the backend config',
};

const CREDENTIALS_MESSAGE =
  'Kargo credentials are not read from manifest sources and were not stored: Git credentials come from ' +
  "Backstage's integrations (integrations.github, integrations.gitlab, ...), SSH keys for Git from " +
  'kargo.gitSshKeys, and registry and chart repository credentials from kargo.registries in the backend config';

/** The keys repeated in the mappings of a document, as dotted paths: YAML forbids them, kubectl takes the last. */
function repeatedKeys(doc: Document.Parsed): string[] {
  const found: string[] = [];
  const walk = (node: unknown, path: Array<string | number>) => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) continue;
        if (seen.has(key)) found.push(formatPath([...path, key]));
        seen.add(key);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index]));
    }
  };
  walk(doc.contents, []);
  return [...new Set(found)];
}

/** The deprecated fields a raw Warehouse uses, as notes. */
function warehouseDeprecations(
  value: Record<string, unknown>,
): Array<{ path: string; message: string }> {
  const spec = value.spec;
  if (typeof spec !== 'object' || spec === null) return [];
  const subscriptions = (spec as Record<string, unknown>).subscriptions;
  if (!Array.isArray(subscriptions)) return [];
  return subscriptions.flatMap((subscription: unknown, index) =>
    ['image', 'git'].flatMap(type => {
      const entry =
        typeof subscription === 'object' && subscription !== null
          ? (subscription as Record<string, unknown>)[type]
          : undefined;
      if (typeof entry !== 'object' || entry === null) return [];
      return deprecatedTagFieldWarnings(entry as Record<string, unknown>).map(
        ([field, message]) => ({
          path: formatPath(['spec', 'subscriptions', index, type, field]),
          message,
        }),
      );
    }),
  );
}

/** Checks the envelope of an AnalysisTemplate or ClusterAnalysisTemplate. */
function analysisTemplateProblems(
  value: Record<string, unknown>,
): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const { metadata, spec } = value;
  const meta =
    typeof metadata === 'object' && metadata !== null
      ? (metadata as Record<string, unknown>)
      : undefined;
  if (!meta || typeof meta.name !== 'string' || meta.name === '') {
    problems.push(['metadata.name', 'is required']);
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    problems.push(['spec', 'must be a mapping']);
    return problems;
  }
  const kind = String(value.kind);
  const name = typeof meta?.name === 'string' ? meta.name : '';
  problems.push(...analysisTemplateSpecProblems(`${kind} "${name}"`, spec));
  return problems;
}

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
  return readManifestSource(options).manifests;
}

/**
 * Reads a manifest source as real repositories write them: the Kargo manifests (validated as
 * {@link parseManifests} does), the AnalysisTemplates kept for verification, and a note for every other document
 * (skipped, or refused for a Kargo credentials Secret) and every warning (deprecated fields, repeated keys, of
 * which the last wins as in kubectl).
 *
 * @throws ManifestError listing every problem found; nothing is returned from an invalid source.
 * @public
 */
export function readManifestSource(
  options: ParseManifestsOptions,
): ManifestSourceContents {
  const { source, text } = options;
  const problems: ManifestProblem[] = [];
  const notes: ManifestNote[] = [];
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

  const docs = parseAllDocuments(text, { uniqueKeys: false });
  const documents = Array.isArray(docs) ? docs : [];
  const secretDocuments = new Set<number>();
  documents.forEach((doc, index) => {
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
    const meta =
      typeof metadata === 'object' && metadata !== null
        ? (metadata as Record<string, unknown>)
        : {};
    const name = stringOrUndefined(meta.name);
    const about = {
      apiVersion: stringOrUndefined(apiVersion),
      kind: stringOrUndefined(kind),
      ...(name !== undefined ? { name } : {}),
    };
    if (apiVersion === 'v1' && kind === 'Secret') {
      // Never stored, whatever it holds; its data appears in no message.
      secretDocuments.add(index);
      const labels = meta.labels;
      const credentials =
        typeof labels === 'object' &&
        labels !== null &&
        CREDENTIALS_LABEL in labels;
      notes.push({
        document,
        ...about,
        path: '',
        level: credentials ? 'refused' : 'skipped',
        message: credentials
          ? CREDENTIALS_MESSAGE
          : SKIPPED_KINDS['v1 Secret']!,
      });
      return;
    }
    for (const path of repeatedKeys(doc)) {
      notes.push({
        document,
        ...about,
        path,
        level: 'warning',
        message:
          'is repeated in its mapping; the last one is used, as kubectl does',
      });
    }
    if (
      apiVersion === ARGO_ROLLOUTS_API_VERSION &&
      (kind === 'AnalysisTemplate' || kind === 'ClusterAnalysisTemplate')
    ) {
      const found = analysisTemplateProblems(value as Record<string, unknown>);
      for (const [path, message] of found) problem(document, path, message);
      const template: AnalysisTemplateManifest = {
        apiVersion,
        kind,
        metadata: { ...(meta as KargoObjectMeta) },
        spec: (value as { spec: Record<string, unknown> }).spec,
      };
      recognized.push({
        document,
        kind,
        name,
        namespace: stringOrUndefined(meta.namespace),
        manifest: found.length === 0 ? template : undefined,
      });
      notes.push({
        document,
        ...about,
        path: '',
        level: 'kept',
        message: `kept for the verification of the stages that name it in spec.verification.analysisTemplates`,
      });
      return;
    }
    if (
      typeof apiVersion !== 'string' ||
      typeof kind !== 'string' ||
      apiVersion.startsWith('kargo.akuity.io/')
    ) {
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
    } else {
      notes.push({
        document,
        ...about,
        path: '',
        level: 'skipped',
        message:
          SKIPPED_KINDS[`${apiVersion} ${kind}`] ??
          `Kargo Portal reads only Kargo manifests (${KARGO_API_VERSION}) and Argo Rollouts AnalysisTemplates`,
      });
      return;
    }
    const entry: Recognized = {
      document,
      kind,
      name,
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
    if (kind === 'Warehouse') {
      for (const { path, message } of warehouseDeprecations(
        value as Record<string, unknown>,
      )) {
        notes.push({ document, ...about, path, level: 'deprecated', message });
      }
    }
  });

  resolveNamespaces(recognized, problem);

  if (problems.length > 0) {
    // Stable: problems of one document keep the order they were found in.
    problems.sort((a, b) => a.document - b.document);
    throw new ManifestError(problems);
  }
  notes.sort((a, b) => a.document - b.document);
  const manifests: KargoManifest[] = [];
  const analysisTemplates: AnalysisTemplateManifest[] = [];
  for (const { manifest } of recognized) {
    if (!manifest) continue;
    if (manifest.apiVersion === ARGO_ROLLOUTS_API_VERSION) {
      analysisTemplates.push(manifest);
    } else {
      manifests.push(manifest);
    }
  }
  return {
    manifests,
    analysisTemplates,
    notes,
    storableText:
      secretDocuments.size === 0
        ? text
        : documents
            .filter((_, index) => !secretDocuments.has(index))
            .map(doc => doc.toString())
            .join('---\n'),
  };
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
    if (
      entry.kind === 'Project' ||
      entry.kind === 'ClusterPromotionTask' ||
      entry.kind === 'ClusterConfig' ||
      entry.kind === 'ClusterAnalysisTemplate'
    ) {
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
