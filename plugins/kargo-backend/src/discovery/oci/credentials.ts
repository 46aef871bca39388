import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { BasicCredentials } from '../types';
import { normalizeRegistryHost } from './reference';

/** Credentials for one registry or chart repository host, from `kargo.registries`. */
export interface RegistryCredentials extends BasicCredentials {
  /** Host with its port when it has one, e.g. "ghcr.io" or "127.0.0.1:5000". */
  host: string;
}

/** The host of a configured `host` value, which may be written as a URL. */
function hostOf(value: string): string {
  const withoutScheme = value.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return normalizeRegistryHost(withoutScheme.split('/')[0]);
}

/**
 * Reads `kargo.registries`: username and password (or token) per registry or Helm repository host. The passwords
 * stay in the returned objects only; they are never logged or put into errors.
 */
export function readRegistryCredentials(config: Config): RegistryCredentials[] {
  const entries = config.getOptionalConfigArray('kargo.registries') ?? [];
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const host = hostOf(entry.getString('host'));
    if (host === '') {
      throw new InputError(`kargo.registries[${index}].host must name a host`);
    }
    if (seen.has(host)) {
      throw new InputError(
        `kargo.registries[${index}].host: credentials for ${host} are configured twice`,
      );
    }
    seen.add(host);
    return {
      host,
      username: entry.getString('username'),
      password: entry.getString('password'),
    };
  });
}

/** The credentials configured for a host (Docker Hub's names count as one), if any. */
export function findRegistryCredentials(
  credentials: readonly RegistryCredentials[],
  host: string,
): BasicCredentials | undefined {
  const wanted = normalizeRegistryHost(host);
  const found = credentials.find(entry => entry.host === wanted);
  return found && { username: found.username, password: found.password };
}

/** The `Authorization` value for basic credentials. */
export function basicAuthorization(credentials: BasicCredentials): string {
  const token = Buffer.from(
    `${credentials.username}:${credentials.password}`,
    'utf8',
  ).toString('base64');
  return `Basic ${token}`;
}
