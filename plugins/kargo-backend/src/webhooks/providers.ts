import crypto from 'node:crypto';
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
  | { kind: 'ignored'; reason: string }
  | { kind: 'unauthorized'; reason: string };

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

type Provider = (request: WebhookRequest, secret: string) => WebhookVerdict;

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

/** GitLab: `X-Gitlab-Token` equals the secret; push and tag push events. */
const gitlab: Provider = (request, secret) => {
  if (!same(header(request, 'x-gitlab-token'), secret)) {
    return unauthorized('X-Gitlab-Token does not match the secret');
  }
  const payload = json(request);
  const kind = field(payload, 'object_kind');
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

/** Gitea: `X-Gitea-Signature: <hex HMAC-SHA256 of the body>`; push events. */
const gitea: Provider = (request, secret) => {
  if (
    !same(header(request, 'x-gitea-signature'), hmacHex(secret, request.body))
  ) {
    return unauthorized('X-Gitea-Signature does not match the secret');
  }
  const event = header(request, 'x-gitea-event');
  const payload = json(request);
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

/** Bitbucket Cloud: `X-Hub-Signature: sha256=<HMAC-SHA256 of the body>`; `repo:push` events. */
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

/** Receivers by the field that names them in a ProjectConfig's `webhookReceivers`. */
export const WEBHOOK_PROVIDERS: Record<string, Provider> = {
  github,
  gitlab,
  gitea,
  bitbucket,
  dockerhub,
  quay,
  harbor,
  generic,
};
