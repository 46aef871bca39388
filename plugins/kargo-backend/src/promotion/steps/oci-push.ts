import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import {
  FetchedManifest,
  OciRegistryClient,
  formatImageRepository,
} from '../../discovery/oci';
import { parseArtifactReference } from './oci-download';

const REF = '^(oci://)?[a-zA-Z0-9._-]+(:\\d+)?(/[a-zA-Z0-9._-]+)*';

/** Kargo's `OCIPushConfig` (schemas/oci-push-config.json). */
const ociPushConfigSchema = z
  .object({
    srcRef: z
      .string()
      .min(1)
      .regex(new RegExp(`${REF}[@:][a-zA-Z0-9._:-]+$`), {
        message: `Does not match pattern '${REF}[@:][a-zA-Z0-9._:-]+$'`,
      }),
    destRef: z
      .string()
      .min(1)
      .regex(new RegExp(`${REF}[:][a-zA-Z0-9._-]+$`), {
        message: `Does not match pattern '${REF}[:][a-zA-Z0-9._-]+$'`,
      }),
    annotations: z.record(z.string()).optional(),
    insecureSkipTLSVerify: z.boolean().optional(),
  })
  .strict();

/** The checked config of `oci-push`. */
export type OciPushConfig = z.infer<typeof ociPushConfigSchema>;

/**
 * The most an artifact copied to another repository may weigh (its blobs, compressed). Blobs pass through
 * memory one at a time; Kargo's default of 1 GiB is lowered for that reason.
 */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/**
 * `oci-push`: copies an OCI artifact (image, image index or Helm chart) from `srcRef` (tag or digest) to
 * `destRef` (a tag), in the same repository (a retag) or another one, possibly on another registry. Blobs the
 * destination holds already are not sent again. `annotations` are set on the image manifest(s) (keys without a
 * prefix or with `manifest:`) and on the index (`index:`, ignored for a single image); setting any gives new
 * digests, as in Kargo. Registry credentials come from `kargo.registries`; `insecureSkipTLSVerify` is refused.
 * Outputs: `image` (the destination reference), `digest` (of what `destRef` now points at) and `tag`.
 */
export function createOciPushStep(options: {
  client: () => OciRegistryClient;
  maxBytes?: number;
}): PromotionStepRunner<OciPushConfig> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return createPromotionStep({
    name: 'oci-push',
    schema: ociPushConfigSchema,
    validate(config) {
      if (config.insecureSkipTLSVerify) {
        throw new TerminalStepError(
          'insecureSkipTLSVerify is not supported: the registry client always verifies TLS (add the registry’s CA to the backend’s trusted certificates instead)',
        );
      }
    },
    async run(context, config) {
      const src = parseArtifactReference(config.srcRef);
      const dest = parseArtifactReference(config.destRef);
      const client = options.client();
      const request = { signal: context.signal };
      const shownSrc = config.srcRef.replace(/^oci:\/\//, '');
      const source = await client.getManifest(src.repo, src.reference, request);
      if (!source) {
        throw new Error(
          `failed to get source artifact "${shownSrc}": not found`,
        );
      }
      const scopes = annotationScopes(config.annotations ?? {});
      const sameRepo =
        formatImageRepository(src.repo) === formatImageRepository(dest.repo);

      const children = new Map<string, FetchedManifest>();
      if (source.kind === 'index') {
        for (const entry of source.index.manifests) {
          const child = await client.getManifest(
            src.repo,
            entry.digest,
            request,
          );
          if (!child || child.kind !== 'image') {
            throw new Error(
              `failed to get source artifact "${shownSrc}": its manifest ${entry.digest} is missing or not an image`,
            );
          }
          children.set(entry.digest, child);
        }
      }
      const images =
        source.kind === 'image' ? [source] : [...children.values()];
      if (!sameRepo) {
        let total = 0;
        for (const image of images) {
          if (image.kind !== 'image') continue;
          total += image.manifest.config.size;
          for (const layer of image.manifest.layers ?? []) total += layer.size;
        }
        if (total > maxBytes) {
          throw new TerminalStepError(
            `compressed artifact size ${total} bytes exceeds maximum allowed size of ${maxBytes} bytes`,
          );
        }
      }

      const copyBlobs = async (image: FetchedManifest) => {
        if (image.kind !== 'image' || sameRepo) return;
        const blobs = [image.manifest.config, ...(image.manifest.layers ?? [])];
        for (const blob of blobs) {
          if (
            await client.hasBlob(dest.repo, blob.digest, {
              ...request,
              access: 'push',
            })
          ) {
            continue;
          }
          const bytes = await client.getBlob(src.repo, blob.digest, {
            ...request,
            maxBytes,
          });
          await client.pushBlob(dest.repo, blob.digest, bytes, request);
        }
      };

      let digest: string;
      if (source.kind === 'image') {
        await copyBlobs(source);
        const annotated = annotate(source, scopes.manifest);
        digest = await client.putManifest(
          dest.repo,
          dest.reference,
          annotated,
          request,
        );
      } else {
        const descriptors: Array<Record<string, unknown>> = [];
        const rawIndex = JSON.parse(source.bytes.toString('utf8'));
        for (const entry of rawIndex.manifests as Array<
          Record<string, unknown> & { digest: string }
        >) {
          const child = children.get(entry.digest);
          if (!child) {
            throw new Error(`the index changed while it was copied`);
          }
          await copyBlobs(child);
          const annotated = annotate(child, scopes.manifest);
          const childDigest = await client.putManifest(
            dest.repo,
            sha256(annotated.bytes),
            annotated,
            request,
          );
          descriptors.push({
            ...entry,
            digest: childDigest,
            size: annotated.bytes.length,
          });
        }
        const index = annotate(
          source,
          scopes.index,
          Object.keys(scopes.manifest).length > 0
            ? { manifests: descriptors }
            : undefined,
        );
        digest = await client.putManifest(
          dest.repo,
          dest.reference,
          index,
          request,
        );
      }
      const image = `${formatImageRepository(dest.repo)}:${dest.reference}`;
      context.logger.info(`pushed ${shownSrc} to ${image} (${digest})`);
      return {
        status: 'Succeeded',
        output: { image, digest, tag: dest.reference },
      };
    },
  });
}

/** Kargo's annotation scopes: `index:` keys for the index, `manifest:` and unprefixed keys for image manifests. */
function annotationScopes(annotations: Record<string, string>): {
  index: Record<string, string>;
  manifest: Record<string, string>;
} {
  const scopes: {
    index: Record<string, string>;
    manifest: Record<string, string>;
  } = { index: {}, manifest: {} };
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith('index:')) {
      scopes.index[key.slice('index:'.length)] = value;
    } else if (key.startsWith('manifest:')) {
      scopes.manifest[key.slice('manifest:'.length)] = value;
    } else {
      scopes.manifest[key] = value;
    }
  }
  return scopes;
}

/**
 * The manifest with annotations added (and other fields replaced), re-serialized; the bytes as received when
 * nothing changes, so that the digest stays the same.
 */
function annotate(
  manifest: FetchedManifest,
  annotations: Record<string, string>,
  replace?: Record<string, unknown>,
): { bytes: Buffer; mediaType: string } {
  if (Object.keys(annotations).length === 0 && !replace) {
    return { bytes: manifest.bytes, mediaType: manifest.mediaType };
  }
  const raw = JSON.parse(manifest.bytes.toString('utf8'));
  const changed = {
    ...raw,
    ...replace,
    ...(Object.keys(annotations).length > 0 && {
      annotations: { ...raw.annotations, ...annotations },
    }),
  };
  return {
    bytes: Buffer.from(JSON.stringify(changed)),
    mediaType: manifest.mediaType,
  };
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
