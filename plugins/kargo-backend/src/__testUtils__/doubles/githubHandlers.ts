/* The endpoints of the GitHub API double (githubApi.ts): branches, compare, pull requests and labels. */
import { createHash } from 'node:crypto';
import { DoubleRequest, DoubleResponse } from './loopbackServer';

import { GithubPullDouble, GithubRepositoryDouble } from './githubRepository';

const DOCS = 'https://docs.github.com/rest';

export interface Context {
  repository: GithubRepositoryDouble;
  request: DoubleRequest;
  apiBaseUrl: string;
  webHost: string;
}

export function error(
  status: number,
  message: string,
  errors?: unknown[],
): DoubleResponse {
  return {
    status,
    body: {
      message,
      ...(errors ? { errors } : {}),
      documentation_url: DOCS,
      status: String(status),
    },
  };
}

export function notFound(): DoubleResponse {
  return error(404, 'Not Found');
}

function validationFailed(errors: unknown[]): DoubleResponse {
  return error(422, 'Validation Failed', errors);
}

export function getBranch(
  { repository }: Context,
  branch: string,
): DoubleResponse {
  const head = repository.git.head(branch);
  if (!head) return error(404, 'Branch not found');
  return {
    status: 200,
    body: {
      name: branch,
      commit: {
        sha: head.sha,
        commit: { message: head.message, author: { date: head.date } },
        parents: head.parents.map(sha => ({ sha })),
      },
      protected: false,
    },
  };
}

export function compare(
  { repository }: Context,
  basehead: string,
): DoubleResponse {
  const [base, head] = basehead.split('...');
  if (head === undefined) return notFound();
  const comparison = repository.git.compare(base, head);
  if (!comparison) return notFound();
  const aheadBy = comparison.ahead.length;
  let status = 'identical';
  if (aheadBy > 0 && comparison.behindBy > 0) status = 'diverged';
  else if (aheadBy > 0) status = 'ahead';
  else if (comparison.behindBy > 0) status = 'behind';
  return {
    status: 200,
    body: {
      status,
      ahead_by: aheadBy,
      behind_by: comparison.behindBy,
      total_commits: aheadBy,
      merge_base_commit: { sha: comparison.mergeBase },
      commits: comparison.ahead.map(commit => ({
        sha: commit.sha,
        commit: { message: commit.message },
      })),
      files: comparison.changedFiles.map(filename => ({
        filename,
        status: 'modified',
      })),
    },
  };
}

function pullJson(
  { repository, apiBaseUrl, webHost }: Context,
  pull: GithubPullDouble,
  detailed: boolean,
) {
  const { owner, name, git } = repository;
  const headSha = repository.headSha(pull);
  const fullName = `${owner}/${name}`;
  const json: Record<string, unknown> = {
    url: `${apiBaseUrl}/repos/${fullName}/pulls/${pull.number}`,
    id: 1_000_000 + pull.number,
    html_url: `https://${webHost}/${fullName}/pull/${pull.number}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    body: pull.body,
    user: { login: 'double-user' },
    labels: pull.labels.map((label, i) => ({ id: i + 1, name: label })),
    created_at: pull.createdAt,
    updated_at: pull.mergedAt ?? pull.createdAt,
    closed_at: pull.state === 'closed' ? pull.mergedAt ?? pull.createdAt : null,
    merged_at: pull.mergedAt ?? null,
    // Like GitHub: before the merge, the commit of a test merge.
    merge_commit_sha:
      pull.mergeCommitSha ??
      createHash('sha1').update(`test-merge ${headSha}`).digest('hex'),
    draft: pull.draft,
    head: {
      label: `${owner}:${pull.head}`,
      ref: pull.head,
      sha: headSha,
      repo: { full_name: fullName },
    },
    base: {
      label: `${owner}:${pull.base}`,
      ref: pull.base,
      sha: git.head(pull.base)?.sha ?? '',
      repo: { full_name: fullName },
    },
  };
  if (detailed) {
    const state =
      pull.state === 'open' ? repository.mergeableState(pull) : 'unknown';
    json.merged = pull.mergedAt !== undefined;
    json.mergeable = mergeableFlag(state);
    json.mergeable_state = state;
  }
  return json;
}

function mergeableFlag(state: string): boolean | null {
  if (state === 'unknown') return null;
  return state !== 'dirty';
}

export function listPulls(context: Context): DoubleResponse {
  const { repository, request, apiBaseUrl } = context;
  const state = request.query.get('state') ?? 'open';
  const head = request.query.get('head');
  const base = request.query.get('base');
  const perPage = Math.min(Number(request.query.get('per_page') ?? 30), 100);
  const page = Number(request.query.get('page') ?? 1);
  const matching = repository.pulls
    .filter(pull => state === 'all' || pull.state === state)
    .filter(pull => !head || `${repository.owner}:${pull.head}` === head)
    .filter(pull => !base || pull.base === base)
    .sort((a, b) => b.number - a.number);
  const slice = matching.slice((page - 1) * perPage, page * perPage);
  const headers: Record<string, string> = {};
  if (page * perPage < matching.length) {
    const next = new URLSearchParams(request.query);
    next.set('page', String(page + 1));
    const origin = new URL(apiBaseUrl).origin;
    headers.Link = `<${origin}${request.rawPath}?${next}>; rel="next"`;
  }
  return {
    status: 200,
    body: slice.map(pull => pullJson(context, pull, false)),
    headers,
  };
}

function findPull(context: Context, number: string) {
  return /^\d+$/.test(number)
    ? context.repository.pull(Number(number))
    : undefined;
}

export function getPull(context: Context, number: string): DoubleResponse {
  const pull = findPull(context, number);
  if (!pull) return notFound();
  return { status: 200, body: pullJson(context, pull, true) };
}

function stringField(body: unknown, field: string): string | undefined {
  if (typeof body !== 'object' || body === null || !(field in body)) {
    return undefined;
  }
  const value: unknown = Reflect.get(body, field);
  return typeof value === 'string' ? value : undefined;
}

export function createPull(context: Context): DoubleResponse {
  const { repository, request } = context;
  const missing = ['title', 'head', 'base'].filter(
    field => !stringField(request.body, field),
  );
  if (missing.length > 0) {
    return validationFailed(
      missing.map(field => ({
        resource: 'PullRequest',
        field,
        code: 'missing_field',
      })),
    );
  }
  let head = stringField(request.body, 'head')!;
  const base = stringField(request.body, 'base')!;
  const ownerPrefix = `${repository.owner}:`;
  if (head.startsWith(ownerPrefix)) head = head.slice(ownerPrefix.length);
  const { git } = repository;
  const invalid = [
    ...(git.head(head) ? [] : ['head']),
    ...(git.head(base) ? [] : ['base']),
  ];
  if (invalid.length > 0) {
    return validationFailed(
      invalid.map(field => ({
        resource: 'PullRequest',
        field,
        code: 'invalid',
      })),
    );
  }
  if (
    repository.pulls.some(
      pull => pull.state === 'open' && pull.head === head && pull.base === base,
    )
  ) {
    return validationFailed([
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `A pull request already exists for ${repository.owner}:${head}.`,
      },
    ]);
  }
  if (git.compare(base, head)!.ahead.length === 0) {
    return validationFailed([
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `No commits between ${base} and ${head}`,
      },
    ]);
  }
  const pull: GithubPullDouble = {
    number: repository.pulls.length + 1,
    title: stringField(request.body, 'title')!,
    body: stringField(request.body, 'body') ?? '',
    head,
    base,
    state: 'open',
    createdAt: new Date().toISOString(),
    draft: Reflect.get(Object(request.body), 'draft') === true,
    labels: [],
  };
  repository.pulls.push(pull);
  return { status: 201, body: pullJson(context, pull, true) };
}

const MERGE_METHOD_REFUSALS: Record<string, string> = {
  merge: 'Merge commits are not allowed on this repository.',
  squash: 'Squash merges are not allowed on this repository.',
  rebase: 'Rebase merges are not allowed on this repository.',
};

const STATE_REFUSALS: Record<string, string> = {
  dirty: 'Pull Request is not mergeable',
  draft: 'Pull Request is still a draft',
  blocked:
    'At least 1 approving review is required by reviewers with write access.',
  behind: 'Head branch is out of date. Review and try the merge again.',
};

function isMergeMethod(
  method: string,
): method is 'merge' | 'squash' | 'rebase' {
  return method === 'merge' || method === 'squash' || method === 'rebase';
}

export function mergePull(context: Context, number: string): DoubleResponse {
  const { repository, request } = context;
  const pull = findPull(context, number);
  if (!pull) return notFound();
  const method = stringField(request.body, 'merge_method') ?? 'merge';
  if (!isMergeMethod(method)) {
    return validationFailed([
      { resource: 'PullRequest', field: 'merge_method', code: 'invalid' },
    ]);
  }
  if (pull.state !== 'open') return error(405, 'Pull Request is not mergeable');
  if (!repository.allowedMergeMethods.has(method)) {
    return error(405, MERGE_METHOD_REFUSALS[method]);
  }
  if (pull.mergeRefusal) return error(405, pull.mergeRefusal);
  const refusal = STATE_REFUSALS[repository.mergeableState(pull)];
  if (refusal) return error(405, refusal);
  const expectedSha = stringField(request.body, 'sha');
  if (expectedSha && expectedSha !== repository.headSha(pull)) {
    return error(
      409,
      'Head branch was modified. Review and try the merge again.',
    );
  }
  const commit = repository.mergePull(pull.number, method);
  return {
    status: 200,
    body: {
      sha: commit.sha,
      merged: true,
      message: 'Pull Request successfully merged',
    },
  };
}

export function addLabels(context: Context, number: string): DoubleResponse {
  const pull = findPull(context, number);
  if (!pull) return notFound();
  const body = context.request.body;
  const labels: unknown = Array.isArray(body)
    ? body
    : Reflect.get(Object(body), 'labels');
  if (
    !Array.isArray(labels) ||
    labels.some(label => typeof label !== 'string')
  ) {
    return validationFailed([
      { resource: 'Label', field: 'labels', code: 'invalid' },
    ]);
  }
  for (const label of labels) {
    if (!pull.labels.includes(label)) pull.labels.push(label);
  }
  return {
    status: 200,
    body: pull.labels.map((name, i) => ({
      id: i + 1,
      name,
      color: 'ededed',
      default: false,
    })),
  };
}
