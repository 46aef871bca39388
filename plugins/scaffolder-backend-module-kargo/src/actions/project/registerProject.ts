import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotAllowedError,
  ResponseError,
} from '@backstage/errors';
import { KargoClient, ProjectSummary } from '@kargo-portal/plugin-kargo-common';
import { SCAFFOLDER_TEMPLATE_ANNOTATION } from './renderProject';

/** What registering did. */
export type RegistrationResult = 'created' | 'updated';

/**
 * Registers a project with the Kargo backend's API on behalf of the user running the template: the request carries
 * a token the auth service issues for that user (`onBehalfOf`), so the backend checks `kargo.project.create` and
 * `kargo.project.update` against them. A project this template created is replaced (the backend keeps one version
 * per distinct content, so identical manifests change nothing); any other project of that name is a conflict.
 */
export async function registerProject(options: {
  auth: AuthService;
  discovery: DiscoveryService;
  credentials: BackstageCredentials;
  project: string;
  manifests: string;
  template: string;
}): Promise<{ result: RegistrationResult; summary: ProjectSummary }> {
  const { auth, discovery, credentials, project, manifests, template } =
    options;
  const client = new KargoClient({
    discoveryApi: discovery,
    fetchApi: {
      fetch: async (input, init) => {
        // A fresh token per request: they are short-lived. It never reaches a log or an error message.
        const { token } = await auth.getPluginRequestToken({
          onBehalfOf: credentials,
          targetPluginId: 'kargo',
        });
        const headers = new Headers(init?.headers);
        headers.set('Authorization', `Bearer ${token}`);
        return fetch(input, { ...init, headers });
      },
    },
  });
  const who = principalOf(credentials);

  const existing = await call(
    () => client.getProject(project),
    `reading Kargo project "${project}"`,
    who,
  ).catch(error => {
    if (error instanceof ResponseError && error.response.status === 404) {
      return undefined;
    }
    throw error;
  });
  if (!existing) {
    const summary = await call(
      () => client.createProject(manifests),
      `creating Kargo project "${project}"`,
      who,
    );
    return { result: 'created', summary };
  }
  if (existing.source !== 'api') {
    throw new ConflictError(
      `project: the Kargo project "${project}" already exists, defined by a configured ${existing.source} source (kargo.definitions), not by this template`,
    );
  }
  const creator = existing.annotations[SCAFFOLDER_TEMPLATE_ANNOTATION];
  if (creator !== template) {
    throw new ConflictError(
      `project: the Kargo project "${project}" already exists and was not created by this template (${template})${
        creator ? `; it was created by the template ${creator}` : ''
      }`,
    );
  }
  const summary = await call(
    () => client.replaceProject(project, manifests),
    `updating Kargo project "${project}"`,
    who,
  );
  return { result: 'updated', summary };
}

/** Runs a call, turning the backend's refusals into errors that say who was refused what. */
async function call<T>(
  run: () => Promise<T>,
  doing: string,
  who: string,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ResponseError) {
      const message = error.body.error.message;
      if (error.response.status === 403) {
        throw new NotAllowedError(
          `${doing} on behalf of ${who} was refused: ${message}`,
        );
      }
      if (error.response.status === 409) {
        throw new ConflictError(`project: ${doing}: ${message}`);
      }
    }
    throw error;
  }
}

function principalOf(credentials: BackstageCredentials): string {
  const { principal } = credentials;
  if (
    typeof principal === 'object' &&
    principal !== null &&
    'userEntityRef' in principal &&
    typeof principal.userEntityRef === 'string'
  ) {
    return principal.userEntityRef;
  }
  return 'the user running the template';
}
