import { z } from 'zod';

/** Media types of the manifests an image tag can point at, in the order of preference sent in `Accept`. */
export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList:
    'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

export const INDEX_MEDIA_TYPES: readonly string[] = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
];
export const IMAGE_MANIFEST_MEDIA_TYPES: readonly string[] = [
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
];

const annotations = z.record(z.string(), z.string()).optional();

const descriptor = z.object({
  mediaType: z.string(),
  digest: z.string(),
  size: z.number().int().nonnegative(),
  annotations,
});

export const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptor,
  layers: z.array(descriptor).optional(),
  annotations,
});

export const imageIndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(
    descriptor.extend({
      platform: z
        .object({
          os: z.string(),
          architecture: z.string(),
          variant: z.string().optional(),
        })
        .optional(),
    }),
  ),
  annotations,
});

/** The parts of an image config blob Kargo reads (`created` and labels), nothing else. */
export const imageConfigSchema = z.object({
  created: z.string().optional(),
  config: z
    .object({ Labels: z.record(z.string(), z.string()).nullish() })
    .nullish(),
});

export type ImageManifest = z.infer<typeof imageManifestSchema>;
export type ImageIndex = z.infer<typeof imageIndexSchema>;
export type ImageConfig = z.infer<typeof imageConfigSchema>;

/** A manifest as fetched: its digest, media type, parsed content and the bytes received (what the digest is of). */
export type FetchedManifest =
  | {
      kind: 'index';
      digest: string;
      mediaType: string;
      index: ImageIndex;
      bytes: Buffer;
    }
  | {
      kind: 'image';
      digest: string;
      mediaType: string;
      manifest: ImageManifest;
      bytes: Buffer;
    };
