/*
 * TEST DOUBLE SUPPORT: the in-memory Git history behind the GitHub and GitLab API doubles (githubApi.ts,
 * gitlabApi.ts). It is not Git: commits are snapshots of a few text files with parents and a SHA-1 of their
 * content, just enough for what the hosting APIs report about branches (head commit and message), comparisons
 * (commits ahead, changed files), conflicts and merges (merge, squash or rebase commit on the target branch).
 */
import { createHash } from 'node:crypto';

/** A commit of the model: a full snapshot of the files. */
export interface ModelCommit {
  sha: string;
  message: string;
  parents: string[];
  files: Record<string, string>;
  /** ISO time, increasing with every commit so that newest-first orders are stable. */
  date: string;
}

/** What a comparison of two branches reports. */
export interface ModelComparison {
  mergeBase: string;
  /** Commits reachable from head and not from base, oldest first. */
  ahead: ModelCommit[];
  behindBy: number;
  /** Files whose content differs between the merge base and head. */
  changedFiles: string[];
}

let clock = Date.UTC(2026, 0, 1);

/** A repository: commits by SHA and branches pointing at them. */
export class RepositoryModel {
  readonly commits = new Map<string, ModelCommit>();
  readonly branches = new Map<string, string>();

  constructor(
    readonly defaultBranch = 'main',
    files: Record<string, string> = { 'README.md': '# demo\n' },
  ) {
    const root = this.store({ message: 'Initial commit', parents: [], files });
    this.branches.set(defaultBranch, root.sha);
  }

  /** The head commit of a branch, or undefined. */
  head(branch: string): ModelCommit | undefined {
    const sha = this.branches.get(branch);
    return sha === undefined ? undefined : this.commits.get(sha);
  }

  /**
   * Adds a commit as it is (its SHA, parents and files), for a model that mirrors a real repository
   * (gitMirror.ts); its parents must be there already.
   */
  importCommit(commit: ModelCommit): void {
    for (const parent of commit.parents) {
      if (!this.commits.has(parent)) {
        throw new Error(
          `parent ${parent} of ${commit.sha} is not in the model`,
        );
      }
    }
    this.commits.set(commit.sha, commit);
  }

  /** Creates a branch at the head of another. */
  createBranch(name: string, from: string = this.defaultBranch): void {
    const sha = this.branches.get(from);
    if (sha === undefined) throw new Error(`no branch ${from}`);
    this.branches.set(name, sha);
  }

  /** Commits file changes on a branch (created from the default branch if missing); `null` deletes a file. */
  commit(
    branch: string,
    message: string,
    changes: Record<string, string | null>,
  ): ModelCommit {
    if (!this.branches.has(branch)) this.createBranch(branch);
    const parent = this.head(branch)!;
    const files = { ...parent.files };
    for (const [path, content] of Object.entries(changes)) {
      if (content === null) delete files[path];
      else files[path] = content;
    }
    const commit = this.store({ message, parents: [parent.sha], files });
    this.branches.set(branch, commit.sha);
    return commit;
  }

  /** Compares `head` against `base` the way a three-dot comparison does: from their merge base. */
  compare(base: string, head: string): ModelComparison | undefined {
    const baseSha = this.branches.get(base) ?? this.shaOf(base);
    const headSha = this.branches.get(head) ?? this.shaOf(head);
    if (!baseSha || !headSha) return undefined;
    const baseAncestors = this.ancestors(baseSha);
    const headAncestors = this.ancestors(headSha);
    const mergeBase = [...headAncestors].find(sha => baseAncestors.has(sha))!;
    const ahead = [...headAncestors]
      .filter(sha => !baseAncestors.has(sha))
      .map(sha => this.commits.get(sha)!)
      .reverse();
    const behindBy = [...baseAncestors].filter(
      sha => !headAncestors.has(sha),
    ).length;
    return {
      mergeBase,
      ahead,
      behindBy,
      changedFiles: diff(
        this.commits.get(mergeBase)!.files,
        this.commits.get(headSha)!.files,
      ),
    };
  }

  /** Whether both branches changed a file differently since their merge base. */
  conflicts(source: string, target: string): boolean {
    return this.mergedFiles(source, target) === undefined;
  }

  /**
   * Merges `source` into `target` and returns the commit now at the head of `target`: a merge commit with
   * two parents, or for `squash` and `rebase` a single new commit with the source's changes.
   *
   * @throws Error on a conflict.
   */
  merge(
    source: string,
    target: string,
    method: 'merge' | 'squash' | 'rebase',
    message: string,
  ): ModelCommit {
    const files = this.mergedFiles(source, target);
    if (!files) throw new Error(`${source} conflicts with ${target}`);
    const targetHead = this.head(target)!;
    const sourceHead = this.head(source)!;
    const parents =
      method === 'merge' ? [targetHead.sha, sourceHead.sha] : [targetHead.sha];
    const commit = this.store({ message, parents, files });
    this.branches.set(target, commit.sha);
    return commit;
  }

  /** Whether the head of `ancestor` is reachable from the head of `branch` (a fast-forward is possible). */
  isAncestor(ancestor: string, branch: string): boolean {
    const ancestorSha = this.branches.get(ancestor);
    const branchSha = this.branches.get(branch);
    if (!ancestorSha || !branchSha) return false;
    return this.ancestors(branchSha).has(ancestorSha);
  }

  /** Moves `target` to the head of `source`, when `target` is an ancestor of it. */
  fastForward(source: string, target: string): ModelCommit {
    if (!this.isAncestor(target, source)) {
      throw new Error(`${target} cannot be fast-forwarded to ${source}`);
    }
    const head = this.head(source)!;
    this.branches.set(target, head.sha);
    return head;
  }

  private mergedFiles(
    source: string,
    target: string,
  ): Record<string, string> | undefined {
    const comparison = this.compare(target, source);
    if (!comparison) throw new Error(`no branch ${source} or ${target}`);
    const baseFiles = this.commits.get(comparison.mergeBase)!.files;
    const sourceFiles = this.head(source)!.files;
    const targetFiles = this.head(target)!.files;
    const targetChanged = new Set(diff(baseFiles, targetFiles));
    const files = { ...targetFiles };
    for (const path of comparison.changedFiles) {
      if (targetChanged.has(path) && targetFiles[path] !== sourceFiles[path]) {
        return undefined;
      }
      if (path in sourceFiles) files[path] = sourceFiles[path];
      else delete files[path];
    }
    return files;
  }

  private shaOf(ref: string): string | undefined {
    return this.commits.has(ref) ? ref : undefined;
  }

  /** Every commit reachable from `sha`, nearest first (breadth-first). */
  private ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const queue = [sha];
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...this.commits.get(next)!.parents);
    }
    return seen;
  }

  private store(commit: Omit<ModelCommit, 'sha' | 'date'>): ModelCommit {
    clock += 1000;
    const date = new Date(clock).toISOString();
    const sha = createHash('sha1')
      .update(JSON.stringify({ ...commit, date }))
      .digest('hex');
    const stored = { ...commit, sha, date };
    this.commits.set(sha, stored);
    return stored;
  }
}

function diff(
  before: Record<string, string>,
  after: Record<string, string>,
): string[] {
  const paths = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...paths].filter(path => before[path] !== after[path]).sort();
}
