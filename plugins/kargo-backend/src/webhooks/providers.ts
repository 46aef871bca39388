import crypto from 'node:crypto';
import type { ArtifactSourceWebhookEvent } from '@kargo-portal/plugin-kargo-node';

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

function json(request: WebhookRequest): any {
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch {
    return undefined;
  }
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
  if (event === 'push' && payload?.repository) {
    const repo = payload.repository;
    return {
      kind: 'push',
      push: {
        gitRepoURLs: strings(repo.clone_url, repo.html_url, repo.ssh_url),
        imageRepoURLs: [],
        branch: branchOf(payload.ref),
      },
    };
  }
  if ((event === 'package' || event === 'registry_package') && payload) {
    const pkg = payload.package ?? payload.registry_package;
    const url: unknown = pkg?.package_version?.package_url;
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
  const kind = payload?.object_kind;
  if ((kind === 'push' || kind === 'tag_push') && payload.project) {
    const p = payload.project;
    return {
      kind: 'push',
      push: {
        gitRepoURLs: strings(p.git_http_url, p.git_ssh_url, p.web_url),
        imageRepoURLs: [],
        branch: branchOf(payload.ref),
      },
    };
  }
  return ignored(`GitLab event "${kind}" does not refresh warehouses`);
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
  if (event === 'push' && payload?.repository) {
    const repo = payload.repository;
    return {
      kind: 'push',
      push: {
        gitRepoURLs: strings(repo.clone_url, repo.html_url, repo.ssh_url),
        imageRepoURLs: [],
        branch: branchOf(payload.ref),
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
  if (event === 'repo:push' && payload?.repository) {
    const html: unknown = payload.repository.links?.html?.href;
    const change = payload.push?.changes?.[0]?.new;
    return {
      kind: 'push',
      push: {
        gitRepoURLs: strings(
          html,
          typeof html === 'string' ? `${html}.git` : '',
        ),
        imageRepoURLs: [],
        branch: change?.type === 'branch' ? change.name : undefined,
      },
    };
  }
  return ignored(`Bitbucket event "${event}" does not refresh warehouses`);
};

/** Docker Hub sends no signature: the unguessable receiver URL is the secret. */
const dockerhub: Provider = request => {
  const payload = json(request);
  const name: unknown = payload?.repository?.repo_name;
  if (typeof name !== 'string') return ignored('not a Docker Hub push');
  const image = name.includes('/')
    ? `docker.io/${name}`
    : `docker.io/library/${name}`;
  return { kind: 'push', push: { gitRepoURLs: [], imageRepoURLs: [image] } };
};

/** Quay sends no signature either: the receiver URL is the secret. */
const quay: Provider = request => {
  const payload = json(request);
  const url: unknown = payload?.docker_url;
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
  if (payload?.type !== 'PUSH_ARTIFACT') {
    return ignored(
      `Harbor event "${payload?.type}" does not refresh warehouses`,
    );
  }
  const resources: any[] = payload.event_data?.resources ?? [];
  const images = resources
    .map(r => r?.resource_url)
    .filter((u): u is string => typeof u === 'string')
    .map(u => u.split(/[:@]/)[0]);
  return { kind: 'push', push: { gitRepoURLs: [], imageRepoURLs: images } };
};

/**
 * Generic receiver: authenticated by its URL (like Docker Hub's); a JSON body may name the repositories
 * (`{"repoURLs": [...]}` or `{"repoURL": "..."}`); without one, every warehouse its actions target refreshes.
 */
const generic: Provider = request => {
  const payload = json(request) ?? {};
  const urls = strings(
    payload.repoURL,
    ...(Array.isArray(payload.repoURLs) ? payload.repoURLs : []),
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
