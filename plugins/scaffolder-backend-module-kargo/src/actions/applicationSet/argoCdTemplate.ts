import fs from 'node:fs/promises';
import path from 'node:path';

/** Parameters of one generated Application, as a generator gives them (`{{key}}` in the template). */
export type GeneratorParams = Record<string, string>;

/**
 * Renders one string as Argo CD's ApplicationSet controller does without `goTemplate`: fasttemplate with `{{` and
 * `}}`, the tag trimmed of spaces. Argo CD leaves an unknown tag as is; an Application with `{{...}}` in its name
 * or namespace can never be valid, so here it is an error naming the field.
 */
export function renderTemplate(
  template: string,
  params: GeneratorParams,
  field: string,
): string {
  return template.replace(/\{\{([^{}]*)\}\}/g, (tag, inner: string) => {
    const key = inner.trim();
    if (!Object.prototype.hasOwnProperty.call(params, key)) {
      throw new Error(
        `${field}: "${tag}" is not a parameter of the generator (parameters: ${Object.keys(
          params,
        ).join(', ')})`,
      );
    }
    return params[key];
  });
}

/** Argo CD's `utils.SanitizeName`, behind `{{path.basenameNormalized}}`. */
export function sanitizeName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^-a-z0-9.]/g, '-')
    .slice(0, 253)
    .replace(/^[-.]+|[-.]+$/g, '');
}

/**
 * The parameters the Git directory generator gives a directory (fasttemplate mode): `path`, `path.basename`,
 * `path.basenameNormalized` and `path[n]` per segment.
 */
export function gitDirectoryParams(directory: string): GeneratorParams {
  const segments = directory.split('/');
  const basename = segments[segments.length - 1];
  const params: GeneratorParams = {
    path: directory,
    'path.basename': basename,
    'path.basenameNormalized': sanitizeName(basename),
  };
  segments.forEach((segment, i) => {
    params[`path[${i}]`] = segment;
  });
  return params;
}

/** Go's `path.Match`: `*` and `?` never cross a `/`, `[...]` classes with `^` negation. */
export function matchGoPath(pattern: string, name: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) {
      i++;
      source += escapeRegExp(pattern[i]);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error(`syntax error in pattern "${pattern}"`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1).replace(/\//g, '')}/`;
      source += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`).test(name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Every directory under `root`, relative with `/`, sorted; hidden directories (`.git`, ...) and their trees skipped as Argo CD skips them. */
export async function listDirectories(root: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(relative: string) {
    const entries = await fs.readdir(path.join(root, relative), {
      withFileTypes: true,
    });
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      found.push(child);
      await walk(child);
    }
  }
  await walk('');
  return found.sort();
}

/** A Git directory generator's `directories` entry. */
export interface GitDirectoryPattern {
  path: string;
  exclude?: boolean;
}

/** The directories the Git directory generator selects: matching an included pattern and no excluded one. */
export function selectDirectories(
  directories: string[],
  patterns: GitDirectoryPattern[],
): string[] {
  const included = patterns.filter(p => !p.exclude);
  const excluded = patterns.filter(p => p.exclude);
  return directories.filter(
    directory =>
      included.some(p => matchGoPath(p.path, directory)) &&
      !excluded.some(p => matchGoPath(p.path, directory)),
  );
}
