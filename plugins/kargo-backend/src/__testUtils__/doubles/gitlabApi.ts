/*
 * TEST DOUBLE of the GitLab REST API v4 (https://docs.gitlab.com/api/rest/), for tests only.
 *
 * A node HTTP server on 127.0.0.1 that speaks the part of the API the pull request steps use, with GitLab's
 * status codes and JSON shapes. Projects are addressed by URL-encoded full path (`group%2Fproject`) or id:
 *   GET  /api/v4/projects/:id/repository/branches/:branch     200 | 404 "404 Branch Not Found"
 *   GET  /api/v4/projects/:id/repository/compare?from&to&straight   200 | 400 | 404
 *   GET  /api/v4/projects/:id/merge_requests?state&source_branch&target_branch&per_page&page
 *                                                             200, `X-Next-Page` / `X-Total` headers
 *   POST /api/v4/projects/:id/merge_requests                  201 | 400 (missing field, unknown branch) |
 *                                                             409 "Another open merge request already exists" |
 *                                                             422 (same source and target)
 *   GET  /api/v4/projects/:id/merge_requests/:iid             200 | 404
 *   PUT  /api/v4/projects/:id/merge_requests/:iid/merge       200 | 405 (not open, draft, checks, approvals) |
 *                                                             406 (conflict) | 409 (sha mismatch) | 404
 * Every request needs `PRIVATE-TOKEN: <token>` or `Authorization: Bearer <token>`: 401 "401 Unauthorized"
 * otherwise. Unknown projects answer 404 "404 Project Not Found".
 *
 * State is in memory and public: tests add projects and commits (`RepositoryModel`), read the merge requests
 * the code under test opened, and act as a user would (`merge`, `close`, a `detailedMergeStatus` such as
 * `ci_still_running`, the project's merge method `ff`).
 */
import {
  DoubleRequest,
  DoubleResponse,
  LoopbackServer,
  startLoopbackServer,
} from './loopbackServer';
import { RepositoryModel } from './repositoryModel';

/** A merge request as the double stores it. */
export interface GitlabMergeRequestDouble {
  id: number;
  iid: number;
  title: string;
  description: string;
  sourceBranch: string;
  targetBranch: string;
  state: 'opened' | 'closed' | 'merged' | 'locked';
  /** Source head when merged or closed; open ones follow their branch. */
  frozenSha?: string;
  mergeCommitSha?: string;
  squashCommitSha?: string;
  createdAt: string;
  mergedAt?: string;
  draft: boolean;
  labels: string[];
  /** Reported instead of the computed status, e.g. `ci_still_running`, `not_approved`, `checking`. */
  detailedMergeStatus?: string;
}

let nextGlobalId = 500;

/** A project of the double. */
export class GitlabProjectDouble {
  readonly mergeRequests: GitlabMergeRequestDouble[] = [];
  /** The project's merge method: a merge commit, or fast-forward only (no merge commit). */
  mergeMethod: 'merge' | 'ff' = 'merge';

  constructor(
    readonly id: number,
    readonly pathWithNamespace: string,
    readonly git: RepositoryModel,
  ) {}

  mergeRequest(iid: number): GitlabMergeRequestDouble | undefined {
    return this.mergeRequests.find(mr => mr.iid === iid);
  }

  detailedMergeStatus(mr: GitlabMergeRequestDouble): string {
    if (mr.state !== 'opened') return 'not_open';
    if (mr.detailedMergeStatus) return mr.detailedMergeStatus;
    if (mr.draft) return 'draft_status';
    if (this.git.conflicts(mr.sourceBranch, mr.targetBranch)) return 'conflict';
    if (
      this.mergeMethod === 'ff' &&
      !this.git.isAncestor(mr.targetBranch, mr.sourceBranch)
    ) {
      return 'need_rebase';
    }
    return 'mergeable';
  }

  /** Merges a merge request as a user would in GitLab's UI. */
  merge(iid: number, options: { squash?: boolean } = {}): void {
    const mr = this.mergeRequest(iid);
    if (!mr || mr.state !== 'opened') throw new Error(`!${iid} is not open`);
    const sourceHead = this.git.head(mr.sourceBranch)!;
    if (options.squash) {
      const squash = this.git.merge(
        mr.sourceBranch,
        mr.targetBranch,
        'squash',
        mr.title,
      );
      mr.squashCommitSha = squash.sha;
      if (this.mergeMethod === 'merge') {
        // GitLab squashes onto the source line, then merges that commit with a merge commit.
        mr.mergeCommitSha = this.git.commit(
          mr.targetBranch,
          `Merge branch '${mr.sourceBranch}' into '${mr.targetBranch}'`,
          {},
        ).sha;
      }
    } else if (this.mergeMethod === 'ff') {
      this.git.fastForward(mr.sourceBranch, mr.targetBranch);
    } else {
      mr.mergeCommitSha = this.git.merge(
        mr.sourceBranch,
        mr.targetBranch,
        'merge',
        `Merge branch '${mr.sourceBranch}' into '${mr.targetBranch}'\n\n${mr.title}\n\nSee merge request ${this.pathWithNamespace}!${iid}`,
      ).sha;
    }
    mr.frozenSha = sourceHead.sha;
    mr.state = 'merged';
    mr.mergedAt = new Date().toISOString();
  }

  /** Closes a merge request without merging it. */
  close(iid: number): void {
    const mr = this.mergeRequest(iid);
    if (!mr) throw new Error(`no merge request !${iid}`);
    mr.frozenSha = this.git.head(mr.sourceBranch)?.sha;
    mr.state = 'closed';
  }

  sha(mr: GitlabMergeRequestDouble): string | null {
    return mr.frozenSha ?? this.git.head(mr.sourceBranch)?.sha ?? null;
  }
}

/** A running GitLab API double. */
export interface GitlabApiDouble {
  /** What to configure as `integrations.gitlab[].apiBaseUrl`: `<server>/api/v4`. */
  apiBaseUrl: string;
  /** The only token the double accepts. */
  token: string;
  /** Base of `web_url`s, e.g. `https://gitlab.com`. */
  webBaseUrl: string;
  requests: DoubleRequest[];
  /** Called with each authenticated request before it is answered: lets a test change state mid-flow. */
  onRequest?: (request: DoubleRequest) => void;
  /** Creates a project with one commit on its default branch. */
  addProject(
    pathWithNamespace: string,
    options?: { defaultBranch?: string },
  ): GitlabProjectDouble;
  project(pathWithNamespace: string): GitlabProjectDouble | undefined;
  close(): Promise<void>;
}

/** Starts a GitLab API double on a loopback port. */
export async function startGitlabApiDouble(
  options: { token?: string; webBaseUrl?: string } = {},
): Promise<GitlabApiDouble> {
  const token = options.token ?? 'glpat-doubletoken000000000';
  const webBaseUrl = options.webBaseUrl ?? 'https://gitlab.com';
  const projects: GitlabProjectDouble[] = [];

  let api: GitlabApiDouble | undefined = undefined;

  const handle = (request: DoubleRequest): DoubleResponse => {
    const presented =
      request.headers['private-token'] ??
      /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (presented !== token) return message(401, '401 Unauthorized');
    api?.onRequest?.(request);

    const [apiSegment, version, root, id, collection, ...rest] =
      request.segments;
    if (
      apiSegment !== 'api' ||
      version !== 'v4' ||
      root !== 'projects' ||
      !id
    ) {
      return message(404, '404 Not Found');
    }
    const projectKey = decodeURIComponent(id).toLowerCase();
    const project = projects.find(
      candidate =>
        String(candidate.id) === projectKey ||
        candidate.pathWithNamespace.toLowerCase() === projectKey,
    );
    if (!project) return message(404, '404 Project Not Found');
    const context: Context = { project, request, webBaseUrl };
    const path = rest.map(decodeURIComponent);

    if (collection === 'repository' && request.method === 'GET') {
      if (path[0] === 'branches' && path.length >= 2) {
        return getBranch(context, path.slice(1).join('/'));
      }
      if (path[0] === 'compare' && path.length === 1) return compare(context);
    }
    if (collection === 'merge_requests') {
      if (path.length === 0 && request.method === 'GET') return list(context);
      if (path.length === 0 && request.method === 'POST')
        return create(context);
      const mr = /^\d+$/.test(path[0] ?? '')
        ? project.mergeRequest(Number(path[0]))
        : undefined;
      if (path.length === 1 && request.method === 'GET') {
        return mr
          ? { status: 200, body: mrJson(context, mr) }
          : message(404, '404 Not found');
      }
      if (
        path.length === 2 &&
        path[1] === 'merge' &&
        request.method === 'PUT'
      ) {
        return mr ? merge(context, mr) : message(404, '404 Not found');
      }
    }
    return message(404, '404 Not Found');
  };

  const server: LoopbackServer = await startLoopbackServer(handle);
  api = {
    apiBaseUrl: `${server.url}/api/v4`,
    token,
    webBaseUrl,
    requests: server.requests,
    addProject(pathWithNamespace, projectOptions = {}) {
      const project = new GitlabProjectDouble(
        projects.length + 1,
        pathWithNamespace,
        new RepositoryModel(projectOptions.defaultBranch ?? 'main'),
      );
      projects.push(project);
      return project;
    },
    project: pathWithNamespace =>
      projects.find(
        project =>
          project.pathWithNamespace.toLowerCase() ===
          pathWithNamespace.toLowerCase(),
      ),
    close: () => server.close(),
  };
  return api;
}

interface Context {
  project: GitlabProjectDouble;
  request: DoubleRequest;
  webBaseUrl: string;
}

function message(status: number, text: unknown): DoubleResponse {
  return { status, body: { message: text } };
}

/** Grape's answer to a missing required parameter. */
function missingParameters(names: string[]): DoubleResponse {
  return {
    status: 400,
    body: { error: names.map(name => `${name} is missing`).join(', ') },
  };
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null
    ? Reflect.get(body, name)
    : undefined;
}

function stringField(body: unknown, name: string): string | undefined {
  const value = field(body, name);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function getBranch({ project }: Context, branch: string): DoubleResponse {
  const head = project.git.head(branch);
  if (!head) return message(404, '404 Branch Not Found');
  return {
    status: 200,
    body: {
      name: branch,
      commit: {
        id: head.sha,
        short_id: head.sha.slice(0, 8),
        title: head.message.split('\n')[0],
        message: head.message,
        created_at: head.date,
        parent_ids: head.parents,
      },
      merged: false,
      protected: false,
      default: branch === project.git.defaultBranch,
    },
  };
}

function compare({ project, request }: Context): DoubleResponse {
  const from = request.query.get('from');
  const to = request.query.get('to');
  const missing = [...(from ? [] : ['from']), ...(to ? [] : ['to'])];
  if (missing.length > 0) return missingParameters(missing);
  const comparison = project.git.compare(from!, to!);
  if (!comparison) return message(404, '404 Ref Not Found');
  const last = comparison.ahead[comparison.ahead.length - 1];
  return {
    status: 200,
    body: {
      commit: last ? { id: last.sha, message: last.message } : null,
      commits: comparison.ahead.map(commit => ({
        id: commit.sha,
        title: commit.message.split('\n')[0],
        message: commit.message,
      })),
      diffs: comparison.changedFiles.map(path => ({
        old_path: path,
        new_path: path,
        diff: '',
        new_file: false,
        renamed_file: false,
        deleted_file: false,
      })),
      compare_timeout: false,
      compare_same_ref: from === to,
    },
  };
}

function mrJson(
  { project, webBaseUrl }: Context,
  mr: GitlabMergeRequestDouble,
) {
  const status = project.detailedMergeStatus(mr);
  return {
    id: mr.id,
    iid: mr.iid,
    project_id: project.id,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    created_at: mr.createdAt,
    updated_at: mr.mergedAt ?? mr.createdAt,
    merged_at: mr.mergedAt ?? null,
    closed_at: mr.state === 'closed' ? mr.createdAt : null,
    target_branch: mr.targetBranch,
    source_branch: mr.sourceBranch,
    source_project_id: project.id,
    target_project_id: project.id,
    labels: mr.labels,
    draft: mr.draft,
    work_in_progress: mr.draft,
    merge_when_pipeline_succeeds: false,
    merge_status: status === 'conflict' ? 'cannot_be_merged' : 'can_be_merged',
    detailed_merge_status: status,
    has_conflicts: status === 'conflict',
    sha: project.sha(mr),
    merge_commit_sha: mr.mergeCommitSha ?? null,
    squash_commit_sha: mr.squashCommitSha ?? null,
    references: {
      short: `!${mr.iid}`,
      full: `${project.pathWithNamespace}!${mr.iid}`,
    },
    web_url: `${webBaseUrl}/${project.pathWithNamespace}/-/merge_requests/${mr.iid}`,
  };
}

function list(context: Context): DoubleResponse {
  const { project, request } = context;
  const state = request.query.get('state') ?? 'all';
  const source = request.query.get('source_branch');
  const target = request.query.get('target_branch');
  const perPage = Math.min(Number(request.query.get('per_page') ?? 20), 100);
  const page = Number(request.query.get('page') ?? 1);
  const matching = project.mergeRequests
    .filter(mr => state === 'all' || mr.state === state)
    .filter(mr => !source || mr.sourceBranch === source)
    .filter(mr => !target || mr.targetBranch === target)
    .sort((a, b) => b.iid - a.iid);
  const totalPages = Math.max(1, Math.ceil(matching.length / perPage));
  return {
    status: 200,
    body: matching
      .slice((page - 1) * perPage, page * perPage)
      .map(mr => mrJson(context, mr)),
    headers: {
      'X-Page': String(page),
      'X-Per-Page': String(perPage),
      'X-Total': String(matching.length),
      'X-Total-Pages': String(totalPages),
      'X-Next-Page': page < totalPages ? String(page + 1) : '',
      'X-Prev-Page': page > 1 ? String(page - 1) : '',
    },
  };
}

function create(context: Context): DoubleResponse {
  const { project, request } = context;
  const missing = ['source_branch', 'target_branch', 'title'].filter(
    name => !stringField(request.body, name),
  );
  if (missing.length > 0) return missingParameters(missing);
  const source = stringField(request.body, 'source_branch')!;
  const target = stringField(request.body, 'target_branch')!;
  if (source === target) {
    return message(422, [
      "You can't use same project/branch for source and target",
    ]);
  }
  const invalid: Record<string, string[]> = {};
  if (!project.git.head(source)) invalid.source_branch = ['does not exist'];
  if (!project.git.head(target)) invalid.target_branch = ['does not exist'];
  if (Object.keys(invalid).length > 0) return message(400, invalid);
  const existing = project.mergeRequests.find(
    mr =>
      mr.state === 'opened' &&
      mr.sourceBranch === source &&
      mr.targetBranch === target,
  );
  if (existing) {
    return message(409, [
      `Another open merge request already exists for this source branch: !${existing.iid}`,
    ]);
  }
  const rawLabels = field(request.body, 'labels');
  let labels: string[] = [];
  if (typeof rawLabels === 'string') {
    labels = rawLabels.split(',').filter(label => label !== '');
  } else if (Array.isArray(rawLabels)) {
    labels = rawLabels.map(String);
  }
  const mr: GitlabMergeRequestDouble = {
    id: nextGlobalId++,
    iid: project.mergeRequests.length + 1,
    title: stringField(request.body, 'title')!,
    description: stringField(request.body, 'description') ?? '',
    sourceBranch: source,
    targetBranch: target,
    state: 'opened',
    createdAt: new Date().toISOString(),
    draft: /^(draft:|\[draft\]|\(draft\))/i.test(
      stringField(request.body, 'title')!,
    ),
    labels,
  };
  project.mergeRequests.push(mr);
  return { status: 201, body: mrJson(context, mr) };
}

function merge(context: Context, mr: GitlabMergeRequestDouble): DoubleResponse {
  const { project, request } = context;
  const status = project.detailedMergeStatus(mr);
  if (status === 'conflict') return message(406, 'Branch cannot be merged');
  if (status !== 'mergeable') return message(405, '405 Method Not Allowed');
  const expectedSha = stringField(request.body, 'sha');
  const sha = project.sha(mr);
  if (expectedSha && expectedSha !== sha) {
    return message(409, `SHA does not match HEAD of source branch: ${sha}`);
  }
  const squash = field(request.body, 'squash');
  project.merge(mr.iid, { squash: squash === true || squash === 'true' });
  return { status: 200, body: mrJson(context, mr) };
}
