import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ForwardedError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  ChartSubscription,
  compareSemver,
  parseSemver,
  parseSemverConstraint,
  SemVer,
  SemverConstraint,
} from '@kargo-portal/plugin-kargo-common';
import { parse as parseYaml } from 'yaml';
import { readLimited } from '../http';
import type { OciRegistryClient } from '../oci/OciRegistryClient';
import {
  basicAuthorization,
  findRegistryCredentials,
  RegistryCredentials,
} from '../oci/credentials';
import { registryErrorDetail, unreachableError } from '../oci/errors';
import { parseImageRepository } from '../oci/reference';
import type { ChartDiscoveryResult } from '../types';

/*
 * Chart versions of a chart subscription, after Kargo's chart selectors (pkg/helm/chart): a classic repository's
 * `index.yaml` (versions read loosely, as `semver.NewVersion` does), or the tags of an OCI repository (read
 * strictly, as `semver.StrictNewVersion` does, after turning Helm's "_" back into "+"). Newest first; versions
 * that compare equal are ordered by their text, greatest first.
 */

/** What {@link discoverCharts} works with. */
export interface ChartDiscoveryDeps {
  /** Registry client for `oci://` repositories (it carries the registry credentials). */
  client: OciRegistryClient;
  /** Credentials per host for classic repositories (`kargo.registries`). */
  credentials?: readonly RegistryCredentials[];
  /** The `fetch` for classic repositories; the global one by default. */
  fetch?: typeof fetch;
  logger?: LoggerService;
  signal?: AbortSignal;
  /** Time limit of the index request. Default 30 s. */
  timeoutMs?: number;
}

const MAX_INDEX_BYTES = 64 * 1024 * 1024;

function newestFirst(a: SemVer, b: SemVer): number {
  if (compareSemver(b, a) !== 0) return compareSemver(b, a);
  if (a.original === b.original) return 0;
  return a.original < b.original ? 1 : -1;
}

function selectVersions(
  versions: Array<SemVer | undefined>,
  constraint: SemverConstraint | undefined,
  limit: number,
): string[] {
  const selected = versions
    .filter((v): v is SemVer => v !== undefined)
    .filter(v => !constraint || constraint.check(v))
    .sort(newestFirst)
    .map(v => v.original);
  return limit > 0 ? selected.slice(0, limit) : selected;
}

function indexError(
  url: string,
  status: number,
  body: string,
  withCredentials: boolean,
): Error {
  const server = `chart repository ${url}`;
  switch (status) {
    case 401:
      return new AuthenticationError(
        withCredentials
          ? `${server} refused the credentials (401)`
          : `${server} requires credentials (401): configure them under kargo.registries`,
      );
    case 403:
      return new NotAllowedError(`${server} denied access (403)`);
    case 404:
      return new NotFoundError(`${server} has no index.yaml (404)`);
    default:
      return new Error(
        `${server} answered ${status} for index.yaml${registryErrorDetail(
          body,
        )}`,
      );
  }
}

/** The versions listed for a chart in a classic repository's index.yaml. */
async function indexVersions(
  subscription: ChartSubscription,
  deps: ChartDiscoveryDeps,
): Promise<string[]> {
  const base = subscription.repoURL.replace(/\/+$/, '');
  const url = `${base}/index.yaml`;
  const host = new URL(url).host;
  const credentials = findRegistryCredentials(deps.credentials ?? [], host);
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const headers: Record<string, string> = {
    accept: 'application/x-yaml, text/yaml, */*',
  };
  if (credentials) headers.authorization = basicAuthorization(credentials);
  let response: Response;
  try {
    response = await (deps.fetch ?? fetch)(url, {
      headers,
      signal: deps.signal ? AbortSignal.any([deps.signal, timeout]) : timeout,
    });
  } catch (error) {
    if (deps.signal?.aborted) throw error;
    throw unreachableError(`chart repository ${base}`, error, timeoutMs);
  }
  const body = await readLimited(response, MAX_INDEX_BYTES, url);
  if (!response.ok) {
    throw indexError(
      base,
      response.status,
      body.toString('utf8'),
      !!credentials,
    );
  }
  let index: unknown;
  try {
    index = parseYaml(body.toString('utf8'));
  } catch (error) {
    throw new ForwardedError(`${url} is not valid YAML`, error);
  }
  const entries =
    typeof index === 'object' && index !== null && 'entries' in index
      ? index.entries
      : undefined;
  if (typeof entries !== 'object' || entries === null) {
    throw new Error(`${url} is not a Helm repository index: it has no entries`);
  }
  const chart = new Map(Object.entries(entries)).get(subscription.name ?? '');
  // Like Kargo, a chart the index does not list has no versions rather than an error.
  if (!Array.isArray(chart)) return [];
  return chart.flatMap(entry =>
    typeof entry === 'object' &&
    entry !== null &&
    'version' in entry &&
    typeof entry.version === 'string'
      ? [entry.version]
      : [],
  );
}

/**
 * Discovers the versions of a chart subscription: `discoveryLimit` at most, newest first, satisfying
 * `semverConstraint`. Classic repositories (`http(s)://`, with `name`) get basic credentials configured for their
 * host; OCI repositories (`oci://host/path/chart`) are read with the registry client.
 */
export async function discoverCharts(
  subscription: ChartSubscription,
  deps: ChartDiscoveryDeps,
): Promise<ChartDiscoveryResult> {
  const { repoURL, semverConstraint } = subscription;
  let constraint: SemverConstraint | undefined;
  if (semverConstraint) {
    try {
      constraint = parseSemverConstraint(semverConstraint);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new InputError(
        `invalid chart subscription for "${repoURL}": error parsing semver constraint (semverConstraint): ${reason}`,
      );
    }
  }
  if (subscription.insecureSkipTLSVerify) {
    deps.logger?.warn(
      `insecureSkipTLSVerify is not supported for chart repository ${repoURL}: trust its CA with NODE_EXTRA_CA_CERTS instead`,
    );
  }
  const result = (versions: string[]): ChartDiscoveryResult => ({
    repoURL,
    name: subscription.name ?? '',
    ...(semverConstraint ? { semverConstraint } : {}),
    versions,
  });

  if (/^https?:\/\//.test(repoURL)) {
    if (!subscription.name) {
      throw new InputError(
        `invalid chart subscription for "${repoURL}": name is required for an http(s) chart repository`,
      );
    }
    const versions = await indexVersions(subscription, deps);
    return result(
      selectVersions(
        versions.map(v => parseSemver(v)),
        constraint,
        subscription.discoveryLimit,
      ),
    );
  }
  if (repoURL.startsWith('oci://')) {
    let repository;
    try {
      repository = parseImageRepository(repoURL);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new InputError(
        `invalid chart subscription: repoURL "${repoURL}": ${reason}`,
      );
    }
    const tags = await deps.client.listTags(repository, {
      signal: deps.signal,
    });
    // Helm stores "+" (not allowed in tags) as "_"; Kargo reads tags as strict versions, without a "v".
    return result(
      selectVersions(
        tags.map(tag =>
          parseSemver(tag.replace(/_/g, '+'), {
            strict: true,
            allowVPrefix: false,
          }),
        ),
        constraint,
        subscription.discoveryLimit,
      ),
    );
  }
  throw new InputError(
    `invalid chart subscription: repoURL "${repoURL}" must start with http://, https:// or oci://`,
  );
}
