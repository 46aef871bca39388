import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { mapConcurrently } from '../../discovery/concurrency';

/*
 * Content for the test registry, built from bytes written here: image config blobs with `created`, a small
 * layer, image manifests, image indexes (multi-arch) and Helm charts, pushed with the registry's HTTP API
 * (`RegistryWriter`) or written as an OCI image layout and copied with skopeo (`copyWithSkopeo`).
 */

const execFileAsync = promisify(execFile);

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST =
  'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST =
  'application/vnd.docker.distribution.manifest.list.v2+json';
export const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
export const HELM_CHART_LAYER =
  'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string };
}

/** One single-platform image. */
export interface ImageSpec {
  /** `created` of the config blob (RFC 3339); left out when undefined. */
  created?: string;
  labels?: Record<string, string>;
  /** Manifest annotations. */
  annotations?: Record<string, string>;
  os?: string;
  architecture?: string;
  variant?: string;
  /** Makes the layer (and so the digest) unique; defaults to `created`. */
  content?: string;
  /** Docker v2 media types instead of OCI ones. */
  docker?: boolean;
}

export interface BuiltBlob {
  descriptor: Descriptor;
  bytes: Buffer;
}

export interface BuiltImage {
  manifest: BuiltBlob;
  blobs: BuiltBlob[];
}

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function blob(mediaType: string, bytes: Buffer): BuiltBlob {
  return {
    bytes,
    descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length },
  };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** The config, layer and manifest of an image, as bytes. */
export function buildImage(spec: ImageSpec): BuiltImage {
  const layerContent = Buffer.from(
    `layer of ${spec.content ?? spec.created ?? 'an image'}\n`,
  );
  const layer = blob(
    spec.docker
      ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
      : 'application/vnd.oci.image.layer.v1.tar+gzip',
    gzipSync(layerContent),
  );
  const config = blob(
    spec.docker
      ? 'application/vnd.docker.container.image.v1+json'
      : 'application/vnd.oci.image.config.v1+json',
    json({
      ...(spec.created ? { created: spec.created } : {}),
      architecture: spec.architecture ?? 'amd64',
      os: spec.os ?? 'linux',
      ...(spec.variant ? { variant: spec.variant } : {}),
      config: spec.labels ? { Labels: spec.labels } : {},
      rootfs: { type: 'layers', diff_ids: [digestOf(layerContent)] },
    }),
  );
  const mediaType = spec.docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = blob(
    mediaType,
    json({
      schemaVersion: 2,
      mediaType,
      config: config.descriptor,
      layers: [layer.descriptor],
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
    }),
  );
  return { manifest, blobs: [config, layer] };
}

/** An image index (or Docker manifest list) over images, each with its platform. */
export function buildIndex(
  images: Array<{
    image: BuiltImage;
    platform?: Descriptor['platform'];
    annotations?: Record<string, string>;
  }>,
  options: { annotations?: Record<string, string>; docker?: boolean } = {},
): BuiltBlob {
  const mediaType = options.docker ? DOCKER_LIST : OCI_INDEX;
  return blob(
    mediaType,
    json({
      schemaVersion: 2,
      mediaType,
      manifests: images.map(({ image, platform, annotations }) => ({
        ...image.manifest.descriptor,
        ...(platform ? { platform } : {}),
        ...(annotations ? { annotations } : {}),
      })),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    }),
  );
}

/** A Helm chart as an OCI artifact, the way `helm push` stores it. */
export function buildChart(name: string, version: string): BuiltImage {
  const config = blob(
    HELM_CONFIG,
    json({ apiVersion: 'v2', name, version, type: 'application' }),
  );
  const layer = blob(
    HELM_CHART_LAYER,
    gzipSync(Buffer.from(`chart ${name} ${version}\n`)),
  );
  const manifest = blob(
    OCI_MANIFEST,
    json({
      schemaVersion: 2,
      config: config.descriptor,
      layers: [layer.descriptor],
    }),
  );
  return { manifest, blobs: [config, layer] };
}

/** Pushes content with the registry's HTTP API (what `docker push` does, minus the daemon). */
export class RegistryWriter {
  constructor(
    private readonly url: string,
    private readonly authorization?: () => Promise<string> | string,
  ) {}

  private async headers(extra: Record<string, string> = {}) {
    const authorization = this.authorization && (await this.authorization());
    return authorization ? { ...extra, authorization } : extra;
  }

  private async check(response: Response, what: string): Promise<Response> {
    if (!response.ok) {
      throw new Error(
        `${what} failed: ${response.status} ${await response.text()}`,
      );
    }
    return response;
  }

  async pushBlob(repository: string, built: BuiltBlob): Promise<void> {
    const { digest } = built.descriptor;
    const head = await fetch(`${this.url}/v2/${repository}/blobs/${digest}`, {
      method: 'HEAD',
      headers: await this.headers(),
    });
    if (head.ok) return;
    const started = await this.check(
      await fetch(`${this.url}/v2/${repository}/blobs/uploads/`, {
        method: 'POST',
        headers: await this.headers(),
      }),
      `starting the upload of ${digest}`,
    );
    await started.body?.cancel();
    const location = new URL(
      started.headers.get('location') ?? '',
      `${this.url}/`,
    );
    location.searchParams.set('digest', digest);
    const done = await this.check(
      await fetch(location, {
        method: 'PUT',
        headers: await this.headers({
          'content-type': 'application/octet-stream',
        }),
        body: built.bytes,
      }),
      `uploading ${digest}`,
    );
    await done.body?.cancel();
  }

  async putManifest(
    repository: string,
    reference: string,
    manifest: BuiltBlob,
  ): Promise<string> {
    const response = await this.check(
      await fetch(`${this.url}/v2/${repository}/manifests/${reference}`, {
        method: 'PUT',
        headers: await this.headers({
          'content-type': manifest.descriptor.mediaType,
        }),
        body: manifest.bytes,
      }),
      `putting manifest ${repository}:${reference}`,
    );
    await response.body?.cancel();
    return manifest.descriptor.digest;
  }

  /** Pushes an image's blobs and manifest under a tag; returns the manifest digest. */
  async pushImage(
    repository: string,
    tag: string,
    image: BuiltImage,
  ): Promise<string> {
    for (const built of image.blobs) await this.pushBlob(repository, built);
    return this.putManifest(repository, tag, image.manifest);
  }

  /** Pushes the images of an index by digest, then the index under a tag; returns the index digest. */
  async pushIndex(
    repository: string,
    tag: string,
    index: BuiltBlob,
    images: BuiltImage[],
  ): Promise<string> {
    for (const image of images) {
      await this.pushImage(repository, image.manifest.descriptor.digest, image);
    }
    return this.putManifest(repository, tag, index);
  }

  /** Tags one manifest under many tags, `concurrency` requests at a time. */
  async tagMany(
    repository: string,
    manifest: BuiltBlob,
    tags: string[],
    concurrency = 16,
  ): Promise<void> {
    await mapConcurrently(tags, concurrency, tag =>
      this.putManifest(repository, tag, manifest),
    );
  }
}

/** Writes an OCI image layout (https://github.com/opencontainers/image-spec/blob/main/image-layout.md). */
export async function writeOciLayout(
  dir: string,
  tag: string,
  top: BuiltBlob,
  blobs: BuiltBlob[],
): Promise<void> {
  await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const built of [top, ...blobs]) {
    const file = path.join(
      dir,
      'blobs',
      'sha256',
      built.descriptor.digest.slice('sha256:'.length),
    );
    await fs.writeFile(file, built.bytes);
  }
  await fs.writeFile(
    path.join(dir, 'oci-layout'),
    JSON.stringify({ imageLayoutVersion: '1.0.0' }),
  );
  await fs.writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          ...top.descriptor,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
}

/** `skopeo copy --all oci:DIR:TAG docker://HOST/REPO:TAG` over plain HTTP, with basic credentials if given. */
export async function copyWithSkopeo(options: {
  layoutDir: string;
  tag: string;
  host: string;
  repository: string;
  credentials?: { username: string; password: string };
}): Promise<void> {
  const { layoutDir, tag, host, repository, credentials } = options;
  await execFileAsync(
    'skopeo',
    [
      'copy',
      '--all',
      '--preserve-digests',
      '--dest-tls-verify=false',
      ...(credentials
        ? ['--dest-creds', `${credentials.username}:${credentials.password}`]
        : []),
      `oci:${layoutDir}:${tag}`,
      `docker://${host}/${repository}:${tag}`,
    ],
    { timeout: 60_000 },
  );
}
