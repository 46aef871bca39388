import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Freight } from '@kargo-portal/plugin-kargo-common';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
  TerminalStepError,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { normalizeGit } from '../../freight/normalize';
import { GitClient, GitCommandError, GitRunOptions } from '../../git/GitClient';
import { redactUrl } from '../../git/redact';
import { readHead, readRef } from '../../git/repositoryFiles';
import {
  authorSchema,
  ceilingEnv,
  configureSigning,
  GNUPG_HOME_KEY,
  checkRefName,
  GitStepsDeps,
  messageOf,
} from '../stepHelpers/gitWorkTree';
import { resolveInWorkDir } from '../stepHelpers/paths';

const checkoutSchema = z
  .object({
    as: z.string().optional(),
    branch: z.string().optional(),
    commit: z.string().optional(),
    tag: z.string().optional(),
    create: z.boolean().optional(),
    path: z.string().min(1),
    sparse: z.array(z.string().min(1)).min(1).optional(),
    /** Legacy (removed in Kargo v1.3): take the commit of `repoURL` from the promoted freight. */
    fromFreight: z.boolean().optional(),
    /** Legacy: the warehouse whose freight provides the commit, with `fromFreight`. */
    fromOrigin: z
      .object({ kind: z.literal('Warehouse'), name: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((checkout, ctx) => {
    const targets: string[] = (['branch', 'commit', 'tag'] as const).filter(
      field => !!checkout[field],
    );
    if (checkout.fromFreight) targets.push('fromFreight');
    if (targets.length > 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `Must validate one and only one schema (oneOf): ${targets.join(
          ', ',
        )} are mutually exclusive`,
      });
    }
    if (checkout.fromOrigin && !checkout.fromFreight) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['fromOrigin'],
        message: 'is only allowed with fromFreight: true',
      });
    }
  });

/** Kargo's `GitCloneConfig` (schemas/git-clone-config.json), plus the legacy `fromFreight` / `fromOrigin`. */
const gitCloneConfigSchema = z
  .object({
    repoURL: z.string().min(1),
    insecureSkipTLSVerify: z.boolean().optional(),
    recurseSubmodules: z.boolean().optional(),
    blobless: z.boolean().optional(),
    author: authorSchema.optional(),
    checkout: z.array(checkoutSchema).min(1),
  })
  .strict();

/** The checked config of `git-clone`. */
export type GitCloneConfig = z.infer<typeof gitCloneConfigSchema>;
type Checkout = GitCloneConfig['checkout'][number];

const HEX = /^[0-9a-fA-F]{4,64}$/;

/** The checks of Kargo's git-clone that its JSON schema cannot express. */
function checkGitCloneConfig(parsed: GitCloneConfig): void {
  const aliases = new Set<string>();
  parsed.checkout.forEach((checkout, i) => {
    if (checkout.as) {
      if (aliases.has(checkout.as)) {
        throw new TerminalStepError(
          `duplicate checkout alias "${checkout.as}" at checkout[${i}]`,
        );
      }
      aliases.add(checkout.as);
    }
    if (checkout.branch) checkRefName(checkout.branch, `checkout[${i}].branch`);
    if (checkout.tag) checkRefName(checkout.tag, `checkout[${i}].tag`);
    if (checkout.commit && !HEX.test(checkout.commit)) {
      throw new TerminalStepError(
        `checkout[${i}].commit "${checkout.commit}" is not a commit id`,
      );
    }
    for (const dir of checkout.sparse ?? []) {
      if (
        path.posix.isAbsolute(dir) ||
        dir.split('/').includes('..') ||
        /[*?[\]]/.test(dir)
      ) {
        throw new TerminalStepError(
          `checkout[${i}].sparse "${dir}" must be a directory relative to the repository root, without glob characters`,
        );
      }
    }
  });
}

/**
 * Where the bare clone of a step lives: one per step (so that two clones of one repository can check out the same
 * branch), inside the work directory, at a stable place so that a re-run replaces it.
 */
function bareRepoPath(alias: string): string {
  const readable = alias.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40);
  const hash = createHash('sha256').update(alias).digest('hex').slice(0, 8);
  return path.join('.kargo-git', `${readable}-${hash}`);
}

/** Whether `dir` is a working tree of the bare repository `bare` (its `.git` file points into it). */
async function isWorkTreeOf(dir: string, bare: string): Promise<boolean> {
  const gitFile = await fs
    .readFile(path.join(dir, '.git'), 'utf8')
    .catch(() => undefined);
  const match = /^gitdir: (.*)$/m.exec(gitFile ?? '');
  if (!match) return false;
  const relative = path.relative(bare, path.resolve(dir, match[1].trim()));
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * The commit of `repoURL` in the promoted freight (Kargo's legacy `fromFreight`): from the freight of
 * `fromOrigin`'s warehouse when given, otherwise from the only freight that has one.
 */
function commitFromFreight(
  freight: Freight[],
  repoURL: string,
  origin: Checkout['fromOrigin'],
): string {
  const wanted = normalizeGit(repoURL);
  const candidates = freight.filter(
    f =>
      !origin ||
      (f.origin.kind === origin.kind && f.origin.name === origin.name),
  );
  const matches = new Map<string, string>();
  for (const f of candidates) {
    const commit = f.commits.find(c => normalizeGit(c.repoURL) === wanted);
    if (commit) matches.set(`${f.origin.kind}/${f.origin.name}`, commit.id);
  }
  if (matches.size > 1) {
    throw new TerminalStepError(
      `multiple requested Freight could potentially provide a commit from repo ${redactUrl(
        repoURL,
      )}; please update promotion steps to disambiguate`,
    );
  }
  const [id] = matches.values();
  if (!id) {
    throw new TerminalStepError(
      `commit from repo ${redactUrl(repoURL)} not found in referenced Freight`,
    );
  }
  return id;
}

/**
 * `git-clone`: makes a bare clone of `repoURL` inside the work directory and checks out each `checkout` entry (a
 * branch, a commit, a tag, or the default branch) into a working tree at its `path`. A missing branch is created
 * as an empty orphan branch and pushed when `create` is true. `author` becomes the repository's default commit
 * identity. Output: `commits` (the HEAD commit per `as` or `path`, as Kargo) and `commit` (the first one's).
 *
 * A re-run (after a crash or a retry) starts over: the step's earlier clone and working trees are removed first.
 */
export function createGitCloneStep(
  deps: GitStepsDeps,
): PromotionStepRunner<GitCloneConfig> {
  return createPromotionStep({
    name: 'git-clone',
    schema: gitCloneConfigSchema,
    validate: checkGitCloneConfig,
    run: (context, config) => clone(deps.git, context, config),
    restore: (context, config) => restoreSigning(deps.git, context, config),
  });
}

/**
 * After a restart of the backend (or on another replica) the GnuPG home holding `author.signingKey` is gone,
 * while the clone in the work directory still names it: the key is imported again from the step's config, so
 * that the promotion's later `git-commit` and `git-tag` sign as they would have.
 */
async function restoreSigning(
  git: GitClient,
  context: PromotionStepContext,
  config: GitCloneConfig,
): Promise<void> {
  if (!config.author?.signingKey) return;
  const bare = await resolveInWorkDir(
    context.workDir,
    bareRepoPath(context.alias),
    'repository directory',
  );
  const inBare = (args: string[], okExitCodes: number[] = []) =>
    git.run(args, {
      cwd: bare,
      env: ceilingEnv(context.workDir),
      signal: context.signal,
      okExitCodes,
    });
  // The clone is gone (git-clear or a later clone removed it): nothing signs with it any more.
  if (!(await fs.stat(bare).catch(() => undefined))) return;
  const configured = (
    await inBare(['config', '--get', GNUPG_HOME_KEY], [1])
  ).stdout.trim();
  if (configured && (await fs.stat(configured).catch(() => undefined))) return;
  const fingerprint = await configureSigning({
    git,
    signingKey: config.author.signingKey,
    field: 'author',
    signal: context.signal,
    runInRepo: args => inBare(args),
  });
  context.logger.info(
    `imported the GPG signing key ${fingerprint} of step "${context.alias}" again (the backend restarted since it ran)`,
  );
}

async function clone(
  git: GitClient,
  context: PromotionStepContext,
  config: GitCloneConfig,
): Promise<PromotionStepResult> {
  const { repoURL } = config;
  const bare = await resolveInWorkDir(
    context.workDir,
    bareRepoPath(context.alias),
    'repository directory',
  );
  const targets = await Promise.all(
    config.checkout.map((checkout, i) =>
      resolveInWorkDir(context.workDir, checkout.path, `checkout[${i}].path`),
    ),
  );
  const commitIds = config.checkout.map(checkout =>
    checkout.fromFreight
      ? commitFromFreight(context.freight, repoURL, checkout.fromOrigin)
      : checkout.commit,
  );

  // Leftovers of an earlier run of this step are ours to remove; anything else in the way is an error.
  for (const [i, target] of targets.entries()) {
    const entries = await fs.readdir(target).catch(() => undefined);
    if (!entries || entries.length === 0) continue;
    if (await isWorkTreeOf(target, bare)) {
      await fs.rm(target, { recursive: true, force: true });
    } else {
      throw new TerminalStepError(
        `checkout[${i}].path "${config.checkout[i].path}" already exists and is not empty`,
      );
    }
  }
  await fs.rm(bare, { recursive: true, force: true });
  await fs.mkdir(path.dirname(bare), { recursive: true });

  const credentials = await context.credentials.git(repoURL);
  const run = (args: string[], options: GitRunOptions = {}) =>
    git.run(args, {
      credentials,
      credentialsURL: repoURL,
      insecureSkipTLSVerify: config.insecureSkipTLSVerify,
      signal: context.signal,
      ...options,
      env: ceilingEnv(context.workDir),
    });
  const inBare = (args: string[], options: GitRunOptions = {}) =>
    run(args, { cwd: bare, ...options });

  // The clone's own config (`--config` writes it into the new repository): one git process instead of one per key.
  const cloneConfig: string[] = [];
  if (config.insecureSkipTLSVerify) cloneConfig.push('http.sslVerify=false');
  if (config.author) {
    cloneConfig.push(`user.name=${config.author.name}`);
    cloneConfig.push(`user.email=${config.author.email}`);
  }
  const cloneArgs = ['clone', '--quiet'];
  if (config.blobless) cloneArgs.push('--filter=blob:none');
  for (const entry of cloneConfig) cloneArgs.push('--config', entry);
  const cloneOptions: GitRunOptions = {
    config: config.blobless ? { 'uploadpack.allowFilter': 'true' } : {},
  };
  const cloneFailed = (error: unknown) =>
    new Error(`error cloning ${redactUrl(repoURL)}: ${messageOf(error)}`);

  // One branch into one working tree, the usual case, is one git process: a clone that checks the branch out at
  // the checkout's path, its repository at the same place as the bare one (so that everything else, from a
  // re-run's clean-up to signing, finds it there). A branch the remote lacks, or a tag of that name (which
  // `clone --branch` would check out), takes the general way below, which creates the branch or fails as Kargo
  // does.
  const [only] = config.checkout;
  if (
    config.checkout.length === 1 &&
    only.branch &&
    !only.sparse &&
    !commitIds[0]
  ) {
    const head = await cloneOneBranch(
      run,
      [...cloneArgs, '--branch', only.branch, `--separate-git-dir=${bare}`],
      cloneOptions,
      { repoURL, target: targets[0], bare, branch: only.branch },
    ).catch(error => {
      throw cloneFailed(error);
    });
    if (head) {
      await configureAuthor(git, context, config, inBare);
      try {
        if (config.recurseSubmodules) await updateSubmodules(run, targets[0]);
      } catch (error) {
        throw new Error(
          `error adding work tree ${only.path} to repo ${redactUrl(
            repoURL,
          )}: ${messageOf(error)}`,
        );
      }
      context.logger.info(`checked out ${head} at ${only.path}`);
      return {
        status: 'Succeeded',
        output: { commits: { [only.as || only.path]: head }, commit: head },
      };
    }
  }

  try {
    await run([...cloneArgs, '--bare', '--', repoURL, bare], cloneOptions);
  } catch (error) {
    throw cloneFailed(error);
  }
  await configureAuthor(git, context, config, inBare);

  const commits: Record<string, string> = {};
  let first: string | undefined;
  for (const [i, checkout] of config.checkout.entries()) {
    const target = targets[i];
    const commit = commitIds[i];
    const add = ['worktree', 'add', '--quiet'];
    if (checkout.sparse) add.push('--no-checkout');
    // The commit the working tree's HEAD is at, when known before it is added (one git process less).
    let head: string | undefined;
    try {
      if (checkout.branch) {
        head = await ensureBranch(
          inBare,
          bare,
          checkout.branch,
          !!checkout.create,
          repoURL,
        );
        await inBare([...add, '--', target, checkout.branch]);
      } else if (checkout.tag) {
        head = await ensureRef(inBare, `refs/tags/${checkout.tag}`);
        await inBare([
          ...add,
          '--detach',
          '--',
          target,
          `refs/tags/${checkout.tag}^{commit}`,
        ]);
      } else if (commit) {
        head = await ensureCommit(inBare, commit);
        await inBare([...add, '--detach', '--', target, `${commit}^{commit}`]);
      } else {
        const defaultBranch = (
          await inBare(['symbolic-ref', '--short', 'HEAD'])
        ).stdout.trim();
        await inBare([...add, '--', target, defaultBranch]);
      }
      if (checkout.sparse) {
        await run(
          ['sparse-checkout', 'set', '--cone', '--', ...checkout.sparse],
          {
            cwd: target,
          },
        );
        await run(['checkout', '--quiet'], { cwd: target });
      }
      if (config.recurseSubmodules) await updateSubmodules(run, target);
    } catch (error) {
      if (error instanceof TerminalStepError) throw error;
      throw new Error(
        `error adding work tree ${checkout.path} to repo ${redactUrl(
          repoURL,
        )}: ${messageOf(error)}`,
      );
    }
    head ??= (await run(['rev-parse', 'HEAD'], { cwd: target })).stdout.trim();
    commits[checkout.as || checkout.path] = head;
    first ??= head;
    context.logger.info(`checked out ${head} at ${checkout.path}`);
  }
  return { status: 'Succeeded', output: { commits, commit: first } };
}

/** Makes the repository sign its commits with the author's signing key, when there is one. */
async function configureAuthor(
  git: GitClient,
  context: PromotionStepContext,
  config: GitCloneConfig,
  inBare: BareRunner,
): Promise<void> {
  if (!config.author?.signingKey) return;
  const fingerprint = await configureSigning({
    git,
    signingKey: config.author.signingKey,
    field: 'author',
    signal: context.signal,
    runInRepo: args => inBare(args),
  });
  context.logger.info(`commits will be signed with GPG key ${fingerprint}`);
}

function updateSubmodules(run: BareRunner, target: string) {
  return run(['submodule', 'update', '--init', '--recursive', '--quiet'], {
    cwd: target,
  });
}

/**
 * Clones with `args` (a `--branch` clone) into `target`; resolves with the commit checked out, or undefined, with
 * nothing left behind, when the remote has no such branch (or `--branch` named a tag).
 */
async function cloneOneBranch(
  run: BareRunner,
  args: string[],
  options: GitRunOptions,
  where: { repoURL: string; target: string; bare: string; branch: string },
): Promise<string | undefined> {
  const removeClone = async () => {
    await fs.rm(where.target, { recursive: true, force: true });
    await fs.rm(where.bare, { recursive: true, force: true });
  };
  try {
    await run([...args, '--', where.repoURL, where.target], options);
  } catch (error) {
    if (!isMissingBranch(error)) throw error;
    await removeClone();
    return undefined;
  }
  const read =
    (await readHead(where.target)) ?? (await headFromGit(run, where.target));
  if (read.branch === where.branch) return read.head;
  await removeClone();
  return undefined;
}

async function headFromGit(
  run: BareRunner,
  target: string,
): Promise<{ head: string; branch?: string }> {
  const [head, ref] = (
    await run(['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD'], {
      cwd: target,
    })
  ).stdout
    .trim()
    .split('\n');
  return {
    head,
    branch: ref?.startsWith('refs/heads/')
      ? ref.slice('refs/heads/'.length)
      : undefined,
  };
}

/** Whether a clone of one branch failed because the remote has no such branch (or no branch at all). */
function isMissingBranch(error: unknown): boolean {
  return (
    error instanceof GitCommandError &&
    /Remote branch .* not found in upstream origin/.test(error.stderr)
  );
}

type BareRunner = (
  args: string[],
  options?: GitRunOptions,
) => ReturnType<GitClient['run']>;

/** The commit `rev` names in the bare clone, or undefined when it names none. */
async function commitOf(
  inBare: BareRunner,
  rev: string,
  okExitCodes = [1],
): Promise<string | undefined> {
  const { stdout, exitCode } = await inBare(
    ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`],
    { okExitCodes },
  );
  return exitCode === 0 ? stdout.trim() : undefined;
}

/** Fetches a tag or branch the clone did not bring (a tag on no branch, for instance); resolves with its commit. */
async function ensureRef(inBare: BareRunner, ref: string): Promise<string> {
  const known = await commitOf(inBare, ref);
  if (known) return known;
  await inBare(['fetch', '--quiet', '--no-tags', 'origin', `+${ref}:${ref}`]);
  return (await commitOf(inBare, ref, []))!;
}

/** Fetches a commit that no branch or tag of the clone reaches, when the server allows it; resolves with its id. */
async function ensureCommit(
  inBare: BareRunner,
  commit: string,
): Promise<string> {
  const known = await commitOf(inBare, commit, [1, 128]);
  if (known) return known;
  await inBare(['fetch', '--quiet', '--no-tags', 'origin', commit]);
  return (await commitOf(inBare, commit, []))!;
}

/**
 * Kargo's `ensureRemoteBranch`: a branch the remote does not have is an error, or with `create` a new orphan
 * branch with one empty "Initial commit", pushed to the remote. Resolves with the branch's commit.
 */
async function ensureBranch(
  inBare: BareRunner,
  bare: string,
  branch: string,
  create: boolean,
  repoURL: string,
): Promise<string> {
  const ref = `refs/heads/${branch}`;
  // A fresh clone's branches are in its packed-refs: read there, or asked of git when the files are unusual.
  const known =
    (await readRef({ gitDir: bare, commonDir: bare }, ref)) ??
    (await commitOf(inBare, ref));
  if (known) return known;
  if (!create) {
    throw new Error(
      `remote branch "${branch}" of repo ${redactUrl(
        repoURL,
      )} does not exist; set create=true if you'd like a non-existent remote branch to be automatically created at checkout`,
    );
  }
  const tree = (await inBare(['mktree'], { input: '' })).stdout.trim();
  const commit = (
    await inBare(['commit-tree', tree], { input: 'Initial commit\n' })
  ).stdout.trim();
  try {
    await inBare(['push', '--quiet', 'origin', `${commit}:${ref}`]);
    await inBare(['update-ref', ref, commit]);
    return commit;
  } catch (error) {
    // Another promotion may have created the branch meanwhile: use theirs.
    if (!(error instanceof GitCommandError)) throw error;
    await inBare(['fetch', '--quiet', '--no-tags', 'origin', `+${ref}:${ref}`]);
    return (await commitOf(inBare, ref, []))!;
  }
}
