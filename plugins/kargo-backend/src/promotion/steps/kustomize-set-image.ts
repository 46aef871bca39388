import fs from 'node:fs/promises';
import path from 'node:path';
import {
  Document,
  isMap,
  isScalar,
  isSeq,
  Pair,
  Scalar,
  YAMLMap,
  YAMLSeq,
  visit,
} from 'yaml';
import { z } from 'zod';
import type { Freight } from '@kargo-portal/plugin-kargo-common';
import {
  isTerminalStepError,
  PromotionStepContext,
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

const imageFields = z
  .object({
    image: z.string().min(1),
    tag: z.string().optional(),
    digest: z.string().optional(),
    name: z.string().optional(),
    newName: z.string().optional(),
  })
  .strict();

/** An image entry: its fields, and exactly one of `tag` and `digest` (the schema's `oneOf`). */
const imageSchema = z
  .any()
  .superRefine((raw, ctx) => {
    const fields = imageFields.safeParse(raw);
    if (!fields.success) {
      fields.error.issues.forEach(issue => ctx.addIssue(issue));
    }
    if (typeof raw === 'object' && raw !== null) {
      const given = [raw.tag, raw.digest].filter(
        value => typeof value === 'string' && value !== '',
      );
      if (given.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: 'Must validate one and only one schema (oneOf)',
        });
      }
    }
  })
  .transform(raw => imageFields.parse(raw));

/** Kargo's `KustomizeSetImageConfig` (schemas/kustomize-set-image-config.json). */
const kustomizeSetImageConfigSchema = z
  .object({
    path: z.string().min(1),
    images: z.array(imageSchema).optional(),
  })
  .strict();

/** The checked config of `kustomize-set-image`. */
export type KustomizeSetImageConfig = z.infer<
  typeof kustomizeSetImageConfigSchema
>;

/** An entry of a Kustomization's `images` (kustomize's `types.Image`). */
export interface KustomizeImage {
  name: string;
  newName?: string;
  tagSuffix?: string;
  newTag?: string;
  digest?: string;
}

const imageKeys = ['name', 'newName', 'tagSuffix', 'newTag', 'digest'] as const;
type ImageKey = (typeof imageKeys)[number];
const isImageKey = (key: string): key is ImageKey =>
  (imageKeys as readonly string[]).includes(key);

/** A `newName`, `newTag` or `digest` of `*` keeps the value the Kustomization already has. */
const PRESERVE = '*';

/**
 * `kustomize-set-image`: sets images in the Kustomization file of `path` (`kustomization.yaml`,
 * `kustomization.yml` or `Kustomization`), as `kustomize edit set image` does. With `images`, each entry sets
 * `image` (or `name`) to `tag` or `digest`, optionally renamed to `newName`; without, every image of the
 * promoted freight collection is set to its tag and digest, unless two origins carry the same repository
 * (then manual configuration is required). Other images stay; the list is sorted by name; the rest of the file
 * keeps its content and comments, without blank lines between entries, as Kargo writes it. Output: `commitMessage`.
 */
export function createKustomizeSetImageStep(): PromotionStepRunner<KustomizeSetImageConfig> {
  return createPromotionStep({
    name: 'kustomize-set-image',
    schema: kustomizeSetImageConfigSchema,
    async run(context, config) {
      let kustomization: string;
      try {
        kustomization = await findKustomization(context.workDir, config.path);
      } catch (error) {
        if (isTerminalStepError(error)) {
          throw error;
        }
        throw new Error(
          `could not discover kustomization file: ${workDirErrorMessage(
            error,
            context.workDir,
          )}`,
          { cause: error },
        );
      }
      const targets =
        config.images && config.images.length > 0
          ? targetImagesFromConfig(config.images)
          : targetImagesFromFreight(context);
      await updateKustomizationFile(kustomization, targets);
      const commitMessage = kustomizeSetImageCommitMessage(
        config.path,
        targets,
      );
      return commitMessage
        ? { status: 'Succeeded', output: { commitMessage } }
        : { status: 'Succeeded' };
    },
  });
}

/** The one Kustomization file in a directory of the work directory (`''` is the work directory itself). */
export async function findKustomization(
  workDir: string,
  dir: string,
): Promise<string> {
  const directory =
    dir === ''
      ? await fs.realpath(workDir)
      : await resolveInWorkDir(workDir, dir, 'path');
  const candidates: string[] = [];
  for (const name of [
    'kustomization.yaml',
    'kustomization.yml',
    'Kustomization',
  ]) {
    const candidate = path.join(directory, name);
    try {
      if ((await fs.lstat(candidate)).isFile()) {
        candidates.push(candidate);
      }
    } catch {
      // Not there: try the next recognized name.
    }
  }
  if (candidates.length === 0) {
    throw new Error(
      `could not find any Kustomization files in ${goQuote(dir)}`,
    );
  }
  if (candidates.length > 1) {
    throw new Error(
      `ambiguous result: found multiple Kustomization files in ${goQuote(
        dir,
      )}: [${candidates.join(' ')}]`,
    );
  }
  return candidates[0];
}

/** Target images from the config, by name (`name`, else `image`); a digest wins over a tag. */
export function targetImagesFromConfig(
  images: NonNullable<KustomizeSetImageConfig['images']>,
): Map<string, KustomizeImage> {
  const targets = new Map<string, KustomizeImage>();
  for (const image of images) {
    const name = image.name || image.image;
    const target: KustomizeImage = { name };
    if (image.newName) target.newName = image.newName;
    if (image.digest) {
      target.digest = image.digest;
    } else if (image.tag) {
      target.newTag = image.tag;
    }
    targets.set(name, target);
  }
  return targets;
}

/**
 * Target images from the freight collection of the promotion (one freight per origin, the target freight for
 * its own origin), every image by its repository with tag and digest. Kargo refuses when two requested
 * warehouses subscribe to the same repository; the portal refuses when two origins' freight carry it.
 */
export function targetImagesFromFreight(
  context: Pick<PromotionStepContext, 'freight' | 'targetFreight'>,
): Map<string, KustomizeImage> {
  const byOrigin = new Map<string, Freight>();
  for (const freight of [context.targetFreight, ...context.freight]) {
    const origin = `${freight.origin.kind}/${freight.origin.name}`;
    if (!byOrigin.has(origin)) {
      byOrigin.set(origin, freight);
    }
  }
  const originOf = new Map<string, string>();
  const targets = new Map<string, KustomizeImage>();
  for (const [origin, freight] of byOrigin) {
    for (const image of freight.images) {
      const seen = originOf.get(image.repoURL);
      if (seen !== undefined && seen !== origin) {
        throw new Error(
          `manual configuration required due to ambiguous result: image ${image.repoURL} comes from both ${seen} and ${origin}`,
        );
      }
      originOf.set(image.repoURL, origin);
      const target: KustomizeImage = { name: image.repoURL };
      if (image.tag) target.newTag = image.tag;
      if (image.digest) target.digest = image.digest;
      targets.set(image.repoURL, target);
    }
  }
  return targets;
}

/**
 * Kargo's `mergeImages`: a target replaces the current image of the same name (a `*` field keeps the current
 * value), other current images stay, and the result is sorted by name.
 */
export function mergeImages(
  current: KustomizeImage[],
  targets: Map<string, KustomizeImage>,
): KustomizeImage[] {
  const merged = new Map(targets);
  for (const image of current) {
    const target = merged.get(image.name);
    if (!target) {
      merged.set(image.name, image);
      continue;
    }
    const kept: KustomizeImage = { name: target.name };
    const newName =
      target.newName === PRESERVE ? image.newName : target.newName;
    const newTag = target.newTag === PRESERVE ? image.newTag : target.newTag;
    const digest = target.digest === PRESERVE ? image.digest : target.digest;
    if (newName) kept.newName = newName;
    if (newTag) kept.newTag = newTag;
    if (digest) kept.digest = digest;
    merged.set(image.name, kept);
  }
  return [...merged.values()]
    .map(image => {
      const clean: KustomizeImage = { ...image };
      for (const field of ['newName', 'newTag', 'digest'] as const) {
        if (clean[field] === PRESERVE || !clean[field]) delete clean[field];
      }
      return clean;
    })
    .sort((a, b) => compareBytes(a.name, b.name));
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Reads, updates and writes the `images` of a Kustomization file. */
export async function updateKustomizationFile(
  file: string,
  targets: Map<string, KustomizeImage>,
): Promise<void> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`could not read Kustomization file: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const doc: Document | undefined = firstYamlDocument(text);
  try {
    if (doc) assertValidYaml(doc);
  } catch (error) {
    throw new Error(
      `could not unmarshal Kustomization file: ${messageOf(error)}`,
      { cause: error },
    );
  }
  if (!doc) {
    throw new Error('could not unmarshal Kustomization file: it is empty');
  }
  if (doc.contents === null) {
    doc.contents = new YAMLMap();
  }
  const root = doc.contents;
  if (!isMap(root)) {
    throw new Error(
      'could not update images field in Kustomization file: the document is not a mapping',
    );
  }
  const imagesPair = root.items.find(
    pair => isScalar(pair.key) && pair.key.source === 'images',
  );
  const currentNodes = readCurrentImages(imagesPair?.value);
  const images = mergeImages(
    currentNodes.map(entry => entry.image),
    targets,
  );
  const seq = new YAMLSeq();
  for (const image of images) {
    const existing = currentNodes.find(
      entry => entry.image.name === image.name,
    );
    if (existing && !targets.has(image.name)) {
      // Untouched entries keep their exact form.
      seq.items.push(existing.node);
    } else {
      const entry = imageNode(image);
      if (existing) {
        entry.commentBefore = existing.node.commentBefore;
        entry.comment = existing.node.comment;
      }
      seq.items.push(entry);
    }
  }
  const previous = imagesPair?.value;
  if (isSeq(previous)) {
    seq.flow = previous.flow;
    seq.commentBefore = previous.commentBefore;
    seq.comment = previous.comment;
  }
  if (images.length === 0) {
    seq.flow = true;
  }
  if (imagesPair) {
    imagesPair.value = seq;
  } else {
    root.items.push(new Pair(new Scalar('images'), seq));
  }
  dropBlankLines(doc);
  try {
    await fs.writeFile(file, doc.toString({ indentSeq: false, lineWidth: 0 }));
  } catch (error) {
    throw new Error(
      `could not write updated Kustomization file: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

/**
 * Kargo decodes the Kustomization into a yaml.v3 node and writes it back with kyaml (kustomize_image_setter.go,
 * `writeKustomizationFile`); yaml.v3 keeps comments but no blank lines (go-yaml/yaml#627), so the file Kargo
 * commits has none between entries. The same here, so that a promotion changes the file as Kargo's would. A
 * blank line before a comment stays, as the comment keeps its place.
 */
function dropBlankLines(doc: Document): void {
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && !pair.key.commentBefore) {
        pair.key.spaceBefore = false;
      }
    },
    Node(_, node) {
      if (!node.commentBefore) node.spaceBefore = false;
    },
  });
}

function readCurrentImages(
  node: unknown,
): { image: KustomizeImage; node: YAMLMap }[] {
  if (
    node === undefined ||
    node === null ||
    (isScalar(node) && node.value === null)
  ) {
    return [];
  }
  if (!isSeq(node)) {
    throw new Error(
      'could not decode images field in Kustomization file: images is not a sequence',
    );
  }
  return node.items.map(item => {
    if (!isMap(item)) {
      throw new Error(
        'could not decode images field in Kustomization file: an image is not a mapping',
      );
    }
    const image: KustomizeImage = { name: '' };
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (isImageKey(key) && isScalar(pair.value)) {
        const value = pair.value;
        // A number keeps the digits it was written with (`1.10`), as decoding into a string does in Go.
        image[key] =
          typeof value.value === 'string'
            ? value.value
            : String(value.source ?? '');
      }
    }
    return { image, node: item };
  });
}

function imageNode(image: KustomizeImage): YAMLMap {
  const map = new YAMLMap();
  for (const key of imageKeys) {
    const value = image[key];
    if (value) {
      const scalar = new Scalar(value);
      if (readsAsNonStringInYaml11(value)) {
        scalar.type = 'QUOTE_DOUBLE';
      }
      map.items.push(new Pair(new Scalar(key), scalar));
    }
  }
  return map;
}

/**
 * Kargo's commit message for `kustomize-set-image`: `Updated <path> to use new image(s)`, a blank line, then
 * `- <newName or name>[:<newTag>][@<digest>]` per target image, by name.
 */
export function kustomizeSetImageCommitMessage(
  dir: string,
  targets: Map<string, KustomizeImage>,
): string {
  if (targets.size === 0) {
    return '';
  }
  const lines = [...targets]
    .sort(([a], [b]) => compareBytes(a, b))
    .map(([, image]) => {
      let ref = image.newName || image.name;
      if (image.newTag) ref = `${ref}:${image.newTag}`;
      if (image.digest) ref = `${ref}@${image.digest}`;
      return `\n- ${ref}`;
    });
  return `Updated ${dir} to use new image${
    targets.size > 1 ? 's' : ''
  }\n${lines.join('')}`;
}
