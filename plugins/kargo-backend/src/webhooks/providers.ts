import crypto from 'node:crypto';
import type { WebhookReceiverConfig } from '@kargo-portal/plugin-kargo-common';
import type { ArtifactSourceWebhookEvent } from '@kargo-portal/plugin-kargo-node';
import { parseBoundedJson } from '../json/boundedJson';

/**
 * A push as a receiver understood it: the repositories it concerns and, for Git, the branch pushed to. Artifact
 * sources decide which subscriptions it refreshes.
 */
export type WebhookPush = ArtifactSourceWebhookEvent;

/** What a provider's request turned out to be. */
export type WebhookVerdict =
  | { kind: 'push'; push: WebhookPush }
  /** A pull request was merged or closed: promotions waiting on it in `git-wait-for-pr` look at it now. */
  | { kind: 'pullRequest'; url: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'unauthorized'; reason: string };

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

type Provider = (
  request: WebhookRequest,
  secret: string,
  config: WebhookReceiverConfig,
) => WebhookVerdict;

/** The key of the receiver's secret that holds its token: Kargo's `secret`, `secret-token` for Artifactory. */
export function secretKeyOf(provider: string): string {
  return provider === 'artifactory' ? 'secret-token' : 'secret';
}

function header(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function hmacHex(secret: string, body: Buffer): string {
  return crypto.createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time comparison of two strings. */
function same(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// Payloads of Git hosts and registries nest a few levels; the depth is checked before anything is built.
const MAX_PAYLOAD_DEPTH = 64;

function json(request: WebhookRequest): unknown {
  try {
    return parseBoundedJson(request.body, 'payload', MAX_PAYLOAD_DEPTH);
  } catch {
    return undefined;
  }
}

/** The value at a path of keys and indexes in a parsed payload, or `undefined` where the path leads nowhere. */
function field(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

const strings = (...values: unknown[]): string[] =>
  values.filter((v): v is string => typeof v === 'string' && v !== '');

function branchOf(ref: unknown): string | undefined {
  return typeof ref === 'string' && ref.startsWith('refs/heads/')
    ? ref.slice('refs/heads/'.length)
    : undefined;
}

const unauthorized = (reason: string): WebhookVerdict => ({
  kind: 'unauthorized',
  reason,
});
const ignored = (reason: string): WebhookVerdict => ({
  kind: 'ignored',
  reason,
});

/** A closed or merged pull request's web URL, as the provider reported it. */
function pullRequest(url: unknown, what: string): WebhookVerdict {
  return typeof url === 'string' && url !== ''
    ? { kind: 'pullRequest', url }
    : ignored(`${what} without a pull request URL`);
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>`; `push` events refresh Git subscriptions,
 * `package` / `registry_package` events refresh image subscriptions (GHCR).
 */
const github: Provider = (request, secret) => {
  const signature = header(request, 'x-hub-signature-256');
  if (!same(signature, `sha256=${hmacHex(secret, request.body)}`)) {
    return unauthorized('X-Hub-Signature-256 does not match the secret');
  }
  const event = header(request, 'x-github-event');
  const payload = json(request);
  if (event === 'ping') return ignored('ping');
  if (event === 'pull_request') {
    const action = field(payload, 'action');
    return action === 'closed'
      ? pullRequest(field(payload, 'pull_request', 'html_url'), 'GitHub event')
      : ignored(`pull request action "${String(action)}"`);
  }
  const repo = field(payload, 'repository');
  if (event === 'push' && repo) {
    return {
      kind: 'push',
      push: {
        gitRepoURLs: strings(
          field(repo, 'clone_url'),
          field(repo, 'html_url'),
          field(repo, 'ssh_url'),
        ),
        imageRepoURLs: [],
        branch: branchOf(field(payload, 'ref')),
      },
    };
  }
  if ((event === 'package' || event === 'registry_package') && payload) {
    const pkg = field(payload, 'package') ?? field(payload, 'registry_package');
    const url = field(pkg, 'package_version', 'package_url');
    const image = typeof url === 'string' ? url.split(/[:@]/)[0] : undefined;
    return {
      kind: 'push',
      push: { gitRepoURLs: [], imageRepoURLs: strings(image) },
    };
  }
  return ignored(`GitHub event "${event}" does not refresh warehouses`);
};

/** GitLab: `X-Gitlab-Token` equals the secret; push and tag push events; merged or closed merge requests. */
const gitlab: Provider = (request, secret) => {
  if (!same(header(request, 'x-gitlab-token'), secret)) {
    return unauthorized('X-Gitlab-Token does not match the secret');
  }
  const payload = json(request);
  const kind = field(payload, 'object_kind');
  if (kind === 'merge_request') {
    const action = field(payload, 'object_attributes', 'action');
    return action === 'merge' || action === 'close'
      ? pullRequest(field(payload, 'object_attributes', 'url'), 'GitLab event')
      : ignored(`merge request action "${String(action)}"`);
  }
  const p = field(payload, 'project');
  if ((kind === 'push' || kind === 'tag_push') && p) {
    return {
      kind: 'push',
      push: {
        gitRepoURLs: strings(
          field(p, 'git_http_url'),
          field(p, 'git_ssh_url'),
          field(p, 'web_url'),
        ),
        imageRepoURLs: [],
        branch: branchOf(field(payload, 'ref')),
      },
    };
  }
  return ignored(`GitLab event "${String(kind)}" does not refresh warehouses`);
};

/** Gitea: `X-Gitea-Signature: <hex HMAC-SHA256 of the body>`; push events; closed pull requests. */
const gitea: Provider = (request, secret) => {
  if (
    !same(header(request, 'x-gitea-signature'), hmacHex(secret, request.body))
  ) {
    return unauthorized('X-Gitea-Signature does not match the secret');
  }
  const event = header(request, 'x-gitea-event');
  const payload = json(request);
  if (event === 'pull_request') {
    const action = field(payload, 'action');
    return action === 'closed'
      ? pullRequest(field(payload, 'pull_request', 'html_url'), 'Gitea event')
      : ignored(`pull request action "${String(action)}"`);
  }
  const repo = field(payload, 'repository');
  if (event === 'push' && repo) {
    return {
      kind: 'push',
      push: {
        gitRepoURLs: strings(
          field(repo, 'clone_url'),
          field(repo, 'html_url'),
          field(repo, 'ssh_url'),
        ),
        imageRepoURLs: [],
        branch: branchOf(field(payload, 'ref')),
      },
    };
  }
  return ignored(`Gitea event "${event}" does not refresh warehouses`);
};

/**
 * Bitbucket Cloud and Bitbucket Server / Data Center, as Kargo's `bitbucket` receiver: `X-Hub-Signature:
 * sha256=<HMAC-SHA256 of the body>`; pushes (Cloud's `repo:push`, Server's `repo:refs_changed`); merged or
 * declined pull requests (Cloud's `pullrequest:fulfilled` and `pullrequest:rejected`, Server's `pr:merged` and
 * `pr:declined`).
 */
const bitbucket: Provider = (request, secret) => {
  if (
    !same(
      header(request, 'x-hub-signature'),
      `sha256=${hmacHex(secret, request.body)}`,
    )
  ) {
    return unauthorized('X-Hub-Signature does not match the secret');
  }
  const event = header(request, 'x-event-key');
  const payload = json(request);
  if (event === 'pullrequest:fulfilled' || event === 'pullrequest:rejected') {
    return pullRequest(
      field(payload, 'pullrequest', 'links', 'html', 'href'),
      'Bitbucket event',
    );
  }
  if (event === 'pr:merged' || event === 'pr:declined') {
    return pullRequest(
      field(payload, 'pullRequest', 'links', 'self', 0, 'href'),
      'Bitbucket Server event',
    );
  }
  if (event === 'repo:refs_changed' && field(payload, 'repository')) {
    const clones = field(payload, 'repository', 'links', 'clone');
    return {
      kind: 'push',
      push: {
        gitRepoURLs: strings(
          ...(Array.isArray(clones)
            ? clones.map(clone => field(clone, 'href'))
            : []),
        ),
        imageRepoURLs: [],
        branch: branchOf(field(payload, 'changes', 0, 'ref', 'id')),
      },
    };
  }
  if (event === 'repo:push' && field(payload, 'repository')) {
    const html = field(payload, 'repository', 'links', 'html', 'href');
    const change = field(payload, 'push', 'changes', 0, 'new');
    const changeName = field(change, 'name');
    return {
      kind: 'push',
      push: {
        gitRepoURLs: strings(
          html,
          typeof html === 'string' ? `${html}.git` : '',
        ),
        imageRepoURLs: [],
        branch:
          field(change, 'type') === 'branch' && typeof changeName === 'string'
            ? changeName
            : undefined,
      },
    };
  }
  return ignored(`Bitbucket event "${event}" does not refresh warehouses`);
};

/** Docker Hub sends no signature: the unguessable receiver URL is the secret. */
const dockerhub: Provider = request => {
  const payload = json(request);
  const name = field(payload, 'repository', 'repo_name');
  if (typeof name !== 'string') return ignored('not a Docker Hub push');
  const image = name.includes('/')
    ? `docker.io/${name}`
    : `docker.io/library/${name}`;
  return { kind: 'push', push: { gitRepoURLs: [], imageRepoURLs: [image] } };
};

/** Quay sends no signature either: the receiver URL is the secret. */
const quay: Provider = request => {
  const payload = json(request);
  const url = field(payload, 'docker_url');
  if (typeof url !== 'string') return ignored('not a Quay repository push');
  return { kind: 'push', push: { gitRepoURLs: [], imageRepoURLs: [url] } };
};

/** Harbor: the `Authorization` header carries the secret configured on the Harbor webhook. */
const harbor: Provider = (request, secret) => {
  const auth = header(request, 'authorization');
  if (!same(auth, secret) && !same(auth, `Bearer ${secret}`)) {
    return unauthorized('Authorization does not match the secret');
  }
  const payload = json(request);
  const type = field(payload, 'type');
  if (type !== 'PUSH_ARTIFACT') {
    return ignored(
      `Harbor event "${String(type)}" does not refresh warehouses`,
    );
  }
  const resources = field(payload, 'event_data', 'resources');
  const images = (Array.isArray(resources) ? resources : [])
    .map(r => field(r, 'resource_url'))
    .filter((u): u is string => typeof u === 'string')
    .map(u => u.split(/[:@]/)[0]);
  return { kind: 'push', push: { gitRepoURLs: [], imageRepoURLs: images } };
};

/**
 * Generic receiver: authenticated by its URL (like Docker Hub's); a JSON body may name the repositories
 * (`{"repoURLs": [...]}` or `{"repoURL": "..."}`); without one, every warehouse its actions target refreshes.
 */
const generic: Provider = request => {
  const payload = json(request);
  const list = field(payload, 'repoURLs');
  const urls = strings(
    field(payload, 'repoURL'),
    ...(Array.isArray(list) ? list : []),
  );
  return { kind: 'push', push: { gitRepoURLs: urls, imageRepoURLs: urls } };
};

/**
 * Azure: Azure DevOps service hooks (`User-Agent: VSServices/...`) and Azure Container Registry webhooks
 * (`User-Agent: AzureContainerRegistry/...`). Neither signs its deliveries: as in Kargo, the unguessable
 * receiver URL is the secret. A DevOps `git.push` refreshes Git subscriptions; `git.pullrequest.merged`, and
 * `git.pullrequest.updated` to abandoned, wake the promotions waiting on the pull request; an ACR `push`
 * refreshes image subscriptions.
 */
const azure: Provider = request => {
  const agent = header(request, 'user-agent') ?? '';
  const payload = json(request);
  if (agent.startsWith('AzureContainerRegistry')) {
    const action = field(payload, 'action');
    if (action === 'ping') return ignored('ping');
    const host = field(payload, 'request', 'host');
    const repository = field(payload, 'target', 'repository');
    if (
      action !== 'push' ||
      typeof host !== 'string' ||
      typeof repository !== 'string'
    ) {
      return ignored(
        `Azure Container Registry event "${String(
          action,
        )}" does not refresh warehouses`,
      );
    }
    return {
      kind: 'push',
      push: { gitRepoURLs: [], imageRepoURLs: [`${host}/${repository}`] },
    };
  }
  if (agent.startsWith('VSServices')) {
    const event = field(payload, 'eventType');
    const resource = field(payload, 'resource');
    if (event === 'git.push') {
      const remote = field(resource, 'repository', 'remoteUrl');
      const refUpdates = field(resource, 'refUpdates');
      const branches = (Array.isArray(refUpdates) ? refUpdates : [])
        .map(update => branchOf(field(update, 'name')))
        .filter((b): b is string => b !== undefined);
      return {
        kind: 'push',
        push: {
          // Azure DevOps puts the organization as user in remote URLs (https://org@dev.azure.com/...).
          gitRepoURLs: strings(
            typeof remote === 'string'
              ? remote.replace(/^(https?:\/\/)[^@/]+@/, '$1')
              : undefined,
          ),
          imageRepoURLs: [],
          branch: branches.length === 1 ? branches[0] : undefined,
        },
      };
    }
    if (
      event === 'git.pullrequest.merged' ||
      (event === 'git.pullrequest.updated' &&
        field(resource, 'status') === 'abandoned')
    ) {
      return pullRequest(
        field(resource, '_links', 'web', 'href'),
        'Azure DevOps event',
      );
    }
    return ignored(
      `Azure DevOps event "${String(event)}" does not refresh anything`,
    );
  }
  return ignored(
    'the request does not appear to come from Azure DevOps or Azure Container Registry (User-Agent)',
  );
};

/**
 * JFrog Artifactory: `X-Jfrog-Event-Auth: <hex HMAC-SHA256 of the body>` with the secret's `secret-token`;
 * `pushed` events of the `docker` domain, for images (`docker`) and OCI charts (`oci`). The repository is the
 * Artifactory host, the receiver's `virtualRepoName` (or the event's `repo_key`) and the image path.
 */
const artifactory: Provider = (request, secret, config) => {
  if (
    !same(header(request, 'x-jfrog-event-auth'), hmacHex(secret, request.body))
  ) {
    return unauthorized('X-Jfrog-Event-Auth does not match the secret');
  }
  const payload = json(request);
  const eventType = field(payload, 'event_type');
  const domain = field(payload, 'domain');
  if (eventType !== 'pushed' || domain !== 'docker') {
    return ignored(
      `Artifactory event "${String(domain)}/${String(
        eventType,
      )}" does not refresh warehouses (only docker/pushed)`,
    );
  }
  const imageType = field(payload, 'data', 'image_type');
  if (imageType !== 'docker' && imageType !== 'oci') {
    return ignored(
      `Artifactory image type "${String(imageType)}" is not supported`,
    );
  }
  let host: string;
  try {
    host = new URL(String(field(payload, 'jpd_origin'))).host;
  } catch {
    return ignored('the payload has no valid jpd_origin');
  }
  const path = field(payload, 'data', 'path');
  const sections = typeof path === 'string' ? path.split('/') : [];
  if (sections.length < 2) return ignored('the payload has no valid data.path');
  const repoName =
    config.artifactory?.virtualRepoName || field(payload, 'data', 'repo_key');
  if (typeof repoName !== 'string' || repoName === '') {
    return ignored('the payload has no data.repo_key');
  }
  // data.path ends with the tag and the manifest file: what is before them is the image's path.
  const image = [host, repoName, ...sections.slice(0, -2)].join('/');
  return { kind: 'push', push: { gitRepoURLs: [], imageRepoURLs: [image] } };
};

/** Receivers by the field that names them in a ProjectConfig's `webhookReceivers`. */
export const WEBHOOK_PROVIDERS: Record<string, Provider> = {
  artifactory,
  azure,
  github,
  gitlab,
  gitea,
  bitbucket,
  dockerhub,
  quay,
  harbor,
  generic,
};
