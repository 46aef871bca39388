import fs from 'node:fs/promises';
import path from 'node:path';
import {
  Alias,
  Document,
  isAlias,
  isNode,
  isMap,
  isScalar,
  isSeq,
  Node,
  Pair,
  Scalar,
  visit,
  YAMLMap,
} from 'yaml';
import { z } from 'zod';
import {
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { messageOf, workDirErrorMessage } from '../stepHelpers/stepConfig';
import { goQuote } from '../stepHelpers/goFormat';
import { resolveInWorkDir } from '../stepHelpers/paths';
import {
  assertValidYaml,
  firstYamlDocument,
  readsAsNonStringInYaml11,
} from '../stepHelpers/yamlDocuments';

/** Kargo's `YAMLMergeConfig` (schemas/yaml-merge-config.json). */
const yamlMergeConfigSchema = z
  .object({
    inFiles: z.array(z.string()).min(1),
    outFile: z.string().min(1),
    ignoreMissingFiles: z.boolean().optional(),
  })
  .strict();

/** The checked config of `yaml-merge`. */
export interface YamlMergeConfig {
  inFiles: string[];
  outFile: string;
  ignoreMissingFiles?: boolean;
}

/**
 * `yaml-merge`: merges YAML files in order into `outFile`, each over the result of the ones before, as Kargo
 * does with kustomize's kyaml `merge2`: mappings merge key by key, scalars and sequences of the later file
 * replace earlier ones, a `null` in a later file removes the key, and `$patch: delete|replace|merge` in a later
 * mapping works as in strategic merge patches. Missing input files fail the step unless `ignoreMissingFiles`;
 * empty files are skipped. The output keeps the first file's comments and key order; new keys are appended.
 * Output: `commitMessage` (none when no input file exists).
 */
export function createYamlMergeStep(): PromotionStepRunner<YamlMergeConfig> {
  return createPromotionStep({
    name: 'yaml-merge',
    schema: yamlMergeConfigSchema,
    async run(context, config) {
      const relativeInputs: string[] = [];
      const inputs: string[] = [];
      for (const [index, relative] of config.inFiles.entries()) {
        const file = await resolveInWorkDir(
          context.workDir,
          relative,
          `inFiles.${index}`,
        );
        try {
          await fs.stat(file);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
            throw new Error(
              `unexpected error with file ${goQuote(
                relative,
              )}: ${workDirErrorMessage(error, context.workDir)}`,
              { cause: error },
            );
          }
          if (config.ignoreMissingFiles) {
            continue;
          }
          throw new Error(
            `input file ${goQuote(relative)} not found: ${workDirErrorMessage(
              error,
              context.workDir,
            )}`,
            { cause: error },
          );
        }
        relativeInputs.push(relative);
        inputs.push(file);
      }
      const outFile = await resolveInWorkDir(
        context.workDir,
        config.outFile,
        'outFile',
      );
      try {
        await mergeYamlFiles(inputs, outFile);
      } catch (error) {
        throw new Error(
          `error merging YAML files: ${workDirErrorMessage(
            error,
            context.workDir,
          )}`,
          { cause: error },
        );
      }
      const commitMessage = yamlMergeCommitMessage(
        relativeInputs,
        config.outFile,
      );
      return commitMessage
        ? { status: 'Succeeded', output: { commitMessage } }
        : { status: 'Succeeded' };
    },
  });
}

/** Kargo's commit message for `yaml-merge`, naming the input files that existed. */
export function yamlMergeCommitMessage(
  inputs: string[],
  outFile: string,
): string {
  if (inputs.length === 0) {
    return '';
  }
  if (inputs.length === 1) {
    return `Wrote ${inputs[0]} to ${outFile}`;
  }
  return `Merged ${inputs.length} YAML files to ${outFile}${inputs
    .map(input => `\n- ${input}`)
    .join('')}`;
}

/** Merges the files in order and writes the result (an empty file when none has content). */
export async function mergeYamlFiles(
  inputs: string[],
  output: string,
): Promise<void> {
  let target: Document | undefined;
  for (const input of inputs) {
    let doc: Document | undefined;
    try {
      doc = firstYamlDocument(await fs.readFile(input, 'utf8'));
      if (doc) {
        assertValidYaml(doc);
      }
    } catch (error) {
      throw new Error(
        `error reading input file ${input}: ${messageOf(error)}`,
        { cause: error },
      );
    }
    if (!doc || doc.contents === null) {
      continue;
    }
    if (!target) {
      target = doc;
      continue;
    }
    const merged = mergeNodes(
      target.contents,
      detach(doc.contents, doc),
      'present',
    );
    target.contents = isNode(merged) ? merged : null;
  }
  await fs.mkdir(path.dirname(output), { recursive: true, mode: 0o700 });
  const text = target?.contents
    ? target.toString({ indentSeq: false, lineWidth: 0 })
    : '';
  await fs.writeFile(output, text);
}

const CLEAR = Symbol('clear');
type Merged = unknown | typeof CLEAR;

/**
 * Copies a node of another document so that it can live in the merge target: aliases become copies of what
 * they point to and anchors are dropped, so nothing refers to an anchor of the other document.
 */
function detach(node: unknown, doc: Document): unknown {
  if (!isNode(node)) {
    return node;
  }
  const resolve = (alias: Alias): Node => {
    const target = alias.resolve(doc)?.clone();
    return isNode(target) ? target : new Scalar(null);
  };
  const copy = isAlias(node) ? resolve(node) : node.clone();
  if (!isNode(copy)) {
    return null;
  }
  visit(copy, {
    Alias: (_, alias) => resolve(alias),
    Node(_, child) {
      delete child.anchor;
    },
  });
  delete copy.anchor;
  return copy;
}

const isNullNode = (node: unknown): boolean =>
  node === undefined ||
  node === null ||
  (isScalar(node) && node.value === null);

function kindOf(node: unknown): string {
  if (isMap(node)) return 'MappingNode';
  if (isSeq(node)) return 'SequenceNode';
  if (isAlias(node)) return 'AliasNode';
  return 'ScalarNode';
}

function expectKind(kind: string, nodes: unknown[], at: string[]) {
  for (const node of nodes) {
    if (!isNullNode(node) && kindOf(node) !== kind) {
      throw new Error(
        `wrong node kind at ${
          at.join('.') || '(root)'
        }: expected ${kind} but got ${kindOf(node)}`,
      );
    }
  }
}

/**
 * kyaml's `merge2` walk for one position: `dest` from the merge target, `src` from the file merged over it
 * (`undefined` when it does not have the key). Returns the node to keep, or CLEAR to remove the key.
 */
function mergeNodes(
  dest: unknown,
  src: unknown,
  srcState: 'present' | 'missing',
  at: string[] = [],
): Merged {
  const first = [dest, src].find(node => !isNullNode(node));
  const kind = first === undefined ? 'empty' : kindOf(first);
  if (
    kind === 'SequenceNode' ||
    kind === 'ScalarNode' ||
    kind === 'AliasNode'
  ) {
    expectKind(kind, [dest, src], at);
    copyComments(dest, src);
    return srcState === 'present' ? src : dest;
  }
  expectKind('MappingNode', [dest, src], at);
  copyComments(dest, src);
  let target: unknown;
  if (isNullNode(dest)) {
    if (patchDirective(src) === 'delete') {
      return CLEAR;
    }
    if (srcState === 'missing' && isScalar(dest) && dest.source) {
      // An explicit `null` only the earlier file has stays (kustomize keeps it, see kustomize#4628).
      return dest;
    }
    target = src;
  } else {
    if (isNullNode(src) && srcState === 'present') {
      return CLEAR;
    }
    const directive = patchDirective(src);
    if (directive === 'delete') {
      return CLEAR;
    }
    if (directive === 'replace') {
      return withoutDirective(src);
    }
    target = dest;
  }
  if (!isMap(target)) {
    return target;
  }
  if (isMap(src) && target.items.length === 0) {
    target.flow = src.flow;
  }
  const names = new Set<string>();
  for (const node of [target, src]) {
    if (isMap(node)) {
      for (const pair of node.items) names.add(keyName(pair));
    }
  }
  for (const name of [...names].sort()) {
    if (name === '$patch') {
      continue;
    }
    const destPair = target.items.find(pair => keyName(pair) === name);
    const srcPair = isMap(src)
      ? src.items.find(pair => keyName(pair) === name)
      : undefined;
    const merged = mergeNodes(
      destPair?.value,
      srcPair?.value,
      srcPair ? 'present' : 'missing',
      [...at, name],
    );
    setField(target, destPair, srcPair, merged);
  }
  removeDirective(target);
  return target;
}

function keyName(pair: Pair): string {
  const key = pair.key;
  if (isScalar(key)) {
    return typeof key.source === 'string' ? key.source : String(key.value);
  }
  return String(key);
}

/** kyaml's `FieldSetter`: null results remove the field, others replace its value or are appended. */
function setField(
  map: YAMLMap,
  destPair: Pair | undefined,
  srcPair: Pair | undefined,
  value: Merged,
) {
  // A null removes the field, except an explicit `null` that only the earlier file has.
  const keep =
    value !== CLEAR &&
    (!isNullNode(value) ||
      (!srcPair && isScalar(value) && Boolean(value.source)));
  if (!keep) {
    if (destPair) {
      map.items.splice(map.items.indexOf(destPair), 1);
    }
    return;
  }
  if (isScalar(value)) {
    keepStringStyle(value, destPair?.value);
  }
  if (destPair) {
    destPair.value = value;
  } else if (srcPair) {
    map.items.push(new Pair(srcPair.key, value));
  }
}

function keepStringStyle(value: Scalar, previous: unknown) {
  if (typeof value.value !== 'string' || value.type !== 'PLAIN') {
    return;
  }
  if (
    isScalar(previous) &&
    typeof previous.value === 'string' &&
    (previous.type === 'QUOTE_DOUBLE' || previous.type === 'QUOTE_SINGLE')
  ) {
    value.type = previous.type;
  } else if (readsAsNonStringInYaml11(value.value)) {
    // As kustomize does, so that YAML 1.1 readers (Helm) keep reading a string.
    value.type = 'QUOTE_DOUBLE';
  }
}

/** kyaml's `SetComments`: the comments of the later file's node win where it has any. */
function copyComments(dest: unknown, src: unknown) {
  if (!isNode(dest) || !isNode(src)) {
    return;
  }
  if (src.comment) dest.comment = src.comment;
  if (src.commentBefore) dest.commentBefore = src.commentBefore;
}

function patchDirective(node: unknown): string | undefined {
  if (!isMap(node)) {
    return undefined;
  }
  const pair = node.items.find(item => keyName(item) === '$patch');
  if (!pair) {
    return undefined;
  }
  const value = isScalar(pair.value) ? String(pair.value.value) : '';
  if (value !== 'delete' && value !== 'replace' && value !== 'merge') {
    throw new Error(`unknown patch strategy ${goQuote(value)}`);
  }
  return value;
}

function withoutDirective(node: unknown): unknown {
  removeDirective(node);
  return node;
}

function removeDirective(node: unknown) {
  if (isMap(node)) {
    node.items = node.items.filter(item => keyName(item) !== '$patch');
  }
}
