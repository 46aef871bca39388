/* The repositories and pull requests of the GitHub API double (githubApi.ts): public state tests read and change. */
import { RepositoryModel } from './repositoryModel';

/** A pull request as the double stores it. */
export interface GithubPullDouble {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  /** Head commit when the pull request was merged or closed; open ones follow their branch. */
  frozenHeadSha?: string;
  mergedAt?: string;
  mergeCommitSha?: string;
  createdAt: string;
  draft: boolean;
  labels: string[];
  /** Reported instead of the computed `clean` / `dirty` / `draft`, e.g. `blocked`, `unknown`, `unstable`. */
  mergeableState?: string;
  /** When set, the merge endpoint answers 405 with this message. */
  mergeRefusal?: string;
}

/** A repository of the double. */
export class GithubRepositoryDouble {
  readonly pulls: GithubPullDouble[] = [];
  /** Merge methods the repository settings allow. */
  allowedMergeMethods = new Set(['merge', 'squash', 'rebase']);

  constructor(
    readonly owner: string,
    readonly name: string,
    readonly git: RepositoryModel,
  ) {}

  pull(number: number): GithubPullDouble | undefined {
    return this.pulls.find(pull => pull.number === number);
  }

  /** Merges a pull request as a user would on GitHub; returns the commit now at the head of the base branch. */
  mergePull(number: number, method: 'merge' | 'squash' | 'rebase' = 'merge') {
    const pull = this.pull(number);
    if (!pull || pull.state !== 'open') {
      throw new Error(`pull request ${number} is not open`);
    }
    const headSha = this.git.head(pull.head)!.sha;
    const commit = this.git.merge(
      pull.head,
      pull.base,
      method,
      method === 'merge'
        ? `Merge pull request #${number} from ${this.owner}/${pull.head}\n\n${pull.title}`
        : `${pull.title} (#${number})`,
    );
    Object.assign(pull, {
      state: 'closed',
      frozenHeadSha: headSha,
      mergedAt: commit.date,
      mergeCommitSha: commit.sha,
    });
    return commit;
  }

  /** Closes a pull request without merging it. */
  closePull(number: number): void {
    const pull = this.pull(number);
    if (!pull) throw new Error(`no pull request ${number}`);
    pull.frozenHeadSha = this.git.head(pull.head)?.sha;
    pull.state = 'closed';
  }

  headSha(pull: GithubPullDouble): string {
    return pull.frozenHeadSha ?? this.git.head(pull.head)?.sha ?? '';
  }

  mergeableState(pull: GithubPullDouble): string {
    if (pull.mergeableState) return pull.mergeableState;
    if (pull.draft) return 'draft';
    return this.git.conflicts(pull.head, pull.base) ? 'dirty' : 'clean';
  }
}
