import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import {
  ImageRepository,
  OciRegistryClient,
  formatImageRepository,
  parseImageRepository,
} from '../../discovery/oci';
import { resolveInWorkDir } from '../stepHelpers/paths';
import { messageOf, workDirErrorMessage } from '../stepHelpers/stepConfig';

/** The pattern of Kargo's `imageRef` (schemas/oci-download-config.json). */
const IMAGE_REF_PATTERN =
  /^(oci:\/\/)?[a-zA-Z0-9._-]+(:\d+)?(\/[a-zA-Z0-9._-]+)*[@:][a-zA-Z0-9._:-]+$/;

/** Kargo's `OCIDownloadConfig` (schemas/oci-download-config.json). */
const ociDownloadConfigSchema = z
  .object({
    imageRef: z
      .string()
      .min(1)
      .regex(IMAGE_REF_PATTERN, {
        message: `Does not match pattern '${IMAGE_REF_PATTERN.source}'`,
      }),
    outPath: z.string().min(1),
    allowOverwrite: z.boolean().optional(),
    mediaType: z.string().min(1).optional(),
    insecureSkipTLSVerify: z.boolean().optional(),
  })
  .strict();

/** The checked config of `oci-download`. */
export type OciDownloadConfig = z.infer<typeof ociDownloadConfigSchema>;

/** Kargo's limit on the layer `oci-download` saves. */
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

/** An artifact reference split into its repository and its tag or digest. */
export interface ArtifactReference {
  repo: ImageRepository;
  reference: string;
}

/** Splits `[oci://]registry/repository:tag` or `...@sha256:digest` (the repository as discovery parses it). */
export function parseArtifactReference(imageRef: string): ArtifactReference {
  const text = imageRef.replace(/^oci:\/\//, '');
  const at = text.indexOf('@');
  let name: string;
  let reference: string;
  if (at >= 0) {
    name = text.slice(0, at);
    reference = text.slice(at + 1);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0 || colon < text.lastIndexOf('/')) {
      throw new TerminalStepError(
        `imageRef "${imageRef}" names no tag or digest`,
      );
    }
    name = text.slice(0, colon);
    reference = text.slice(colon + 1);
  }
  try {
    return { repo: parseImageRepository(name), reference };
  } catch (error) {
    throw new TerminalStepError(`imageRef "${imageRef}": ${messageOf(error)}`);
  }
}

/**
 * `oci-download`: saves one layer of an OCI artifact (a Helm chart, a bundle pushed with oras, ...) to
 * `outPath`: the first layer whose media type is `mediaType`, or the first layer. An image index resolves to its
 * linux/amd64 manifest (or its only one). The layer is checked against its digest and may not exceed 100 MiB;
 * an existing file is an error unless `allowOverwrite`. Registry credentials come from `kargo.registries`.
 * `insecureSkipTLSVerify` is refused: the registry client verifies TLS for every registry. No output.
 */
export function createOciDownloadStep(options: {
  client: () => OciRegistryClient;
  maxBytes?: number;
}): PromotionStepRunner<OciDownloadConfig> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return createPromotionStep({
    name: 'oci-download',
    schema: ociDownloadConfigSchema,
    validate(config) {
      if (config.insecureSkipTLSVerify) {
        throw new TerminalStepError(
          'insecureSkipTLSVerify is not supported: the registry client always verifies TLS (add the registry’s CA to the backend’s trusted certificates instead)',
        );
      }
    },
    async run(context, config) {
      const { repo, reference } = parseArtifactReference(config.imageRef);
      const shown = `${formatImageRepository(repo)}${
        reference.includes(':') ? '@' : ':'
      }${reference}`;
      const outPath = await resolveInWorkDir(
        context.workDir,
        config.outPath,
        'outPath',
      );
      if (!config.allowOverwrite && (await exists(outPath))) {
        throw new TerminalStepError(
          `file already exists at ${config.outPath} and overwrite is not allowed`,
        );
      }
      const client = options.client();
      const request = { signal: context.signal };
      let manifest = await client.getManifest(repo, reference, request);
      if (!manifest) {
        throw new Error(`failed to resolve image "${shown}": not found`);
      }
      if (manifest.kind === 'index') {
        const entries = manifest.index.manifests;
        const chosen =
          entries.length === 1
            ? entries[0]
            : entries.find(
                e =>
                  e.platform?.os === 'linux' &&
                  e.platform.architecture === 'amd64',
              );
        if (!chosen) {
          throw new TerminalStepError(
            `image "${shown}" is an index without a linux/amd64 manifest: name one by digest`,
          );
        }
        manifest = await client.getManifest(repo, chosen.digest, request);
        if (!manifest || manifest.kind !== 'image') {
          throw new Error(
            `failed to resolve image "${shown}": its manifest ${chosen.digest} is missing`,
          );
        }
      }
      const layers = manifest.manifest.layers ?? [];
      if (layers.length === 0) {
        throw new TerminalStepError(
          `failed to find target layer: image "${shown}" has no layers`,
        );
      }
      const layer = config.mediaType
        ? layers.find(l => l.mediaType === config.mediaType)
        : layers[0];
      if (!layer) {
        throw new TerminalStepError(
          `failed to find target layer: no layer found with media type "${config.mediaType}"`,
        );
      }
      if (layer.size > maxBytes) {
        throw new TerminalStepError(
          `layer size ${layer.size} exceeds maximum allowed size of ${maxBytes} bytes`,
        );
      }
      const bytes = await client.getBlob(repo, layer.digest, {
        ...request,
        maxBytes,
      });
      const tempPath = path.join(
        path.dirname(outPath),
        `.${path.basename(outPath)}.tmp-${process.pid}-${Date.now()}`,
      );
      try {
        await fs.mkdir(path.dirname(outPath), { recursive: true, mode: 0o700 });
        await fs.writeFile(tempPath, bytes, { mode: 0o600 });
        await fs.rename(tempPath, outPath);
      } catch (error) {
        await fs.rm(tempPath, { force: true });
        throw new Error(
          `failed to write layer to ${config.outPath}: ${workDirErrorMessage(
            error,
            context.workDir,
          )}`,
          { cause: error },
        );
      }
      context.logger.info(
        `saved layer ${layer.digest} (${layer.mediaType}) of ${shown} to ${config.outPath}`,
      );
      return { status: 'Succeeded' };
    },
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
