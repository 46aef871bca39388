import fs from 'node:fs/promises';
import path from 'node:path';

/*
 * Reads of a repository's files that save a git process where git's own file formats are plain: which commit HEAD
 * is at (the HEAD file, then a loose ref or `packed-refs`), and a few config values (the `config` file). Each read
 * answers `undefined` whenever the files are not what a plain reading handles (a reftable repository, config
 * includes, per-worktree config, quoting, escapes, continuation lines, a missing ref): the caller then asks git,
 * so that the answer is always git's.
 */

/** The directories of a working tree's repository: its own git directory, and the one it shares objects and refs with. */
export interface GitDirs {
  /** `.git` of a main working tree, or `<repo>/worktrees/<name>` for a linked working tree. */
  gitDir: string;
  /** Where branches, tags, `packed-refs` and `config` live (the same as `gitDir` for a main working tree). */
  commonDir: string;
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function isDirectory(file: string): Promise<boolean> {
  return fs.stat(file).then(
    stat => stat.isDirectory(),
    () => false,
  );
}

/** The git directories of the working tree whose top is `workTree`, read from its `.git`. */
export async function gitDirsOf(
  workTree: string,
): Promise<GitDirs | undefined> {
  const dotGit = path.join(workTree, '.git');
  let gitDir: string;
  if (await isDirectory(dotGit)) {
    gitDir = dotGit;
  } else {
    const match = /^gitdir: (.+)$/m.exec((await readText(dotGit)) ?? '');
    if (!match) return undefined;
    gitDir = path.resolve(workTree, match[1].trim());
  }
  const common = (await readText(path.join(gitDir, 'commondir')))?.trim();
  const commonDir = common ? path.resolve(gitDir, common) : gitDir;
  // A reftable repository keeps its refs in a format of its own.
  if (await isDirectory(path.join(commonDir, 'reftable'))) return undefined;
  return { gitDir, commonDir };
}

/** The object a branch or tag ref (`refs/heads/main`) names: its loose file, else its `packed-refs` line. */
export async function readRef(
  dirs: GitDirs,
  ref: string,
): Promise<string | undefined> {
  if (!/^refs\/(?:heads|tags)\/[^\0]+$/.test(ref) || ref.includes('..')) {
    return undefined;
  }
  const loose = await readText(path.join(dirs.commonDir, ref));
  if (loose !== undefined) {
    const id = loose.trim();
    return OBJECT_ID.test(id) ? id : undefined;
  }
  const packed = await readText(path.join(dirs.commonDir, 'packed-refs'));
  for (const line of packed?.split('\n') ?? []) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1) === ref) {
      const id = line.slice(0, space);
      return OBJECT_ID.test(id) ? id : undefined;
    }
  }
  return undefined;
}

/**
 * The commit HEAD is at and the branch checked out (undefined when detached), from the files of the working tree
 * at `workTree`; undefined when git must be asked (an unborn branch, a reftable repository, an unusual HEAD).
 */
export async function readHead(
  workTree: string,
): Promise<{ head: string; branch?: string } | undefined> {
  const dirs = await gitDirsOf(workTree);
  if (!dirs) return undefined;
  const content = (await readText(path.join(dirs.gitDir, 'HEAD')))?.trim();
  if (!content) return undefined;
  if (OBJECT_ID.test(content)) return { head: content };
  const match = /^ref: (refs\/heads\/\S+)$/.exec(content);
  if (!match) return undefined;
  const head = await readRef(dirs, match[1]);
  // A branch ref normally names a commit; anything else is left to git, which checks it.
  return head
    ? { head, branch: match[1].slice('refs/heads/'.length) }
    : undefined;
}

/**
 * Values of `keys` (`section.key` or `section.subsection.key`, with the section and key in lower case) in the
 * repository's `config` file, the last one of each key winning as `git config --get` reads it; absent keys are
 * missing from the map. Undefined when the file has anything a plain reading could get wrong: an include, a
 * per-worktree config, a continuation line, or a wanted value with quotes, escapes or a comment.
 */
export async function readConfig(
  dirs: GitDirs,
  keys: string[],
): Promise<Map<string, string> | undefined> {
  if (await readText(path.join(dirs.gitDir, 'config.worktree'))) {
    return undefined;
  }
  const text = await readText(path.join(dirs.commonDir, 'config'));
  if (text === undefined) return undefined;
  const wanted = new Set(keys);
  const values = new Map<string, string>();
  let section: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.endsWith('\\')) return undefined;
    if (line.startsWith('[')) {
      const header =
        /^\[([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?:\s+"([^"\\]*)")?\]\s*(?:[#;].*)?$/.exec(
          line,
        );
      if (!header) return undefined;
      const name = header[1].toLowerCase();
      if (name === 'include' || name === 'includeif') return undefined;
      // `[section "sub"]` keeps the subsection's case; the old `[section.sub]` is lower case.
      section = header[2] !== undefined ? `${name}.${header[2]}` : name;
      continue;
    }
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (!entry || section === undefined) return undefined;
    const key = `${section}.${entry[1].toLowerCase()}`;
    if (!wanted.has(key)) continue;
    const value = entry[2];
    if (value === undefined || /["\\;#]/.test(value)) return undefined;
    values.set(key, value.trim());
  }
  return values;
}
