import fs from 'node:fs/promises';
import path from 'node:path';
import { componentRegExp } from './gitignore';

/** A glob pattern that can never match anything because it is malformed (doublestar's `ErrBadPattern`). */
export class GlobPatternError extends Error {
  override name = 'GlobPatternError';
}

/**
 * Finds the files and directories under `root` that match a pattern with the syntax of bmatcuk/doublestar v4,
 * which Kargo's `delete` step uses: `*`, `?`, `[...]` (negated with `^` or `!`), `{a,b}` alternatives, `\`
 * escapes, `**` as a whole segment for zero or more directories, and a trailing `/` for directories only.
 * Patterns that start with `/` or contain `.`/`..`/empty segments match nothing (as with `os.DirFS`), and `**`
 * does not descend into symbolic links. Returns paths relative to `root` with `/` separators, never `root`
 * itself.
 */
export async function globInDirectory(
  root: string,
  pattern: string,
): Promise<string[]> {
  const matches: string[] = [];
  for (const alternative of expandBraces(pattern)) {
    for (const match of await globOne(root, alternative)) {
      if (!matches.includes(match)) {
        matches.push(match);
      }
    }
  }
  return matches;
}

/** Expands `{a,b}` alternatives (nested ones too) into plain patterns, in order. */
export function expandBraces(pattern: string): string[] {
  const chars = [...pattern];
  let open = -1;
  let depth = 0;
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\') {
      i++;
    } else if (chars[i] === '{') {
      if (depth === 0) {
        open = i;
      }
      depth++;
    } else if (chars[i] === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const prefix = chars.slice(0, open).join('');
        const suffix = chars.slice(i + 1).join('');
        return splitAlternatives(chars.slice(open + 1, i)).flatMap(
          alternative => expandBraces(`${prefix}${alternative}${suffix}`),
        );
      }
    }
  }
  if (depth > 0) {
    throw new GlobPatternError(
      `unclosed "{" in pattern ${JSON.stringify(pattern)}`,
    );
  }
  return [pattern];
}

function splitAlternatives(chars: string[]): string[] {
  const alternatives: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    if (char === '\\') {
      current += char + (chars[i + 1] ?? '');
      i++;
    } else if (char === ',' && depth === 0) {
      alternatives.push(current);
      current = '';
    } else {
      if (char === '{') depth++;
      if (char === '}') depth--;
      current += char;
    }
  }
  alternatives.push(current);
  return alternatives;
}

const join = (relative: string, name: string) =>
  relative === '' ? name : `${relative}/${name}`;

/** One `/`-separated part of a pattern: `**`, a name without wildcards, or a wildcard pattern. */
type Segment =
  | { kind: 'globstar' }
  | { kind: 'literal'; name: string }
  | { kind: 'pattern'; regexp: RegExp };

function compileSegment(text: string, pattern: string): Segment {
  if (text === '**') {
    return { kind: 'globstar' };
  }
  if (!/[*?[\\]/.test(text)) {
    return { kind: 'literal', name: text };
  }
  const unescaped = text.replace(/\\./g, '');
  if (unescaped.includes('\\')) {
    throw new GlobPatternError(
      `syntax error in pattern ${JSON.stringify(pattern)}`,
    );
  }
  if (!/[*?[]/.test(unescaped)) {
    return { kind: 'literal', name: text.replace(/\\(.)/g, '$1') };
  }
  // A `**` inside a segment is a plain `*`, as in doublestar.
  const regexp = componentRegExp(text.replace(/\*\*+/g, '*'), {
    bangNegates: true,
  });
  if (!regexp) {
    throw new GlobPatternError(
      `syntax error in pattern ${JSON.stringify(pattern)}`,
    );
  }
  return { kind: 'pattern', regexp };
}

async function globOne(root: string, pattern: string): Promise<string[]> {
  const dirOnly = pattern.endsWith('/');
  const trimmed = pattern.replace(/\/+$/, '');
  const texts = trimmed.split('/');
  const segments = texts.map(text => compileSegment(text, pattern));
  if (
    trimmed === '' ||
    pattern.startsWith('/') ||
    texts.some(text => text === '' || text === '.' || text === '..')
  ) {
    return [];
  }
  const results: string[] = [];
  const walk = async (relative: string, index: number): Promise<void> => {
    if (index === segments.length) {
      if (
        relative !== '' &&
        (!dirOnly || (await isDirectory(root, relative)))
      ) {
        results.push(relative);
      }
      return;
    }
    const segment = segments[index];
    if (segment.kind === 'globstar') {
      await walk(relative, index + 1);
      const last = index === segments.length - 1;
      for (const entry of await listDirectory(root, relative)) {
        if (entry.isDirectory()) {
          await walk(join(relative, entry.name), index);
        } else if (last) {
          await walk(join(relative, entry.name), index + 1);
        }
      }
      return;
    }
    if (segment.kind === 'literal') {
      const candidate = join(relative, segment.name);
      if (await exists(root, candidate)) {
        await walk(candidate, index + 1);
      }
      return;
    }
    for (const entry of await listDirectory(root, relative)) {
      if (segment.regexp.test(entry.name)) {
        await walk(join(relative, entry.name), index + 1);
      }
    }
  };
  await walk('', 0);
  return [...new Set(results)];
}

async function listDirectory(root: string, relative: string) {
  try {
    const entries = await fs.readdir(path.join(root, relative), {
      withFileTypes: true,
    });
    return entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    // Like doublestar's Glob, unreadable or missing directories simply match nothing.
    return [];
  }
}

async function exists(root: string, relative: string): Promise<boolean> {
  try {
    await fs.lstat(path.join(root, relative));
    return true;
  } catch {
    return false;
  }
}

async function isDirectory(root: string, relative: string): Promise<boolean> {
  try {
    return (await fs.stat(path.join(root, relative))).isDirectory();
  } catch {
    return false;
  }
}
