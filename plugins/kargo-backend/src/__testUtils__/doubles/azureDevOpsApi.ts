/*
 * TEST DOUBLE of the Azure DevOps Git REST API (https://learn.microsoft.com/rest/api/azure/devops/git/), for
 * tests only.
 *
 * A node HTTP server on 127.0.0.1 standing in for an Azure DevOps collection (`https://dev.azure.com/{org}` or
 * an Azure DevOps Server collection), speaking the part of the API the pull request steps use, with its status
 * codes and JSON shapes (errors as `{"message": ..., "typeKey": ...}`, lists as `{"value": [...], "count"}`).
 * Every path is under `/:org/:project/_apis/git/repositories/:repo` and needs `api-version`:
 *   GET   .../refs?filter=heads/<prefix>                          200
 *   GET   .../commits/:id                                         200 | 404
 *   GET   .../diffs/commits?baseVersion&targetVersion&diffCommonCommit   200 | 404
 *   GET   .../pullrequests?searchCriteria.status&sourceRefName&targetRefName&$top&$skip   200
 *   POST  .../pullrequests                                        201 | 400 (missing field, same branches) |
 *                                                                 404 (unknown ref) | 409 (an active one exists)
 *   GET   .../pullrequests/:id                                    200 | 404
 *   PATCH .../pullrequests/:id  {status:"completed", lastMergeSourceCommit}   200 | 409 (source moved, not
 *                                                                 mergeable, policy) | 400 (bad strategy)
 * Every request needs basic auth with an empty user and the double's personal access token: 401 otherwise.
 * `mergeStatus` is computed (`succeeded`, `conflicts`) unless a test sets one (`queued`, `rejectedByPolicy`).
 */
import {
  DoubleRequest,
  DoubleResponse,
  LoopbackServer,
  startLoopbackServer,
} from './loopbackServer';
import { RepositoryModel } from './repositoryModel';

/** A pull request as the double stores it. */
export interface AzurePullDouble {
  id: number;
  title: string;
  description: string;
  source: string;
  target: string;
  status: 'active' | 'completed' | 'abandoned';
  frozenSha?: string;
  mergeCommitSha?: string;
  creationDate: string;
  isDraft: boolean;
  labels: string[];
  /** Reported instead of the computed one, e.g. `queued` or `rejectedByPolicy`. */
  mergeStatus?: string;
}

/** A repository of the double, addressed as `org/project/repo`. */
export class AzureRepositoryDouble {
  readonly pulls: AzurePullDouble[] = [];

  constructor(readonly path: string, readonly git: RepositoryModel) {}

  pull(id: number): AzurePullDouble | undefined {
    return this.pulls.find(pull => pull.id === id);
  }

  mergeStatus(pull: AzurePullDouble): string {
    if (pull.status !== 'active') return 'succeeded';
    if (pull.mergeStatus) return pull.mergeStatus;
    return this.git.conflicts(pull.source, pull.target)
      ? 'conflicts'
      : 'succeeded';
  }

  complete(id: number, strategy = 'noFastForward'): void {
    const pull = this.pull(id);
    if (!pull || pull.status !== 'active')
      throw new Error(`!${id} is not active`);
    const headSha = this.git.head(pull.source)!.sha;
    let method: 'merge' | 'squash' | 'rebase' = 'merge';
    if (strategy === 'squash') method = 'squash';
    else if (strategy === 'rebase') method = 'rebase';
    pull.mergeCommitSha = this.git.merge(
      pull.source,
      pull.target,
      method,
      `Merged PR ${id}: ${pull.title}`,
    ).sha;
    pull.frozenSha = headSha;
    pull.status = 'completed';
  }

  abandon(id: number): void {
    const pull = this.pull(id);
    if (!pull) throw new Error(`no pull request ${id}`);
    pull.frozenSha = this.git.head(pull.source)?.sha;
    pull.status = 'abandoned';
  }

  headSha(pull: AzurePullDouble): string {
    return pull.frozenSha ?? this.git.head(pull.source)?.sha ?? '';
  }
}

/** A running Azure DevOps API double. */
export interface AzureDevOpsApiDouble {
  /** `http://127.0.0.1:<port>`: the host of repository URLs `<url>/<org>/<project>/_git/<repo>`. */
  url: string;
  /** `127.0.0.1:<port>`, for `integrations.azure[].host`. */
  host: string;
  token: string;
  requests: DoubleRequest[];
  /** Adds `org/project/repo`. */
  addRepository(path: string): AzureRepositoryDouble;
  close(): Promise<void>;
}

/** Starts an Azure DevOps API double on a loopback port. */
export async function startAzureDevOpsApiDouble(
  options: { token?: string } = {},
): Promise<AzureDevOpsApiDouble> {
  const token = options.token ?? 'azure-double-pat';
  const basic = `Basic ${Buffer.from(`:${token}`).toString('base64')}`;
  const repositories: AzureRepositoryDouble[] = [];
  let url = '';

  const handle = (request: DoubleRequest): DoubleResponse => {
    if (request.headers.authorization !== basic) {
      return { status: 401, body: undefined };
    }
    const [
      org,
      project,
      apis,
      git,
      repositoriesSegment,
      name,
      collection,
      ...rest
    ] = request.segments.map(decodeURIComponent);
    if (
      apis !== '_apis' ||
      git !== 'git' ||
      repositoriesSegment !== 'repositories'
    ) {
      return error(404, 'The resource cannot be found.', 'NotFoundException');
    }
    if (!request.query.get('api-version')) {
      return error(
        400,
        'No api-version was supplied for the request.',
        'VssVersionNotSpecifiedException',
      );
    }
    const repo = repositories.find(
      candidate =>
        candidate.path.toLowerCase() ===
        `${org}/${project}/${name}`.toLowerCase(),
    );
    if (!repo) {
      return error(
        404,
        `TF401019: The Git repository with name or identifier ${name} does not exist or you do not have permissions for the operation you are attempting.`,
        'GitRepositoryNotFoundException',
      );
    }
    const context: Context = {
      repo,
      request,
      webUrl: `${url}/${org}/${project}/_git/${name}`,
    };
    const method = request.method;
    const query = request.query;

    if (collection === 'refs' && method === 'GET') {
      const prefix = `refs/${query.get('filter') ?? ''}`;
      const value = [...repo.git.branches.entries()]
        .map(([branch, sha]) => ({
          name: `refs/heads/${branch}`,
          objectId: sha,
        }))
        .filter(ref => ref.name.startsWith(prefix));
      return { status: 200, body: { value, count: value.length } };
    }
    if (collection === 'commits' && method === 'GET' && rest.length === 1) {
      const commit = repo.git.commits.get(rest[0]);
      if (!commit)
        return error(
          404,
          `TF401175: The item ${rest[0]} cannot be found.`,
          'GitItemNotFoundException',
        );
      return {
        status: 200,
        body: { commitId: commit.sha, comment: commit.message },
      };
    }
    if (collection === 'diffs' && rest[0] === 'commits' && method === 'GET') {
      const comparison = repo.git.compare(
        query.get('baseVersion') ?? '',
        query.get('targetVersion') ?? '',
      );
      if (!comparison)
        return error(
          404,
          'TF401175: The version cannot be found.',
          'GitUnresolvableToCommitException',
        );
      const changes = comparison.changedFiles.map(path => ({
        item: { path: `/${path}` },
        changeType: 'edit',
      }));
      const top = Number(query.get('$top') ?? 100);
      return {
        status: 200,
        body: {
          commonCommit: comparison.mergeBase,
          aheadCount: comparison.ahead.length,
          behindCount: comparison.behindBy,
          changes: changes.slice(0, top),
          allChangesIncluded: changes.length <= top,
        },
      };
    }
    if (collection === 'pullrequests') {
      if (rest.length === 0 && method === 'GET') return list(context);
      if (rest.length === 0 && method === 'POST') return create(context);
      const pull = /^\d+$/.test(rest[0] ?? '')
        ? repo.pull(Number(rest[0]))
        : undefined;
      if (!pull) {
        return error(
          404,
          `TF401180: The requested pull request was not found.`,
          'GitPullRequestNotFoundException',
        );
      }
      if (rest.length === 1 && method === 'GET')
        return { status: 200, body: pullJson(context, pull) };
      if (rest.length === 1 && method === 'PATCH') return update(context, pull);
    }
    return error(404, 'The resource cannot be found.', 'NotFoundException');
  };

  const server: LoopbackServer = await startLoopbackServer(handle);
  url = server.url;
  return {
    url: server.url,
    host: new URL(server.url).host,
    token,
    requests: server.requests,
    addRepository(path) {
      const repo = new AzureRepositoryDouble(path, new RepositoryModel());
      repositories.push(repo);
      return repo;
    },
    close: () => server.close(),
  };
}

interface Context {
  repo: AzureRepositoryDouble;
  request: DoubleRequest;
  webUrl: string;
}

function error(
  status: number,
  message: string,
  typeKey: string,
): DoubleResponse {
  return { status, body: { $id: '1', message, typeKey, errorCode: 0 } };
}

function field(body: unknown, ...path: string[]): unknown {
  let value: unknown = body;
  for (const name of path) {
    value =
      typeof value === 'object' && value !== null
        ? Reflect.get(value, name)
        : undefined;
  }
  return value;
}

function branchOf(ref: unknown): string | undefined {
  return typeof ref === 'string' && ref.startsWith('refs/heads/')
    ? ref.slice('refs/heads/'.length)
    : undefined;
}

function pullJson({ repo, webUrl }: Context, pull: AzurePullDouble) {
  return {
    pullRequestId: pull.id,
    codeReviewId: pull.id,
    status: pull.status,
    title: pull.title,
    description: pull.description,
    sourceRefName: `refs/heads/${pull.source}`,
    targetRefName: `refs/heads/${pull.target}`,
    mergeStatus: repo.mergeStatus(pull),
    isDraft: pull.isDraft,
    creationDate: pull.creationDate,
    lastMergeSourceCommit: { commitId: repo.headSha(pull) },
    lastMergeTargetCommit: { commitId: repo.git.head(pull.target)?.sha },
    ...(pull.mergeCommitSha
      ? { lastMergeCommit: { commitId: pull.mergeCommitSha } }
      : {}),
    labels: pull.labels.map(name => ({ name, active: true })),
    repository: { name: repo.path.split('/')[2], webUrl },
  };
}

function list(context: Context): DoubleResponse {
  const { repo, request } = context;
  const status = request.query.get('searchCriteria.status') ?? 'active';
  const source = branchOf(request.query.get('searchCriteria.sourceRefName'));
  const target = branchOf(request.query.get('searchCriteria.targetRefName'));
  const top = Number(request.query.get('$top') ?? 101);
  const skip = Number(request.query.get('$skip') ?? 0);
  const value = repo.pulls
    .filter(pull => status === 'all' || pull.status === status)
    .filter(pull => !source || pull.source === source)
    .filter(pull => !target || pull.target === target)
    .sort((a, b) => b.id - a.id)
    .slice(skip, skip + top)
    .map(pull => pullJson(context, pull));
  return { status: 200, body: { value, count: value.length } };
}

function create(context: Context): DoubleResponse {
  const { repo, request } = context;
  const source = branchOf(field(request.body, 'sourceRefName'));
  const target = branchOf(field(request.body, 'targetRefName'));
  const title = field(request.body, 'title');
  if (!source || !target || typeof title !== 'string' || title === '') {
    return error(
      400,
      'Value cannot be null.\r\nParameter name: sourceRefName, targetRefName or title',
      'ArgumentNullException',
    );
  }
  if (source === target) {
    return error(
      400,
      'TF401402: The source and target refs must be different.',
      'InvalidArgumentValueException',
    );
  }
  if (!repo.git.head(source) || !repo.git.head(target)) {
    return error(
      404,
      `TF401398: The pull request cannot be activated because the source and/or the target branch no longer exists.`,
      'GitPullRequestCannotBeActivated',
    );
  }
  const existing = repo.pulls.find(
    pull =>
      pull.status === 'active' &&
      pull.source === source &&
      pull.target === target,
  );
  if (existing) {
    return error(
      409,
      `TF401179: An active pull request for the source and target branch already exists.`,
      'GitPullRequestExistsException',
    );
  }
  const labels = field(request.body, 'labels');
  const pull: AzurePullDouble = {
    id: repo.pulls.length + 1,
    title,
    description:
      typeof field(request.body, 'description') === 'string'
        ? String(field(request.body, 'description'))
        : '',
    source,
    target,
    status: 'active',
    creationDate: new Date(
      Date.UTC(2026, 0, 1) + repo.pulls.length * 1000,
    ).toISOString(),
    isDraft: field(request.body, 'isDraft') === true,
    labels: Array.isArray(labels)
      ? labels.map(label => String(field(label, 'name')))
      : [],
  };
  repo.pulls.push(pull);
  return { status: 201, body: pullJson(context, pull) };
}

function update(context: Context, pull: AzurePullDouble): DoubleResponse {
  const { repo, request } = context;
  if (field(request.body, 'status') !== 'completed') {
    return error(
      400,
      'Only completion is supported by this double.',
      'InvalidArgumentValueException',
    );
  }
  const strategy =
    field(request.body, 'completionOptions', 'mergeStrategy') ??
    'noFastForward';
  if (
    typeof strategy !== 'string' ||
    !['noFastForward', 'rebase', 'rebaseMerge', 'squash'].includes(strategy)
  ) {
    return error(
      400,
      `The merge strategy ${String(strategy)} is not valid.`,
      'InvalidArgumentValueException',
    );
  }
  if (pull.status !== 'active') {
    return error(
      409,
      `TF401181: The pull request cannot be edited due to its state.`,
      'InvalidPullRequestException',
    );
  }
  const expected = field(request.body, 'lastMergeSourceCommit', 'commitId');
  if (expected !== repo.headSha(pull)) {
    return error(
      409,
      'TF401192: The pull request source commit does not match.',
      'GitPullRequestStaleException',
    );
  }
  if (pull.isDraft || repo.mergeStatus(pull) !== 'succeeded') {
    return error(
      409,
      'TF401027: The pull request cannot be completed: policies or merge status.',
      'GitPullRequestCannotBeCompleted',
    );
  }
  repo.complete(pull.id, strategy);
  return { status: 200, body: pullJson(context, pull) };
}
