import { InputError } from '@backstage/errors';

/*
 * Image repository names as Kargo reads a subscription's `repoURL`: Kargo lower-cases it (pkg/urls NormalizeImage)
 * and parses it with go-containerregistry's `name.ParseReference` (weak validation), whose rules this follows.
 */

/** Docker Hub's registry name in go-containerregistry; "docker.io" is an alias for it. */
export const DOCKER_HUB_REGISTRY = 'index.docker.io';
const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
]);

/** A repository in an OCI registry. */
export interface ImageRepository {
  /** Registry host with its port when it has one, e.g. "ghcr.io" or "127.0.0.1:5000"; Docker Hub is "index.docker.io". */
  registry: string;
  /** Repository path in the registry, e.g. "library/debian". */
  repository: string;
}

const REPOSITORY_CHARS = /^[a-z0-9_./-]+$/;

/**
 * The registry a host names, with Docker Hub's aliases folded into one name. Used to match configured
 * credentials as well as repository references.
 */
export function normalizeRegistryHost(host: string): string {
  const lower = host.trim().toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB_REGISTRY : lower;
}

/**
 * Parses an image repository such as `debian`, `example/image`, `ghcr.io/acme/app` or `127.0.0.1:5000/app`.
 * Like Kargo: the first segment names the registry only when it contains "." or ":"; otherwise the image is on
 * Docker Hub, where a single-segment name is in the `library/` namespace. A tag or digest is not allowed.
 */
export function parseImageRepository(repoURL: string): ImageRepository {
  const text = repoURL
    .trim()
    .toLowerCase()
    .replace(/^oci:\/\//, '');
  if (text === '') {
    throw new InputError('an image repository name is required');
  }
  const slash = text.indexOf('/');
  const first = slash < 0 ? '' : text.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':');
  const registry = hasRegistry
    ? normalizeRegistryHost(first)
    : DOCKER_HUB_REGISTRY;
  let repository = hasRegistry ? text.slice(slash + 1) : text;
  if (registry === DOCKER_HUB_REGISTRY && !repository.includes('/')) {
    repository = `library/${repository}`;
  }
  if (
    !REPOSITORY_CHARS.test(repository) ||
    repository.split('/').some(segment => segment === '')
  ) {
    throw new InputError(
      `"${repoURL}" is not an image repository: use lower-case letters, digits and "._-/", with no tag or digest`,
    );
  }
  if (
    hasRegistry &&
    !/^[a-z0-9.-]+(:[0-9]+)?$|^\[[0-9a-f:]+\](:[0-9]+)?$/.test(registry)
  ) {
    throw new InputError(`"${first}" is not a registry host`);
  }
  return { registry, repository };
}

/** `registry/repository`, the way errors and logs name a repository. */
export function formatImageRepository(repo: ImageRepository): string {
  return `${repo.registry}/${repo.repository}`;
}

// go-containerregistry serves these over plain HTTP when HTTPS does not answer: localhost, loopback and
// private (RFC 1918) addresses.
const PRIVATE_IPV4 =
  /^(10\.\d+\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|192\.168\.\d+\.\d+)(:\d+)?$/;

/** Whether a registry may be reached over plain HTTP after HTTPS failed, as go-containerregistry allows. */
export function allowsPlainHttp(registry: string): boolean {
  return (
    registry.startsWith('localhost:') ||
    registry.includes('127.0.0.1') ||
    registry.startsWith('[::1]') ||
    PRIVATE_IPV4.test(registry)
  );
}
